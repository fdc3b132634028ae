import { InvalidOptionError } from '@sluice/stream-core';
import { systemClock, type Clock } from './clock.js';
import { InvalidRateError } from './errors.js';
import { shapeOf, type BucketShape, type RateSpec } from './rate.js';

/** Anything bytes can be paced by: a TokenBucket, or a connection's share of a BandwidthLimiter. */
export interface RateLimit {
  /** Resolves once `bytes` tokens were granted; rejects with `signal.reason` if the signal fires first. */
  take(bytes: number, signal?: AbortSignal): Promise<void>;
  /** The grant unit: callers that split their writes split them at this size. */
  readonly sliceBytes: number;
}

export interface TokenBucketOptions extends RateSpec {
  /** Time source and timer; the default is the process's monotonic clock. */
  clock?: Clock;
}

interface Waiter {
  remaining: number;
  granted: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  prev: Waiter | null;
  next: Waiter | null;
}

const RESOLVED: Promise<void> = Promise.resolve();
/** Node's timers have 1 ms resolution; asking for less only spins the event loop. */
const MIN_TIMER_MS = 1;

/**
 * A token bucket in the tc-tbf model: tokens (bytes) arrive at the committed rate up to the bucket
 * depth; with a peak rate, every byte also takes from a small peak bucket, so even a full bucket
 * drains no faster than the peak. Waiters are served first come, first served, one slice at a time
 * and round-robin, so many streams through one bucket share it evenly. One timer per bucket, and
 * only while someone waits.
 */
export class TokenBucket implements RateLimit {
  /** Committed rate in bytes per second. */
  readonly bytesPerSecond: number;
  /** Committed bucket depth in bytes: the most that can go above the rate in one go. */
  readonly burstBytes: number;
  /** Peak rate in bytes per second, or null without one. */
  readonly peakBytesPerSecond: number | null;
  readonly sliceBytes: number;
  readonly #shape: BucketShape;
  readonly #clock: Clock;
  #tokens: number;
  #peakTokens: number;
  #last: number;
  #head: Waiter | null = null;
  #tail: Waiter | null = null;
  #waiting = 0;
  #timer: unknown = null;

  constructor(options: TokenBucketOptions) {
    this.#shape = shapeOf(options, 'TokenBucket');
    const clock = options.clock ?? systemClock;
    if (typeof clock.now !== 'function' || typeof clock.setTimer !== 'function' || typeof clock.clearTimer !== 'function') {
      throw new InvalidOptionError('clock', 'must have now(), setTimer() and clearTimer()');
    }
    this.#clock = clock;
    this.bytesPerSecond = this.#shape.bytesPerMs * 1000;
    this.burstBytes = this.#shape.depth;
    this.peakBytesPerSecond = this.#shape.peakBytesPerMs === null ? null : this.#shape.peakBytesPerMs * 1000;
    this.sliceBytes = this.#shape.slice;
    // tc-tbf: "On creation, the TBF is stocked with tokens which correspond to the amount of
    // traffic that can be burst in one go."
    this.#tokens = this.#shape.depth;
    this.#peakTokens = this.#shape.peakDepth;
    this.#last = clock.now();
  }

