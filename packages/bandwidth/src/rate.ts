import { InvalidRateError } from './errors.js';

/** 1 Mbps is 1,000,000 bits per second: 125,000 bytes per second, as the Go originals convert. */
export const BYTES_PER_MBPS = 125_000;
/** The Go originals' range for a rate in Mbps (`WithRateLimit`: 1–250,000). */
export const MIN_MBPS = 1;
export const MAX_MBPS = 250_000;
/** Smallest and largest bucket depth accepted in `burstBytes` (1 KiB, 1 TiB). */
export const MIN_BURST_BYTES = 1024;
export const MAX_BURST_BYTES = 2 ** 40;

/**
 * A rate limit, in the units of the Go originals.
 *
 * - `mbps`: the committed rate (integer Mbps, 1–250,000).
 * - `burstMbps`: "burst at `burstMbps`, then `mbps`" (`WithRateLimitBurst`): the peak rate becomes
 *   `burstMbps` and, unless `burstBytes` is given, the bucket holds `burstMbps × 125,000` bytes.
 * - `burstBytes`: the committed bucket depth in bytes: how much may go above `mbps` in one go.
 * - `peakMbps`: a peak rate (tc-tbf `peakrate`); even a full bucket drains no faster than this.
 */
export interface RateSpec {
  mbps: number;
  burstMbps?: number;
  burstBytes?: number;
  peakMbps?: number;
}

/** Token lanes a bucket is built from, all in bytes and bytes per millisecond. */
export interface BucketShape {
  bytesPerMs: number;
  depth: number;
  peakBytesPerMs: number | null;
  peakDepth: number;
  slice: number;
}

/** The grant unit: about this long at the fastest rate, so the bytes come out smoothly. */
const SLICE_MS = 10;
const MIN_SLICE = 1024;
const MAX_SLICE = 64 * 1024;
/** Default depth of the committed bucket: this long at the committed rate (tc-tbf: burst ≥ rate/HZ). */
const DEFAULT_DEPTH_MS = 20;
/** Depth of the peak bucket: small (tc-tbf's `mtu`), but enough to ride out a late timer. */
const PEAK_DEPTH_MS = 5;

/** Validates a rate in Mbps: a safe integer in 1–250,000. */
export function checkMbps(option: string, value: unknown): number {
  if (typeof value !== 'number') throw new InvalidRateError(option, value, 'must be a number of Mbps');
  if (!Number.isFinite(value)) throw new InvalidRateError(option, value, 'must be finite');
  if (!Number.isSafeInteger(value)) throw new InvalidRateError(option, value, 'must be a whole number of Mbps');
  if (value < MIN_MBPS || value > MAX_MBPS) throw new InvalidRateError(option, value, `must be from ${MIN_MBPS} to ${MAX_MBPS} Mbps`);
  return value;
}

function checkBurstBytes(option: string, value: unknown): number {
  if (typeof value !== 'number') throw new InvalidRateError(option, value, 'must be a number of bytes');
  if (!Number.isSafeInteger(value)) throw new InvalidRateError(option, value, 'must be a whole, finite number of bytes');
  if (value < MIN_BURST_BYTES || value > MAX_BURST_BYTES) throw new InvalidRateError(option, value, `must be from ${MIN_BURST_BYTES} to ${MAX_BURST_BYTES} bytes`);
  return value;
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Turns a RateSpec into bucket lanes; every bad field throws InvalidRateError naming it. */
export function shapeOf(spec: unknown, name = 'rate'): BucketShape {
  if (spec === null || typeof spec !== 'object') throw new InvalidRateError(name, spec, 'must be an object like { mbps: 100 }');
  const s = spec as Record<string, unknown>;
  const mbps = checkMbps(`${name}.mbps`, s.mbps);
  const burstMbps = s.burstMbps === undefined ? undefined : checkMbps(`${name}.burstMbps`, s.burstMbps);
  const peakMbps = s.peakMbps === undefined ? burstMbps : checkMbps(`${name}.peakMbps`, s.peakMbps);
  if (burstMbps !== undefined && burstMbps < mbps) throw new InvalidRateError(`${name}.burstMbps`, burstMbps, `must be at least mbps (${mbps})`);
  if (peakMbps !== undefined && peakMbps < mbps) throw new InvalidRateError(`${name}.peakMbps`, peakMbps, `must be at least mbps (${mbps})`);

  const bytesPerMs = (mbps * BYTES_PER_MBPS) / 1000;
  const peakBytesPerMs = peakMbps === undefined ? null : (peakMbps * BYTES_PER_MBPS) / 1000;
  const fastest = peakBytesPerMs ?? bytesPerMs;
  let slice = clamp(Math.round(fastest * SLICE_MS), MIN_SLICE, MAX_SLICE);
  let depth: number;
  if (s.burstBytes !== undefined) depth = checkBurstBytes(`${name}.burstBytes`, s.burstBytes);
  else if (burstMbps !== undefined) depth = burstMbps * BYTES_PER_MBPS;
  else depth = Math.max(slice, Math.round(bytesPerMs * DEFAULT_DEPTH_MS));
  // A grant can never be larger than a bucket can hold, or it would wait forever.
  slice = Math.min(slice, depth);
  const peakDepth = peakBytesPerMs === null ? 0 : Math.max(slice, Math.round(peakBytesPerMs * PEAK_DEPTH_MS));
  return { bytesPerMs, depth, peakBytesPerMs, peakDepth, slice };
}
