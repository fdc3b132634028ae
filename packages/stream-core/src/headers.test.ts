import fc from 'fast-check';
import { InvalidHeaderError, InvalidStatusError } from './errors.js';
import { assertValidHeader, assertValidStatus, declaredTrailers, normalizeHeaders } from './headers.js';

const tchar = fc.constantFrom(...'!#$%&\'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''));
const token = fc.array(tchar, { minLength: 1, maxLength: 20 }).map((a) => a.join(''));
const cleanValue = fc.array(fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f), { maxLength: 40 }).map((a) => String.fromCharCode(...a));

describe('header validation', () => {
  test('every token name with a clean value is accepted and lower-cased', () => {
    fc.assert(
      fc.property(token, cleanValue, (name, value) => {
        const out = normalizeHeaders([[name, value]]);
        expect(out).toEqual([[name.toLowerCase(), value]]);
      }),
      { numRuns: 300 },
    );
  });

  test('a CR, LF or NUL anywhere in a value is refused with a typed error', () => {
    fc.assert(
      fc.property(token, cleanValue, cleanValue, fc.constantFrom('\r', '\n', '\0', '\r\n'), (name, a, b, bad) => {
        expect(() => normalizeHeaders({ [name]: a + bad + b })).toThrow(InvalidHeaderError);
      }),
      { numRuns: 300 },
    );
  });

  test('a name with a separator or control character is refused', () => {
    fc.assert(
      fc.property(token, fc.constantFrom(' ', ':', '(', ')', ',', '/', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}', '"', '\t', '\r', '\n', '\0', 'é'), token, (a, bad, b) => {
        expect(() => assertValidHeader(a + bad + b, 'x')).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_HEADER' }));
      }),
      { numRuns: 300 },
    );
  });

  test('HTAB and obs-text are allowed in values (RFC 9110 §5.5)', () => {
    expect(() => assertValidHeader('x-a', 'a\tb \xe9')).not.toThrow();
  });

  test('pseudo-headers, empty names and non-string values are refused', () => {
    expect(() => normalizeHeaders({ ':status': '200' })).toThrow(InvalidHeaderError);
    expect(() => normalizeHeaders({ '': 'x' })).toThrow(InvalidHeaderError);
    expect(() => normalizeHeaders({ 'x-a': { toString: () => 'x' } as unknown as string })).toThrow(InvalidHeaderError);
    expect(() => normalizeHeaders([['x-a'] as unknown as [string, string]])).toThrow(InvalidHeaderError);
  });

  test('pairs keep order and repeats; arrays expand; undefined is skipped', () => {
    expect(
      normalizeHeaders([
        ['Set-Cookie', 'a=1'],
        ['x', ['1', '2']],
        ['set-cookie', 'b=2'],
      ]),
    ).toEqual([
      ['set-cookie', 'a=1'],
      ['x', '1'],
      ['x', '2'],
      ['set-cookie', 'b=2'],
    ]);
    expect(normalizeHeaders({ a: undefined, b: 2 })).toEqual([['b', '2']]);
    expect(normalizeHeaders(undefined)).toEqual([]);
  });

  test('declared trailers are read from every trailer header', () => {
    expect([...declaredTrailers(normalizeHeaders([['trailer', 'X-A, x-b'], ['Trailer', 'x-c']]))]).toEqual(['x-a', 'x-b', 'x-c']);
  });

  test('status codes', () => {
    for (const ok of [200, 204, 299, 404, 599, 999]) expect(() => assertValidStatus(ok)).not.toThrow();
    for (const bad of [0, 99, 100, 103, 1000, -1, 200.1, NaN, Infinity, '200' as unknown as number])
      expect(() => assertValidStatus(bad)).toThrow(InvalidStatusError);
  });
});