  /** Streams waiting for tokens right now. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Tokens in the committed bucket now (never more than `burstBytes`). */
  get available(): number {
    this.#refill();
    return Math.floor(this.#tokens);
  }

  /**
   * Waits until `bytes` tokens were granted. Large requests are granted a slice at a time, taking
   * turns with every other waiter. Rejects with `signal.reason` as soon as the signal fires, and the
   * place in the queue (and any tokens granted so far) is given back.
   */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isSafeInteger(bytes) || bytes < 0) return Promise.reject(new InvalidRateError('bytes', bytes, 'must be a non-negative integer'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (bytes === 0) return RESOLVED;
    let remaining = bytes;
    let granted = 0;
    if (this.#head === null) {
      // Nobody waits: take what is there now, so an unthrottled stream pays no timer at all.
      this.#refill();
      while (remaining > 0) {
        const s = Math.min(remaining, this.#shape.slice);
        if (!this.#has(s)) break;
        this.#debit(s);
        remaining -= s;
        granted += s;
      }
      if (remaining === 0) return RESOLVED;
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { remaining, granted, resolve, reject, signal, onAbort: undefined, prev: null, next: null };
      if (signal) {
        w.onAbort = () => this.#cancel(w);
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.#push(w);
      this.#schedule();
    });
  }

  /** Takes `bytes` now if nobody waits and the tokens are there; never waits. */
  tryTake(bytes: number): boolean {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new InvalidRateError('bytes', bytes, 'must be a non-negative integer');
    if (bytes === 0) return true;
    if (this.#head !== null) return false;
    this.#refill();
    if (!this.#has(bytes)) return false;
    this.#debit(bytes);
    return true;
  }

  #refill(): void {
    const now = this.#clock.now();
    const dt = now - this.#last;
    if (dt <= 0) return;
    this.#last = now;
    // Tokens stop at the depth: a stream that stalls earns no credit beyond the burst.
    this.#tokens = Math.min(this.#shape.depth, this.#tokens + dt * this.#shape.bytesPerMs);
    if (this.#shape.peakBytesPerMs !== null) this.#peakTokens = Math.min(this.#shape.peakDepth, this.#peakTokens + dt * this.#shape.peakBytesPerMs);
  }

  #has(n: number): boolean {
    return this.#tokens >= n && (this.#shape.peakBytesPerMs === null || this.#peakTokens >= n);
  }

  #debit(n: number): void {
    this.#tokens -= n;
    if (this.#shape.peakBytesPerMs !== null) this.#peakTokens -= n;
  }

  /** Milliseconds until `n` tokens are in every lane. */
  #waitFor(n: number): number {
    let ms = (n - this.#tokens) / this.#shape.bytesPerMs;
    if (this.#shape.peakBytesPerMs !== null) ms = Math.max(ms, (n - this.#peakTokens) / this.#shape.peakBytesPerMs);
    return ms;
  }

  readonly #onTimer = (): void => {
    this.#timer = null;
    this.#grant();
  };

  /** Serves the queue round-robin, one slice per waiter per turn, while tokens last. */
  #grant(): void {
    this.#refill();
    const settled: Waiter[] = [];
    for (let w = this.#head; w !== null; w = this.#head) {
      const s = Math.min(w.remaining, this.#shape.slice);
      if (!this.#has(s)) break;
      this.#debit(s);
      w.remaining -= s;
      w.granted += s;
      this.#unlink(w);
      if (w.remaining === 0) settled.push(w);
      else this.#push(w); // to the back of the line: one slice per turn
    }
    this.#schedule();
    for (const w of settled) {
      if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
  }

  #schedule(): void {
    if (this.#timer !== null || this.#head === null) return;
    const need = Math.min(this.#head.remaining, this.#shape.slice);
    this.#refill();
    const ms = Math.max(MIN_TIMER_MS, Math.ceil(this.#waitFor(need)));
    this.#timer = this.#clock.setTimer(this.#onTimer, ms);
  }

  #cancel(w: Waiter): void {
    if (w.prev === null && this.#head !== w) return; // already granted or cancelled
    const wasHead = this.#head === w;
    this.#unlink(w);
    // Tokens granted to a stream that will never send them go back (up to the depth).
    if (w.granted > 0) {
      this.#refill();
      this.#tokens = Math.min(this.#shape.depth, this.#tokens + w.granted);
    }
    if (this.#head === null || wasHead) {
      if (this.#timer !== null) {
        this.#clock.clearTimer(this.#timer);
        this.#timer = null;
      }
      if (this.#head !== null) this.#grant();
    }
    w.reject(w.signal!.reason);
  }

  #push(w: Waiter): void {
    w.prev = this.#tail;
    w.next = null;
    if (this.#tail) this.#tail.next = w;
    else this.#head = w;
    this.#tail = w;
    this.#waiting++;
  }

  #unlink(w: Waiter): void {
    if (w.prev) w.prev.next = w.next;
    else this.#head = w.next;
    if (w.next) w.next.prev = w.prev;
    else this.#tail = w.prev;
    w.prev = null;
    w.next = null;
    this.#waiting--;
  }
}
