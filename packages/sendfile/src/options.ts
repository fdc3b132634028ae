import { InvalidOptionError, type StreamWriterOptions } from '@sluice/stream-core';
import { BandwidthLimiter, TokenBucket } from '@sluice/bandwidth';

export type DotfilesPolicy = 'deny' | 'ignore' | 'allow';
export type SymlinkPolicy = 'deny' | 'inside-root';
export type EtagMode = 'strong' | 'weak' | false;

/** A per-response rate limit, in Mbps as in the Go original (1 Mbps = 125 000 bytes/s). */
export interface RateLimit {
  mbps: number;
  burstMbps?: number;
  burstBytes?: number;
}

/** A shared limiter from @sluice/bandwidth (per-connection and/or global). */
export type SharedLimiter = BandwidthLimiter;

export interface SendFileOptions {
  /** `Content-Disposition: attachment`: true uses the file's name, a string names the download. Default false (inline). */
  attachment?: boolean | string;
  /** Content-Type to send instead of the one looked up from the extension. */
  contentType?: string;
  /** Throttle this response (one bucket per response). */
  rateLimit?: RateLimit;
  /** A shared BandwidthLimiter (per-connection and/or global limits) this response also passes through. */
  limiter?: SharedLimiter;
  /** Path segments starting with a dot: 'deny' answers 403, 'ignore' 404, 'allow' serves them. Default 'deny'. */
  dotfiles?: DotfilesPolicy;
  /** Files tried, in order, for a path ending in `/`; false disables. Default ['index.html']. */
  index?: string | readonly string[] | false;
  /** Cache-Control max-age in seconds (0 – 31 536 000). Default 0. */
  maxAge?: number;
  /** Adds `immutable` to Cache-Control. Default false. */
  immutable?: boolean;
  /** Cache-Control: false sends none, a string is sent as is. Default true (`public, max-age=<maxAge>`). */
  cacheControl?: boolean | string;
  /** ETag validator: 'strong' (default), 'weak' or false. */
  etag?: EtagMode | boolean;
  /** Send Last-Modified and honour date preconditions. Default true. */
  lastModified?: boolean;
  /** Honour Range requests and send `Accept-Ranges: bytes`. Default true. */
  acceptRanges?: boolean;
  /** Ranges in one request beyond which (after coalescing) the Range header is ignored. Default 16. */
  maxRanges?: number;
  /** Symlinks under the root: 'deny' refuses any (403), 'inside-root' follows those that stay inside. Default 'deny'. */
  symlinks?: SymlinkPolicy;
  /** Bytes per read. Default 1 MiB. */
  highWaterMark?: number;
  /** Passed to writerFor (back-pressure timeout, batching). */
  writer?: StreamWriterOptions;
}

export interface ResolvedOptions {
  attachment: boolean | string;
  contentType: string | undefined;
  rateLimit: RateLimit | undefined;
  limiter: SharedLimiter | undefined;
  dotfiles: DotfilesPolicy;
  index: readonly string[];
  maxAge: number;
  immutable: boolean;
  cacheControl: boolean | string;
  etag: EtagMode;
  lastModified: boolean;
  acceptRanges: boolean;
  maxRanges: number;
  symlinks: SymlinkPolicy;
  highWaterMark: number;
  writer: StreamWriterOptions | undefined;
  /** Writer options for bodies: no batching by default (a body is written in chunks of its own), the caller's `writer` on top. */
  bodyWriter: StreamWriterOptions;
  /** The Cache-Control value, computed once. */
  cacheControlValue: string | undefined;
}

export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
export const DEFAULT_MAX_RANGES = 16;
export const MAX_MAX_AGE = 365 * 24 * 60 * 60;
const CTL = /[\0-\x1f\x7f]/;

