import { sep } from 'node:path';
import type { DotfilesPolicy } from './options.js';

/** What a request path is, once checked: segments to join under the root, or the status refusing it. */
export type PathVerdict =
  | { ok: true; segments: string[]; trailingSlash: boolean }
  | { ok: false; status: 400 | 403 | 404; reason: string };

// Linux limits (NAME_MAX, PATH_MAX): a longer name can only fail with ENAMETOOLONG, which `send`
// answers with 404; we answer the same without asking the file system.
export const MAX_SEGMENT_BYTES = 255;
export const MAX_PATH_BYTES = 4096;

const PERCENT = /%(?![0-9A-Fa-f]{2})/;
// RFC 3986 §3.3: a path holds pchar, "/" and pct-encoded; control characters, SP and "\" are not
// among them. A raw "\" is how traversal is smuggled past servers that only look for "/".
const RAW_FORBIDDEN = /[\0-\x20\x7f\\]/;

const refuse = (status: 400 | 403 | 404, reason: string): PathVerdict => ({ ok: false, status, reason });

/** The path of a request target (origin-form or absolute-form), without query or fragment; null if it has none. */
export function requestPathname(url: string | undefined): string | null {
  if (typeof url !== 'string' || url.length === 0) return null;
  let path = url;
  if (path[0] !== '/') {
    // RFC 9112 §3.2.2 absolute-form: "http://host/path"; anything else (authority-form, "*") has no file path.
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(path);
    if (!m) return null;
    path = path.slice(m[0].length) || '/';
    if (path[0] !== '/') path = '/' + path;
  }
  const q = path.search(/[?#]/);
  return q === -1 ? path : path.slice(0, q);
}

/**
 * Checks a raw (still percent-encoded) request path and decodes it exactly once. Everything that
 * could escape the root or smuggle a separator is refused here, before any file is touched.
 */
export function checkRequestPath(rawPath: string, dotfiles: DotfilesPolicy): PathVerdict {
  if (rawPath.length === 0 || rawPath[0] !== '/') return refuse(400, 'the path must start with "/"');
  if (RAW_FORBIDDEN.test(rawPath)) return refuse(400, 'the path holds a raw backslash, space or control character');
  if (PERCENT.test(rawPath)) return refuse(400, 'invalid percent-encoding');
  let decoded: string;
  try {
    // decodeURIComponent refuses invalid and overlong UTF-8 (%c0%ae) with a URIError.
    decoded = decodeURIComponent(rawPath);
  } catch {
    return refuse(400, 'the percent-encoded bytes are not valid UTF-8');
  }
  return checkDecodedPath(decoded, dotfiles);
}

/** The checks that apply to an already decoded path (serveStatic after decoding, sendFile with a root). */
export function checkDecodedPath(decoded: string, dotfiles: DotfilesPolicy): PathVerdict {
  if (decoded.includes('\0')) return refuse(400, 'the path holds a NUL byte');
  if (decoded.includes('\\')) return refuse(403, 'the path holds a backslash');
  if (Buffer.byteLength(decoded) > MAX_PATH_BYTES) return refuse(404, 'the path is too long');
  const segments: string[] = [];
  for (const part of decoded.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return refuse(403, 'the path holds a ".." segment');
    if (Buffer.byteLength(part) > MAX_SEGMENT_BYTES) return refuse(404, 'a path segment is too long');
    if (isDotfile(part)) {
      if (dotfiles === 'deny') return refuse(403, 'dotfiles are denied');
      if (dotfiles === 'ignore') return refuse(404, 'dotfiles are ignored');
    }
    segments.push(part);
  }
  return { ok: true, segments, trailingSlash: decoded.endsWith('/') };
}

/** A segment naming a hidden file or directory (".env", ".git"); "." alone is the current directory. */
export function isDotfile(segment: string): boolean {
  return segment.length > 1 && segment[0] === '.';
}

/** True when `child` is `root` or lies below it: "/srv/public2" is not inside "/srv/public". */
export function isInside(root: string, child: string): boolean {
  if (child === root) return true;
  const prefix = root.endsWith(sep) ? root : root + sep;
  return child.startsWith(prefix);
}

/**
 * The Location for a directory asked for without its trailing slash (RFC 9110 §15.4.2). Leading
 * slashes collapse to one, so the redirect can never be read as a network-path reference ("//host").
 */
export function directoryLocation(rawPath: string, query: string): string {
  const collapsed = '/' + rawPath.replace(/^\/+/, '');
  return collapsed + '/' + query;
}
