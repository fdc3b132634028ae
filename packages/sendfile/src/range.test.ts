import { coalesce, contentRange, parseRange } from './range.js';

describe('parseRange (RFC 9110 §14)', () => {
  const L = 1000;
  const r = (h: string, len = L, max = 16) => parseRange(h, len, max);

  test('n-m, n-, -n', () => {
    expect(r('bytes=0-99')).toEqual({ kind: 'ranges', ranges: [{ start: 0, end: 99 }] });
    expect(r('bytes=900-')).toEqual({ kind: 'ranges', ranges: [{ start: 900, end: 999 }] });
    expect(r('bytes=-100')).toEqual({ kind: 'ranges', ranges: [{ start: 900, end: 999 }] });
    expect(r('BYTES = 1-2')).toEqual({ kind: 'ranges', ranges: [{ start: 1, end: 2 }] });
  });
  test('clamping; a suffix longer than the file is the whole file', () => {
    expect(r('bytes=500-5000')).toEqual({ kind: 'ranges', ranges: [{ start: 500, end: 999 }] });
    expect(r('bytes=-5000')).toEqual({ kind: 'ranges', ranges: [{ start: 0, end: 999 }] });
    expect(r('bytes=0-99999999999999999999999')).toEqual({ kind: 'ranges', ranges: [{ start: 0, end: 999 }] });
  });
  test('-0 and wholly out-of-range sets are unsatisfiable', () => {
    expect(r('bytes=-0')).toEqual({ kind: 'unsatisfiable' });
    expect(r('bytes=1000-')).toEqual({ kind: 'unsatisfiable' });
    expect(r('bytes=1000-2000, 3000-')).toEqual({ kind: 'unsatisfiable' });
    expect(r('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(r('bytes=99999999999999999999-')).toEqual({ kind: 'unsatisfiable' });
  });
  test('one satisfiable range among unsatisfiable ones is served', () => {
    expect(r('bytes=2000-3000, 10-19')).toEqual({ kind: 'ranges', ranges: [{ start: 10, end: 19 }] });
  });
  test('first > last invalidates the header: ignored, 200', () => {
    expect(r('bytes=5-2').kind).toBe('none');
    expect(r('bytes=0-1, 5-2').kind).toBe('none');
  });
  test('syntax errors and other units are ignored', () => {
    for (const h of ['bytes=', 'bytes=-', 'bytes=a-b', 'bytes=1-2-3', 'bytes=+1-2', 'bytes=1.5-2', 'items=0-1', 'bytes 0-1', '0-1', 'bytes=0x1-2']) {
      expect(r(h).kind).toBe('none');
    }
  });
  test('empty list elements are skipped (RFC 9110 §5.6.1)', () => {
    expect(r('bytes=0-1,,4-5')).toEqual({ kind: 'ranges', ranges: [{ start: 0, end: 1 }, { start: 4, end: 5 }] });
  });
  test('disjoint ranges keep the requested order', () => {
    expect(r('bytes=500-599, 0-99')).toEqual({ kind: 'ranges', ranges: [{ start: 500, end: 599 }, { start: 0, end: 99 }] });
  });
  test('overlapping or adjacent ranges are coalesced', () => {
    expect(r('bytes=0-99, 50-149, 150-199')).toEqual({ kind: 'ranges', ranges: [{ start: 0, end: 199 }] });
    expect(r('bytes=500-599, 0-9, 5-20')).toEqual({ kind: 'ranges', ranges: [{ start: 0, end: 20 }, { start: 500, end: 599 }] });
  });
  test('1,000 overlapping ranges cannot amplify the response', () => {
    const h = 'bytes=' + Array.from({ length: 1000 }, () => '0-').join(',');
    const v = r(h);
    // Either coalesced to one range or ignored; never 1,000 copies.
    expect(v.kind === 'none' || (v.kind === 'ranges' && v.ranges.length === 1)).toBe(true);
    const h2 = 'bytes=' + Array.from({ length: 40 }, (_, i) => `${i * 2}-${i * 2 + 5}`).join(',');
    expect(r(h2)).toEqual({ kind: 'ranges', ranges: [{ start: 0, end: 83 }] });
  });
  test('more disjoint ranges than maxRanges: Range ignored', () => {
    const h = 'bytes=' + Array.from({ length: 17 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',');
    expect(r(h).kind).toBe('none');
    expect(r(h, L, 17).kind).toBe('ranges');
  });
  test('empty representation: a suffix range means the (empty) whole', () => {
    expect(r('bytes=-5', 0).kind).toBe('none');
  });
});

test('coalesce and contentRange', () => {
  expect(coalesce([{ start: 10, end: 20 }, { start: 0, end: 9 }])).toEqual([{ start: 0, end: 20 }]);
  expect(contentRange(10, { start: 0, end: 4 })).toBe('bytes 0-4/10');
  expect(contentRange(10)).toBe('bytes */10');
});