/** Validates options at the boundary; every default lives here and in the README's table. */
export function resolveOptions(o: SendFileOptions = {}): ResolvedOptions {
  if (o === null || typeof o !== 'object') throw new InvalidOptionError('options', 'must be an object');
  const attachment = o.attachment ?? false;
  if (typeof attachment !== 'boolean' && typeof attachment !== 'string') throw new InvalidOptionError('attachment', 'must be a boolean or a file name');
  if (typeof attachment === 'string' && (attachment.length === 0 || CTL.test(attachment))) {
    throw new InvalidOptionError('attachment', 'must be a non-empty name without CR, LF or other control characters');
  }
  if (o.contentType !== undefined && (typeof o.contentType !== 'string' || o.contentType === '' || CTL.test(o.contentType))) {
    throw new InvalidOptionError('contentType', 'must be a non-empty string without control characters');
  }
  const dotfiles = o.dotfiles ?? 'deny';
  if (dotfiles !== 'deny' && dotfiles !== 'ignore' && dotfiles !== 'allow') throw new InvalidOptionError('dotfiles', "must be 'deny', 'ignore' or 'allow'");
  let index: readonly string[];
  if (o.index === false) index = [];
  else if (o.index === undefined) index = ['index.html'];
  else {
    index = typeof o.index === 'string' ? [o.index] : o.index;
    if (!Array.isArray(index)) throw new InvalidOptionError('index', 'must be a file name, a list of names or false');
    for (const name of index) {
      if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
        throw new InvalidOptionError('index', `${JSON.stringify(name)} is not a plain file name`);
      }
    }
  }
  const maxAge = o.maxAge ?? 0;
  if (!Number.isInteger(maxAge) || maxAge < 0 || maxAge > MAX_MAX_AGE) throw new InvalidOptionError('maxAge', `must be an integer number of seconds from 0 to ${MAX_MAX_AGE}`);
  const cacheControl = o.cacheControl ?? true;
  if (typeof cacheControl !== 'boolean' && (typeof cacheControl !== 'string' || CTL.test(cacheControl))) {
    throw new InvalidOptionError('cacheControl', 'must be a boolean or a header value');
  }
  const etagIn = o.etag ?? 'strong';
  const etag: EtagMode = etagIn === true ? 'strong' : etagIn;
  if (etag !== 'strong' && etag !== 'weak' && etag !== false) throw new InvalidOptionError('etag', "must be 'strong', 'weak', true or false");
  const maxRanges = o.maxRanges ?? DEFAULT_MAX_RANGES;
  if (!Number.isInteger(maxRanges) || maxRanges < 1 || maxRanges > 1000) throw new InvalidOptionError('maxRanges', 'must be an integer from 1 to 1000');
  const symlinks = o.symlinks ?? 'deny';
  if (symlinks !== 'deny' && symlinks !== 'inside-root') throw new InvalidOptionError('symlinks', "must be 'deny' or 'inside-root'");
  const hwm = o.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (!Number.isInteger(hwm) || hwm < 1024 || hwm > 64 * 1024 * 1024) throw new InvalidOptionError('highWaterMark', 'must be an integer from 1 KiB to 64 MiB');
  if (o.rateLimit !== undefined) validateRateLimit(o.rateLimit);
  if (o.limiter !== undefined && !(o.limiter instanceof BandwidthLimiter)) throw new InvalidOptionError('limiter', 'must be a BandwidthLimiter');
  for (const flag of ['immutable', 'lastModified', 'acceptRanges'] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') throw new InvalidOptionError(flag, 'must be a boolean');
  }
  const cacheControlValue =
    cacheControl === false ? undefined : typeof cacheControl === 'string' ? cacheControl : `public, max-age=${maxAge}${o.immutable ? ', immutable' : ''}`;
  return {
    attachment,
    contentType: o.contentType,
    rateLimit: o.rateLimit,
    limiter: o.limiter,
    dotfiles,
    index,
    maxAge,
    immutable: o.immutable ?? false,
    cacheControl,
    etag,
    lastModified: o.lastModified ?? true,
    acceptRanges: o.acceptRanges ?? true,
    maxRanges,
    symlinks,
    highWaterMark: hwm,
    writer: o.writer,
    bodyWriter: { batchBytes: 0, ...o.writer },
    cacheControlValue,
  };
}

function validateRateLimit(r: RateLimit): void {
  if (r === null || typeof r !== 'object') throw new InvalidOptionError('rateLimit', 'must be { mbps, burstMbps?, burstBytes? }');
  // The bucket checks its own ranges (1–250 000 Mbps) and throws @sluice/bandwidth's InvalidRateError.
  void new TokenBucket({ mbps: r.mbps, burstMbps: r.burstMbps, burstBytes: r.burstBytes });
}
