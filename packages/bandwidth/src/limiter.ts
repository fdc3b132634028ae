import { InvalidOptionError } from '@sluice/stream-core';
import type { Clock } from './clock.js';
import { InvalidRateError } from './errors.js';
import { BYTES_PER_MBPS, checkMbps, shapeOf, type RateSpec } from './rate.js';
import { TokenBucket, type RateLimit } from './token-bucket.js';

export interface BandwidthLimiterOptions {
  /** A limit for each connection (keyed by its socket or HTTP/2 session). Default: none. */
  perConnection?: RateSpec;
  /** A limit for everything through this limiter, or a bucket shared with other limiters. Default: none. */
  global?: RateSpec | TokenBucket;
  /** Time source for the buckets this limiter creates. */
  clock?: Clock;
}

/** A connection's way through a limiter: its own bucket, then the global one. */
class ConnectionLimit implements RateLimit {
  readonly sliceBytes: number;
  readonly #own: TokenBucket | null;
  readonly #global: TokenBucket | null;

  constructor(own: TokenBucket | null, global: TokenBucket | null) {
    this.#own = own;
    this.#global = global;
    this.sliceBytes = Math.min(own?.sliceBytes ?? Infinity, global?.sliceBytes ?? Infinity, 64 * 1024);
  }

  take(bytes: number, signal?: AbortSignal): Promise<void> {
    const own = this.#own;
    const global = this.#global;
    if (own === null && global === null) {
      if (!Number.isSafeInteger(bytes) || bytes < 0) return Promise.reject(new InvalidRateError('bytes', bytes, 'must be a non-negative integer'));
      return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve();
    }
    if (own === null) return global!.take(bytes, signal);
    if (global === null) return own.take(bytes, signal);
    return this.#takeBoth(own, global, bytes, signal);
  }

  /** A byte must pass both buckets; slice by slice, so the global queue keeps its turns short. */
  async #takeBoth(own: TokenBucket, global: TokenBucket, bytes: number, signal: AbortSignal | undefined): Promise<void> {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new InvalidRateError('bytes', bytes, 'must be a non-negative integer');
    for (let left = bytes; left > 0; ) {
      const s = Math.min(left, this.sliceBytes);
      await own.take(s, signal);
      await global.take(s, signal);
      left -= s;
    }
  }
}

/**
 * Per-connection and global limits at once: every byte passes the connection's bucket and then the
 * global one. Streams waiting on the global bucket take turns a slice at a time, so N downloads
 * through one global cap each get about 1/N. Connection buckets live in a WeakMap keyed by the
 * connection object, so they go when the connection does.
 */
export class BandwidthLimiter {
  /** The shared bucket, or null without a global limit. */
  readonly global: TokenBucket | null;
  readonly #perConnection: (RateSpec & { clock?: Clock }) | null;
  readonly #connections = new WeakMap<object, ConnectionLimit>();
  readonly #unlimitedOrGlobalOnly: ConnectionLimit | null;

  constructor(options: BandwidthLimiterOptions = {}) {
    if (options === null || typeof options !== 'object') throw new InvalidRateError('BandwidthLimiter options', options, 'must be an object');
    const { perConnection, global, clock } = options;
    if (global instanceof TokenBucket) this.global = global;
    else if (global !== undefined) this.global = new TokenBucket({ ...checkedSpec(global, 'global'), clock });
    else this.global = null;
    if (perConnection !== undefined) {
      // Validate now, so a bad limit fails at startup and not on the first request.
      const spec = checkedSpec(perConnection, 'perConnection');
      this.#perConnection = { ...spec, clock };
    } else this.#perConnection = null;
    this.#unlimitedOrGlobalOnly = this.#perConnection === null ? new ConnectionLimit(null, this.global) : null;
  }

  /** The limit for one connection (a socket, an HTTP/2 session, any object that lives as long). */
  forConnection(key: object): RateLimit {
    if (this.#unlimitedOrGlobalOnly) return this.#unlimitedOrGlobalOnly;
    if (key === null || (typeof key !== 'object' && typeof key !== 'function')) {
      throw new InvalidOptionError('connection', 'must be an object (the socket or the HTTP/2 session) to key the per-connection bucket');
    }
    let limit = this.#connections.get(key);
    if (limit === undefined) {
      limit = new ConnectionLimit(new TokenBucket(this.#perConnection!), this.global);
      this.#connections.set(key, limit);
    }
    return limit;
  }
}

function checkedSpec(spec: unknown, name: string): RateSpec {
  shapeOf(spec, name);
  const { mbps, burstMbps, burstBytes, peakMbps } = spec as RateSpec;
  return { mbps, burstMbps, burstBytes, peakMbps };
}

/** One side of the server config, named as in the Go originals' `core.BandwidthConfig`. */
export interface BandwidthConfig {
  /** Mbps, 1–250,000. */
  maxDownloadRate: number;
  /** Bucket depth in megabits (× 125,000 bytes), 1–250,000. Default: 20 ms at `maxDownloadRate`. */
  burstSize?: number;
}

export interface BandwidthServerConfig {
  /** Limit for each connection (Go: `ConnBandwidth`). Default: none. */
  connBandwidth?: BandwidthConfig;
  /** Limit for the whole server (Go: `GlobalBandwidth`). Default: none. */
  globalBandwidth?: BandwidthConfig;
  clock?: Clock;
}

function specOf(config: unknown, name: string): RateSpec {
  if (config === null || typeof config !== 'object') throw new InvalidRateError(name, config, 'must be an object like { maxDownloadRate: 100 }');
  const c = config as Record<string, unknown>;
  const mbps = checkMbps(`${name}.maxDownloadRate`, c.maxDownloadRate);
  if (c.burstSize === undefined) return { mbps };
  return { mbps, burstBytes: checkMbps(`${name}.burstSize`, c.burstSize) * BYTES_PER_MBPS };
}

/**
 * The server-level config of the Go originals: `ConnBandwidth` and `GlobalBandwidth`, each
 * `{ maxDownloadRate, burstSize }` in Mbps.
 */
export function createBandwidthLimiter(config: BandwidthServerConfig = {}): BandwidthLimiter {
  if (config === null || typeof config !== 'object') throw new InvalidRateError('bandwidth config', config, 'must be an object');
  return new BandwidthLimiter({
    perConnection: config.connBandwidth === undefined ? undefined : specOf(config.connBandwidth, 'connBandwidth'),
    global: config.globalBandwidth === undefined ? undefined : specOf(config.globalBandwidth, 'globalBandwidth'),
    clock: config.clock,
  });
}
