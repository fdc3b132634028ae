import type { BigIntStats } from 'node:fs';
import { basename, extname } from 'node:path';
import contentDisposition from 'content-disposition';
import * as mime from 'mime-types';
import { InvalidOptionError } from '@sluice/stream-core';
import type { EtagMode, ResolvedOptions } from './options.js';

/**
 * The entity-tag of a file: its length and modification time in nanoseconds (as nginx, with finer
 * time). Strong by default: a file rewritten in place changes its mtime, and a strong tag is what
 * If-Match and If-Range need (RFC 9110 §8.8.3).
 */
export function fileEtag(stat: Pick<BigIntStats, 'size' | 'mtimeNs'>, mode: EtagMode): string | undefined {
  if (mode === false) return undefined;
  const tag = `"${stat.size.toString(16)}-${stat.mtimeNs.toString(16)}"`;
  return mode === 'weak' ? `W/${tag}` : tag;
}

// Extension → Content-Type, memoised: the database is fixed, so this is a pure function's cache.
// Only extensions of files that exist under a root get here; the bound keeps it small regardless.
const typeByExtension = new Map<string, string>();
const MAX_CACHED_TYPES = 512;

/** Content-Type from the extension (mime-types' database, charset for text), never from the bytes. */
export function fileContentType(path: string, override: string | undefined): string {
  if (override !== undefined) return override;
  const ext = extname(path);
  let type = typeByExtension.get(ext);
  if (type === undefined) {
    type = mime.contentType(ext) || 'application/octet-stream';
    if (typeByExtension.size >= MAX_CACHED_TYPES) typeByExtension.clear();
    typeByExtension.set(ext, type);
  }
  return type;
}

let lastDateSeconds = NaN;
let lastDate = '';

/** IMF-fixdate (RFC 9110 §5.6.7) of whole seconds since the epoch; the last one is remembered (files served together often share it). */
export function httpDate(seconds: number): string {
  if (seconds !== lastDateSeconds) {
    lastDate = new Date(seconds * 1000).toUTCString();
    lastDateSeconds = seconds;
  }
  return lastDate;
}

/** `public, max-age=N[, immutable]`, a fixed value, or nothing. */
export function cacheControlValue(o: Pick<ResolvedOptions, 'cacheControlValue'>): string | undefined {
  return o.cacheControlValue;
}

/**
 * `attachment; filename="ascii"; filename*=UTF-8''utf-8` (RFC 6266): an ASCII fallback for old
 * clients plus the exact name. A name with CR, LF or another control character is refused.
 */
export function attachmentDisposition(name: string): string {
  if (/[\0-\x1f\x7f]/.test(name)) throw new InvalidOptionError('attachment', 'the file name holds CR, LF or another control character');
  const base = basename(name);
  const ascii = base.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return contentDisposition(base, { type: 'attachment', fallback: ascii });
}

/** The Content-Disposition for this response, if any. */
export function dispositionFor(filePath: string, attachment: boolean | string): string | undefined {
  if (attachment === false) return undefined;
  return attachmentDisposition(attachment === true ? basename(filePath) : attachment);
}
