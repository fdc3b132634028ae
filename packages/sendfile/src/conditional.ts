// RFC 9110 §13: conditional requests. Each function is one sentence of the RFC; evaluate() applies
// them in the order of §13.2.2.

export interface Validators {
  /** The current entity-tag, e.g. `"1f-18c2d9"` or `W/"1f-18c2d9"`; undefined when ETags are off. */
  etag: string | undefined;
  /** Last modification time in whole seconds since the epoch; undefined when Last-Modified is off. */
  lastModified: number | undefined;
}

export interface ConditionalHeaders {
  'if-match'?: string;
  'if-none-match'?: string;
  'if-modified-since'?: string;
  'if-unmodified-since'?: string;
  'if-range'?: string;
}

/** What the preconditions decide: go on, 304 Not Modified, or 412 Precondition Failed. */
export type PreconditionOutcome = 'proceed' | 304 | 412;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const DAY_LONG = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MON = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MON} (\\d{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(`^${DAY_LONG}, (\\d{2})-${MON}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MON} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** Parses an HTTP-date (§5.6.7) to whole seconds since the epoch; undefined when it is not one. */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  let day: number, month: string, year: number, h: number, mi: number, s: number;
  let m = IMF_FIXDATE.exec(v);
  if (m) [day, month, year, h, mi, s] = [+m[1], m[2], +m[3], +m[4], +m[5], +m[6]];
  else if ((m = RFC850.exec(v))) {
    // §5.6.7: a two-digit year that looks more than 50 years in the future is in the past century.
    const yy = +m[3];
    const now = new Date().getUTCFullYear();
    year = 2000 + yy > now + 50 ? 1900 + yy : 2000 + yy;
    [day, month, h, mi, s] = [+m[1], m[2], +m[4], +m[5], +m[6]];
  } else if ((m = ASCTIME.exec(v))) [month, day, h, mi, s, year] = [m[1], +m[2].trim(), +m[3], +m[4], +m[5], +m[6]];
  else return undefined;
  if (day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(year, MONTHS.indexOf(month), day, h, mi, Math.min(s, 59));
  if (new Date(ms).getUTCDate() !== day) return undefined; // 31 Feb
  return ms / 1000;
}

/** Splits an entity-tag list (`"a", W/"b"`) into its tags; `*` stays `*`. Malformed members are dropped. */
export function parseEtagList(value: string): string[] {
  const out: string[] = [];
  const re = /\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < value.length && (m = re.exec(value))) out.push(m[1]);
  return out;
}

const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);
const isWeak = (tag: string): boolean => tag.startsWith('W/');

/** §8.8.3.2: strong comparison — both tags strong and their opaque-tags identical. */
export function strongMatch(a: string, b: string): boolean {
  return !isWeak(a) && !isWeak(b) && a === b;
}

/** §8.8.3.2: weak comparison — the opaque-tags match, weakness ignored. */
export function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}

/** §13.1.1: If-Match is true for `*` or when a listed tag strongly matches the current one. */
export function ifMatchPasses(header: string, etag: string | undefined): boolean {
  const tags = parseEtagList(header);
  if (tags.includes('*')) return true;
  return etag !== undefined && tags.some((t) => strongMatch(t, etag));
}

/** §13.1.2: If-None-Match is false for `*` or when a listed tag weakly matches the current one. */
export function ifNoneMatchPasses(header: string, etag: string | undefined): boolean {
  const tags = parseEtagList(header);
  if (tags.includes('*')) return false;
  return etag === undefined || !tags.some((t) => weakMatch(t, etag));
}

/** §13.1.4: If-Unmodified-Since is false when the representation was modified after the date. */
export function ifUnmodifiedSincePasses(date: number, lastModified: number): boolean {
  return lastModified <= date;
}

/** §13.1.3: If-Modified-Since is false when the representation was not modified after the date. */
export function ifModifiedSincePasses(date: number, lastModified: number): boolean {
  return lastModified > date;
}

/**
 * §13.2.2: the order of evaluation for GET and HEAD.
 * 1. If-Match, else If-Unmodified-Since: false → 412.
 * 3. If-None-Match false → 304; else, without If-None-Match, If-Modified-Since false → 304.
 * Invalid dates are ignored (§13.1.3, §13.1.4); If-Range is evaluated later with the Range.
 */
export function evaluatePreconditions(h: ConditionalHeaders, v: Validators): PreconditionOutcome {
  if (h['if-match'] !== undefined) {
    if (!ifMatchPasses(h['if-match'], v.etag)) return 412;
  } else if (h['if-unmodified-since'] !== undefined && v.lastModified !== undefined) {
    const date = parseHttpDate(h['if-unmodified-since']);
    if (date !== undefined && !ifUnmodifiedSincePasses(date, v.lastModified)) return 412;
  }
  if (h['if-none-match'] !== undefined) {
    if (!ifNoneMatchPasses(h['if-none-match'], v.etag)) return 304;
  } else if (h['if-modified-since'] !== undefined && v.lastModified !== undefined) {
    const date = parseHttpDate(h['if-modified-since']);
    if (date !== undefined && !ifModifiedSincePasses(date, v.lastModified)) return 304;
  }
  return 'proceed';
}

/**
 * §13.1.5: If-Range is true when its entity-tag strongly matches the current one, or when its date
 * exactly matches Last-Modified. A weak tag, another date or an invalid value is false: the Range
 * is then ignored and the whole representation sent.
 */
export function ifRangePasses(header: string, v: Validators): boolean {
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    return v.etag !== undefined && strongMatch(value, v.etag);
  }
  const date = parseHttpDate(value);
  return date !== undefined && v.lastModified !== undefined && date === v.lastModified;
}
