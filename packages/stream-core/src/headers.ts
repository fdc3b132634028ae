import { InvalidHeaderError, InvalidStatusError } from './errors.js';

/** Header values a handler may give: one value, or several for a repeated field. */
export type HeaderValue = string | number | readonly string[];

/**
 * Headers as an object (`{ 'content-type': 'text/plain' }`) or as `[name, value]` pairs, which keep
 * repeated names such as `set-cookie` in order.
 */
export type HeaderInput =
  | Readonly<Record<string, HeaderValue | undefined>>
  | ReadonlyArray<readonly [string, HeaderValue]>;

/** Normalised headers: lower-case names, string values, order and repeats kept. */
export type HeaderList = Array<[name: string, value: string]>;

// RFC 9110 §5.6.2: token = 1*tchar; tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 §5.5: field-value is VCHAR, obs-text, SP and HTAB; CR, LF and NUL are never allowed.
const BAD_VALUE = /[\0-\x08\x0a-\x1f\x7f]/;

/** True when `name` is an RFC 9110 token. */
export function isToken(name: string): boolean {
  return TOKEN.test(name);
}

/** Throws InvalidHeaderError unless `name` is a token and `value` carries no control characters. */
export function assertValidHeader(name: string, value: string): void {
  if (typeof name !== 'string' || !TOKEN.test(name)) throw new InvalidHeaderError(String(name), 'the name is not an RFC 9110 token');
  if (name.charCodeAt(0) === 58 /* : */) throw new InvalidHeaderError(name, 'pseudo-headers are set by the writer');
  const m = BAD_VALUE.exec(value);
  if (m) {
    const c = m[0].charCodeAt(0);
    const what = c === 13 ? 'CR' : c === 10 ? 'LF' : c === 0 ? 'NUL' : `control character 0x${c.toString(16).padStart(2, '0')}`;
    throw new InvalidHeaderError(name, `the value contains ${what}`);
  }
}

function pushValue(out: HeaderList, name: string, value: HeaderValue | undefined): void {
  if (value === undefined) return;
  const lower = name.toLowerCase();
  if (Array.isArray(value)) {
    for (const v of value as readonly string[]) {
      const s = String(v);
      assertValidHeader(lower, s);
      out.push([lower, s]);
    }
    return;
  }
  const s = typeof value === 'number' ? String(value) : (value as string);
  if (typeof s !== 'string') throw new InvalidHeaderError(lower, `the value must be a string, number or string[], not ${typeof value}`);
  assertValidHeader(lower, s);
  out.push([lower, s]);
}

/** Validates and normalises headers; throws InvalidHeaderError before anything is sent. */
export function normalizeHeaders(headers: HeaderInput | undefined | null): HeaderList {
  const out: HeaderList = [];
  if (headers == null) return out;
  if (Array.isArray(headers)) {
    for (const pair of headers as ReadonlyArray<readonly [string, HeaderValue]>) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new InvalidHeaderError(String(pair), 'expected a [name, value] pair');
      pushValue(out, pair[0], pair[1]);
    }
    return out;
  }
  for (const name of Object.keys(headers)) pushValue(out, name, (headers as Record<string, HeaderValue | undefined>)[name]);
  return out;
}

/** Throws InvalidStatusError unless `status` is a final status code (200–999, RFC 9110 §15). */
export function assertValidStatus(status: number): void {
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new InvalidStatusError(status);
  if (status < 200) throw new InvalidStatusError(status, 'informational (1xx) responses cannot start a stream');
}

/** Headers that belong to one HTTP/1.1 connection and must not appear on HTTP/2 (RFC 9113 §8.2.2). */
export const CONNECTION_SPECIFIC_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** Names announced in `trailer` headers, lower-cased. */
export function declaredTrailers(headers: HeaderList): Set<string> {
  const names = new Set<string>();
  for (const [name, value] of headers) {
    if (name !== 'trailer') continue;
    for (const part of value.split(',')) {
      const t = part.trim().toLowerCase();
      if (t) names.add(t);
    }
  }
  return names;
}
