/** One satisfiable byte range, both ends inclusive (RFC 9110 §14.1.1). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What a Range header means for a representation of a given length:
 * - `none`: no Range, or one we must ignore (syntax error, another unit, `first > last`, too many
 *   ranges) — send the whole representation with 200;
 * - `unsatisfiable`: 416 with `Content-Range: bytes *\/length`;
 * - `ranges`: one (206) or several (206 multipart/byteranges) ranges, coalesced when they overlap.
 */
export type RangeVerdict =
  | { kind: 'none'; reason: string }
  | { kind: 'unsatisfiable' }
  | { kind: 'ranges'; ranges: ByteRange[] };

// RFC 9110 §14.1.2: byte-range-spec = first-pos "-" [ last-pos ]; suffix-range = "-" suffix-length.
const SPEC = /^(\d*)-(\d*)$/;
// A position longer than this cannot be a file offset; treat it as "beyond the end" without losing precision.
const MAX_DIGITS = 15;

/** Parses a Range header value against a representation of `length` bytes. */
export function parseRange(header: string, length: number, maxRanges: number): RangeVerdict {
  const eq = header.indexOf('=');
  if (eq === -1) return { kind: 'none', reason: 'no range unit' };
  // RFC 9110 §14.1: range units are case-insensitive; "bytes" is the only one we know.
  if (header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'none', reason: 'unknown range unit' };
  const specs = header.slice(eq + 1).split(',');
  // Bound the work on hostile headers before looking at each spec.
  if (specs.length > Math.max(64, maxRanges * 4)) return { kind: 'none', reason: 'too many ranges' };
  const ranges: ByteRange[] = [];
  let sawSpec = false;
  for (const raw of specs) {
    const spec = raw.trim();
    if (spec === '') continue; // RFC 9110 §5.6.1: empty list elements are ignored
    const m = SPEC.exec(spec);
    if (!m || (m[1] === '' && m[2] === '')) return { kind: 'none', reason: 'invalid range syntax' };
    sawSpec = true;
    const [, firstStr, lastStr] = m;
    if (firstStr === '') {
      // A suffix longer than the representation means the whole representation (§14.1.1).
      const suffix = toPos(lastStr);
      if (suffix === 0) continue; // "-0" selects nothing
      // An empty representation has no byte to point at: the whole (empty) representation it is.
      if (length === 0) return { kind: 'none', reason: 'suffix range of an empty representation' };
      ranges.push({ start: Math.max(0, length - suffix), end: length - 1 });
      continue;
    }
    const first = toPos(firstStr);
    const last = lastStr === '' ? Infinity : toPos(lastStr);
    // §14.1.1: a range with last-pos < first-pos is invalid, and so is the whole header: ignore it.
    if (last < first) return { kind: 'none', reason: 'first-pos greater than last-pos' };
    if (first >= length) continue; // unsatisfiable on its own
    ranges.push({ start: first, end: Math.min(last, length - 1) });
  }
  if (!sawSpec) return { kind: 'none', reason: 'no range spec' };
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  const served = needsCoalescing(ranges, maxRanges) ? coalesce(ranges) : ranges;
  // RFC 9110 §17.15: many small or overlapping ranges are a denial-of-service vector; past the
  // limit we answer as if there had been no Range (as nginx's max_ranges does).
  if (served.length > maxRanges) return { kind: 'none', reason: 'too many ranges' };
  return { kind: 'ranges', ranges: served };
}

function toPos(digits: string): number {
  if (digits.length > MAX_DIGITS) return Number.MAX_SAFE_INTEGER;
  return Number(digits);
}

/** Ranges overlap or touch, or there are more than allowed: send them merged and in order instead. */
function needsCoalescing(ranges: ByteRange[], maxRanges: number): boolean {
  if (ranges.length === 1) return false;
  if (ranges.length > maxRanges) return true;
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) if (sorted[i].start <= sorted[i - 1].end + 1) return true;
  return false;
}

/** Sorts and merges overlapping or adjacent ranges. */
export function coalesce(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: ByteRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/** `Content-Range` for a part (§14.4), or for a 416 when `range` is omitted. */
export function contentRange(length: number, range?: ByteRange): string {
  return range ? `bytes ${range.start}-${range.end}/${length}` : `bytes */${length}`;
}
