/**
 * Where a bucket reads the time and sets its one timer. Tests inject a manual clock; servers use
 * the default (a monotonic clock, so a wall-clock jump never mints or destroys tokens).
 */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
