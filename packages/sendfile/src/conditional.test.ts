import { evaluatePreconditions, ifRangePasses, parseEtagList, parseHttpDate, strongMatch, weakMatch, type Validators } from './conditional.js';

const LM = Date.UTC(2024, 0, 15, 12, 0, 0) / 1000;
const v: Validators = { etag: '"abc"', lastModified: LM };
const http = (s: number) => new Date(s * 1000).toUTCString();

describe('parseHttpDate (RFC 9110 §5.6.7)', () => {
  test('the three formats', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(784111777);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(784111777);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(784111777);
  });
  test('invalid dates are undefined', () => {
    for (const s of ['', 'yesterday', '2024-01-15', 'Sun, 06 Nov 1994 08:49:37 PST', 'Sun, 31 Feb 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 25:49:37 GMT', '1700000000']) {
      expect(parseHttpDate(s)).toBeUndefined();
    }
  });
});

describe('entity-tags (§8.8.3)', () => {
  test('lists', () => {
    expect(parseEtagList('"a", W/"b" ,"c"')).toEqual(['"a"', 'W/"b"', '"c"']);
    expect(parseEtagList('*')).toEqual(['*']);
  });
  test('strong and weak comparison', () => {
    expect(strongMatch('"a"', '"a"')).toBe(true);
    expect(strongMatch('W/"a"', '"a"')).toBe(false);
    expect(weakMatch('W/"a"', '"a"')).toBe(true);
    expect(weakMatch('"a"', '"b"')).toBe(false);
  });
});

describe('evaluatePreconditions in §13.2.2 order', () => {
  test('no preconditions', () => expect(evaluatePreconditions({}, v)).toBe('proceed'));
  test('If-Match uses the strong comparison', () => {
    expect(evaluatePreconditions({ 'if-match': '"abc"' }, v)).toBe('proceed');
    expect(evaluatePreconditions({ 'if-match': '*' }, v)).toBe('proceed');
    expect(evaluatePreconditions({ 'if-match': 'W/"abc"' }, v)).toBe(412);
    expect(evaluatePreconditions({ 'if-match': '"x", "y"' }, v)).toBe(412);
    expect(evaluatePreconditions({ 'if-match': '"abc"' }, { etag: undefined, lastModified: LM })).toBe(412);
  });
  test('If-Unmodified-Since, only without If-Match; invalid dates ignored', () => {
    expect(evaluatePreconditions({ 'if-unmodified-since': http(LM - 1) }, v)).toBe(412);
    expect(evaluatePreconditions({ 'if-unmodified-since': http(LM) }, v)).toBe('proceed');
    expect(evaluatePreconditions({ 'if-unmodified-since': 'garbage' }, v)).toBe('proceed');
    expect(evaluatePreconditions({ 'if-match': '"abc"', 'if-unmodified-since': http(LM - 1) }, v)).toBe('proceed');
  });
  test('If-None-Match uses the weak comparison; 304', () => {
    expect(evaluatePreconditions({ 'if-none-match': '"abc"' }, v)).toBe(304);
    expect(evaluatePreconditions({ 'if-none-match': 'W/"abc"' }, v)).toBe(304);
    expect(evaluatePreconditions({ 'if-none-match': '*' }, v)).toBe(304);
    expect(evaluatePreconditions({ 'if-none-match': '"x"' }, v)).toBe('proceed');
  });
  test('If-Modified-Since only without If-None-Match', () => {
    expect(evaluatePreconditions({ 'if-modified-since': http(LM) }, v)).toBe(304);
    expect(evaluatePreconditions({ 'if-modified-since': http(LM - 1) }, v)).toBe('proceed');
    expect(evaluatePreconditions({ 'if-modified-since': 'nope' }, v)).toBe('proceed');
    expect(evaluatePreconditions({ 'if-none-match': '"x"', 'if-modified-since': http(LM) }, v)).toBe('proceed');
  });
  test('412 wins over 304', () => {
    expect(evaluatePreconditions({ 'if-match': '"x"', 'if-none-match': '"abc"' }, v)).toBe(412);
  });
});

describe('If-Range (§13.1.5)', () => {
  test('strong tag or exact date', () => {
    expect(ifRangePasses('"abc"', v)).toBe(true);
    expect(ifRangePasses('W/"abc"', v)).toBe(false);
    expect(ifRangePasses('"x"', v)).toBe(false);
    expect(ifRangePasses(http(LM), v)).toBe(true);
    expect(ifRangePasses(http(LM + 1), v)).toBe(false);
    expect(ifRangePasses('not a date', v)).toBe(false);
  });
});
