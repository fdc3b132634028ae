import { checkRequestPath, directoryLocation, isInside, requestPathname } from './path.js';

describe('checkRequestPath', () => {
  const refused: Array<[string, number]> = [
    ['/../etc/passwd', 403],
    ['/a/../../etc/passwd', 403],
    ['/a/../b', 403], // ".." is refused even when it would stay inside
    ['/%2e%2e/etc/passwd', 403],
    ['/%2E%2E/etc/passwd', 403],
    ['/.%2e/etc/passwd', 403],
    ['/%2e./etc/passwd', 403],
    ['/..%2fetc%2fpasswd', 403],
    ['/..%2Fetc', 403],
    ['/..%5cetc', 403],
    ['/a%5cb', 403],
    ['/..\\etc', 400],
    ['/a\\b', 400],
    ['/a%00.txt', 400],
    ['/a\0b', 400],
    ['/%ZZ', 400],
    ['/%', 400],
    ['/%2', 400],
    ['/%c0%ae%c0%ae/etc/passwd', 400], // overlong UTF-8 for "."
    ['/%c0%af', 400], // overlong "/"
    ['/%ff', 400],
    ['/%ed%a0%80', 400], // UTF-16 surrogate in UTF-8
    ['/.env', 403],
    ['/.git/config', 403],
    ['/a/.git/HEAD', 403],
    ['/%2eenv', 403],
    ['/' + 'a'.repeat(256), 404],
    ['/' + 'a/'.repeat(2100), 404],
    ['relative', 400],
    ['', 400],
    ['/a b', 400],
    ['/a\tb', 400],
  ];
  test.each(refused)('%j is refused with %d', (path, status) => {
    const v = checkRequestPath(path, 'deny');
    expect(v).toMatchObject({ ok: false, status });
  });

  test('dotfiles: ignore answers 404, allow serves', () => {
    expect(checkRequestPath('/.env', 'ignore')).toMatchObject({ ok: false, status: 404 });
    expect(checkRequestPath('/.well-known/x', 'allow')).toEqual({ ok: true, segments: ['.well-known', 'x'], trailingSlash: false });
  });

  test('decodes exactly once', () => {
    // %252e is "%2e" after one decoding: a file literally named "%2e%2e", not "..".
    expect(checkRequestPath('/%252e%252e/x', 'deny')).toEqual({ ok: true, segments: ['%2e%2e', 'x'], trailingSlash: false });
  });

  test('plain paths, empty and "." segments, trailing slash', () => {
    expect(checkRequestPath('/a//b/./c.txt', 'deny')).toEqual({ ok: true, segments: ['a', 'b', 'c.txt'], trailingSlash: false });
    expect(checkRequestPath('/dir/', 'deny')).toEqual({ ok: true, segments: ['dir'], trailingSlash: true });
    expect(checkRequestPath('/', 'deny')).toEqual({ ok: true, segments: [], trailingSlash: true });
    expect(checkRequestPath('/caf%C3%A9.txt', 'deny')).toEqual({ ok: true, segments: ['café.txt'], trailingSlash: false });
    expect(checkRequestPath('/a%2fb', 'deny')).toEqual({ ok: true, segments: ['a', 'b'], trailingSlash: false });
  });
});

describe('requestPathname', () => {
  test('origin-form, absolute-form, query and fragment', () => {
    expect(requestPathname('/a/b?x=1')).toBe('/a/b');
    expect(requestPathname('/a#frag')).toBe('/a');
    expect(requestPathname('http://example.com/a?b')).toBe('/a');
    expect(requestPathname('http://example.com')).toBe('/');
    expect(requestPathname('*')).toBeNull();
    expect(requestPathname('example.com:443')).toBeNull();
    expect(requestPathname(undefined)).toBeNull();
  });
});

describe('isInside', () => {
  test('a sibling whose name starts with the root is outside', () => {
    expect(isInside('/srv/public', '/srv/public2/secret')).toBe(false);
    expect(isInside('/srv/public', '/srv/publicity')).toBe(false);
    expect(isInside('/srv/public', '/srv/public/a')).toBe(true);
    expect(isInside('/srv/public', '/srv/public')).toBe(true);
    expect(isInside('/', '/etc')).toBe(true);
  });
});

describe('directoryLocation', () => {
  test('never starts with // (a network-path reference)', () => {
    expect(directoryLocation('//evil.example/dir', '')).toBe('/evil.example/dir/');
    expect(directoryLocation('///x', '?a=1')).toBe('/x/?a=1');
    expect(directoryLocation('/dir', '')).toBe('/dir/');
  });
});
