import { InvalidHeaderError } from '@sluice/stream-core';
import { ChunkedEncoder, type ChunkedEncoderOptions } from './encoder.js';
import { ChunkedEncodingError, ChunkedErrorCode } from './errors.js';

/** Writes `chunks`, ends, and resolves with every buffer the readable side pushed. */
function encode(chunks: Array<Buffer | string>, options?: ChunkedEncoderOptions, before?: (e: ChunkedEncoder) => void): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const e = new ChunkedEncoder(options);
    const out: Buffer[] = [];
    e.on('data', (b: Buffer) => out.push(b));
    e.on('end', () => resolve(out));
    e.on('error', reject);
    for (const c of chunks) e.write(c);
    before?.(e);
    e.end();
  });
}

const wire = (bufs: Buffer[]): string => Buffer.concat(bufs).toString('latin1');

describe('ChunkedEncoder', () => {
  it('frames each write as hex-size CRLF data CRLF and ends with the last-chunk', async () => {
    expect(wire(await encode(['hello', Buffer.alloc(26, 'x')]))).toBe(`5\r\nhello\r\n1a\r\n${'x'.repeat(26)}\r\n0\r\n\r\n`);
  });

  it('sends nothing for an empty write (a zero size would end the body)', async () => {
    expect(wire(await encode(['', Buffer.alloc(0), 'a', '']))).toBe('1\r\na\r\n0\r\n\r\n');
    expect(wire(await encode([]))).toBe('0\r\n\r\n');
  });

  it('pushes a large write as its own buffer, uncopied, between the size line and CRLF', async () => {
    const big = Buffer.alloc(64 * 1024, 7);
    const out = await encode([big]);
    expect(out[0]!.toString('latin1')).toBe('10000\r\n');
    expect(out[1]).toBe(big);
    expect(out[2]!.toString('latin1')).toBe('\r\n');
  });

  it('frames a small write in one buffer', async () => {
    const out = await encode(['abc']);
    expect(out[0]!.toString('latin1')).toBe('3\r\nabc\r\n');
  });

  it('sends trailers from the constructor or setTrailers, names lower-cased, order kept', async () => {
    expect(wire(await encode(['a'], { trailers: { 'X-Sum': 'abc' } }))).toBe('1\r\na\r\n0\r\nx-sum: abc\r\n\r\n');
    const out = await encode(['a'], undefined, (e) =>
      e.setTrailers([
        ['x-a', '1'],
        ['X-A', ['2', '3']],
      ]),
    );
    expect(wire(out)).toBe('1\r\na\r\n0\r\nx-a: 1\r\nx-a: 2\r\nx-a: 3\r\n\r\n');
  });

  it('refuses invalid trailer names and values before anything is sent', () => {
    const e = new ChunkedEncoder();
    expect(() => e.setTrailers({ 'bad name': 'x' })).toThrow(InvalidHeaderError);
    expect(() => e.setTrailers({ 'x-a': 'a\r\nb' })).toThrow(InvalidHeaderError);
    expect(() => e.setTrailers({ 'x-a': 'a\nb' })).toThrow(InvalidHeaderError);
    expect(() => e.setTrailers({ 'x-a': 'a\0b' })).toThrow(InvalidHeaderError);
    expect(() => new ChunkedEncoder({ trailers: { 'x:y': '1' } })).toThrow(InvalidHeaderError);
    expect(() => e.setTrailers({ 'x-a': 'snow ☃' })).toThrow(expect.objectContaining({ code: ChunkedErrorCode.INVALID_TRAILER }));
    e.destroy();
  });

  it('refuses forbidden trailers unless allowed', () => {
    const e = new ChunkedEncoder();
    let err: unknown;
    try {
      e.setTrailers({ 'Content-Length': '5' });
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(ChunkedEncodingError);
    expect((err as ChunkedEncodingError).code).toBe(ChunkedErrorCode.FORBIDDEN_TRAILER);
    expect(() => new ChunkedEncoder({ forbiddenTrailers: null }).setTrailers({ host: 'h' })).not.toThrow();
    e.destroy();
  });

  it('refuses trailers after end()', async () => {
    const e = new ChunkedEncoder();
    e.resume();
    e.end('x');
    expect(() => e.setTrailers({ 'x-a': '1' })).toThrow(expect.objectContaining({ code: ChunkedErrorCode.TRAILERS_TOO_LATE }));
    await new Promise((r) => e.on('close', r));
  });
});
