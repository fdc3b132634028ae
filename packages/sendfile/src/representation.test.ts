import { attachmentDisposition, cacheControlValue, fileContentType, fileEtag } from './representation.js';
import { resolveOptions } from './options.js';

test('Content-Disposition: ASCII fallback plus filename*', () => {
  expect(attachmentDisposition('report.pdf')).toBe('attachment; filename="report.pdf"');
  expect(attachmentDisposition('résumé 2024.pdf')).toBe(`attachment; filename="r_sum_ 2024.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%202024.pdf`);
  expect(attachmentDisposition('日本.txt')).toMatch(/^attachment; filename="__\.txt"; filename\*=UTF-8''%E6%97%A5%E6%9C%AC\.txt$/);
  expect(() => attachmentDisposition('a\r\nSet-Cookie: x=1')).toThrow(/CR, LF/);
  expect(() => resolveOptions({ attachment: 'a\nb' })).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }));
});

test('Content-Type from the extension, never sniffed', () => {
  expect(fileContentType('/x/a.html', undefined)).toBe('text/html; charset=utf-8');
  expect(fileContentType('/x/a.unknownext', undefined)).toBe('application/octet-stream');
  expect(fileContentType('/x/noext', undefined)).toBe('application/octet-stream');
  expect(fileContentType('/x/a.html', 'text/plain')).toBe('text/plain');
});

test('ETag strong by default, weak on request, none when off', () => {
  const st = { size: 255n, mtimeNs: 4096n };
  expect(fileEtag(st, 'strong')).toBe('"ff-1000"');
  expect(fileEtag(st, 'weak')).toBe('W/"ff-1000"');
  expect(fileEtag(st, false)).toBeUndefined();
});

test('Cache-Control', () => {
  expect(cacheControlValue(resolveOptions())).toBe('public, max-age=0');
  expect(cacheControlValue(resolveOptions({ maxAge: 3600, immutable: true }))).toBe('public, max-age=3600, immutable');
  expect(cacheControlValue(resolveOptions({ cacheControl: false }))).toBeUndefined();
  expect(cacheControlValue(resolveOptions({ cacheControl: 'no-store' }))).toBe('no-store');
});

test('options are checked at the boundary', () => {
  const bad: object[] = [
    { dotfiles: 'maybe' },
    { symlinks: 'follow' },
    { maxAge: -1 },
    { maxAge: 1.5 },
    { maxRanges: 0 },
    { highWaterMark: 10 },
    { index: ['../x'] },
    { etag: 'medium' },
    { contentType: 'text/plain\r\nX: y' },
    { acceptRanges: 'yes' },
    { limiter: {} },
  ];
  for (const o of bad) expect(() => resolveOptions(o as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }));
  expect(() => resolveOptions({ rateLimit: { mbps: 0 } })).toThrow();
  expect(() => resolveOptions({ rateLimit: { mbps: 250_001 } })).toThrow();
  expect(() => resolveOptions({ rateLimit: { mbps: 1.5 } })).toThrow();
  expect(resolveOptions({ rateLimit: { mbps: 100, burstMbps: 400 } }).rateLimit).toEqual({ mbps: 100, burstMbps: 400 });
});
