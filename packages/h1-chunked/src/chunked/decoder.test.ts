import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SluiceError, InvalidOptionError } from '@sluice/stream-core';
import { ChunkedDecoder, type ChunkedDecoderOptions } from './decoder.js';
import { ChunkedEncodingError, ChunkedErrorCode, CHUNKED_RULES } from './errors.js';

interface Outcome {
  body: Buffer;
  trailers: Array<[string, string]>;
  rest: Buffer;
  error?: ChunkedEncodingError;
  events: string[];
}

/** Feeds `pieces` to a decoder and resolves once it closes, with what a consumer saw. */
function decode(pieces: Array<Buffer | string>, options?: ChunkedDecoderOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const d = new ChunkedDecoder(options);
    const out: Buffer[] = [];
    const events: string[] = [];
    let error: ChunkedEncodingError | undefined;
    d.on('data', (b: Buffer) => out.push(b));
    d.on('trailers', () => events.push('trailers'));
    d.on('end', () => events.push('end'));
    d.on('error', (e: ChunkedEncodingError) => {
      error ??= e;
    });
    d.on('close', () => resolve({ body: Buffer.concat(out), trailers: d.trailers, rest: d.rest, error, events }));
    for (const p of pieces) d.write(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
    d.end();
  });
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const oneByteAtATime = (s: string): Buffer[] => [...bytes(s)].map((b) => Buffer.from([b]));

async function expectCode(raw: string, code: string, options?: ChunkedDecoderOptions): Promise<ChunkedEncodingError> {
  const whole = await decode([raw], options);
  expect(whole.error).toBeInstanceOf(ChunkedEncodingError);
  expect(whole.error?.code).toBe(code);
  const split = await decode(oneByteAtATime(raw), options);
  expect(split.error?.code).toBe(code);
  expect(split.error?.offset).toBe(whole.error?.offset);
  return whole.error!;
}

describe('ChunkedDecoder: valid messages', () => {
  it('decodes chunks, then emits trailers before end', async () => {
    const r = await decode(['5\r\nhello\r\n6\r\n world\r\n0\r\nx-sum: 11\r\n\r\n']);
    expect(r.error).toBeUndefined();
    expect(r.body.toString()).toBe('hello world');
    expect(r.trailers).toEqual([['x-sum', '11']]);
    expect(r.events).toEqual(['trailers', 'end']);
  });

  it('pushes chunk-data as views of the input, not copies', async () => {
    const input = bytes('5\r\nhello\r\n0\r\n\r\n');
    const d = new ChunkedDecoder();
    const seen: Buffer[] = [];
    d.on('data', (b: Buffer) => seen.push(b));
    d.end(input);
    await new Promise((r) => d.on('end', r));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.buffer).toBe(input.buffer);
    expect(seen[0]!.byteOffset).toBe(input.byteOffset + 3);
  });

  it('keeps the bytes after the message in rest and stops consuming', async () => {
    const d = new ChunkedDecoder();
    const rest: Buffer[] = [];
    d.on('rest', (b: Buffer) => rest.push(b));
    d.resume();
    d.write(bytes('1\r\na\r\n0\r\n\r\nGET / HT'));
    expect(d.done).toBe(true);
    d.write(bytes('TP/1.1\r\n\r\n'));
    await new Promise(setImmediate); // Transform delays the write callback by a tick after push(null)
    expect(d.rest.toString()).toBe('GET / HTTP/1.1\r\n\r\n');
    expect(rest.map(String)).toEqual(['GET / HT', 'TP/1.1\r\n\r\n']);
    expect(d.bodyBytes).toBe(1);
    d.end();
    await new Promise((r) => d.on('close', r));
  });

  it('accepts the extension grammar with BWS around ";" and "=" and ignores the extensions', async () => {
    const r = await decode(['3 ; a ;b= "x\\"y" ;c=tok\t;d\r\nabc\r\n0;e=f\r\n\r\n']);
    expect(r.error).toBeUndefined();
    expect(r.body.toString()).toBe('abc');
  });

  it('accepts a size of exactly maxChunkSize and a body of exactly maxBodyBytes', async () => {
    const r = await decode(['4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n'], { maxChunkSize: 4, maxBodyBytes: 8 });
    expect(r.error).toBeUndefined();
    expect(r.body.toString()).toBe('abcdefgh');
  });
});

describe('ChunkedDecoder: one error per rule', () => {
  it('carries a stable code, the rule and the offset, and is a SluiceError', async () => {
    const e = await expectCode('5\r\nhello\nX', ChunkedErrorCode.BARE_LF);
    expect(e).toBeInstanceOf(SluiceError);
    expect(e.name).toBe('ChunkedEncodingError');
    expect(e.rule).toBe(CHUNKED_RULES[ChunkedErrorCode.BARE_LF]);
    expect(e.rule).toMatch(/^RFC 9112 §2\.2/);
    expect(e.offset).toBe(8);
    expect(e.message).toMatch(/LF without CR after chunk-data/);
  });

  it('every code has a rule that names an RFC section', () => {
    for (const code of Object.values(ChunkedErrorCode)) {
      expect(code).toMatch(/^ERR_SLUICE_CHUNKED_[A-Z_]+$/);
      expect(CHUNKED_RULES[code]).toMatch(/^RFC 91(10|12) §/);
    }
  });

  it('bare LF in the size line: no body byte is emitted', async () => {
    const r = await decode(['1;a=b\nX\r\n0\r\n\r\n']);
    expect(r.error?.code).toBe(ChunkedErrorCode.BARE_LF);
    expect(r.body.length).toBe(0);
  });

  it('invalid size: sign, whitespace, 0x, non-hex, empty', async () => {
    for (const raw of ['-1\r\n', '+5\r\n', ' 5\r\n', '5 \r\n', '0x5\r\n', 'z\r\n', '\r\n']) {
      const e = await expectCode(raw, ChunkedErrorCode.INVALID_SIZE);
      expect(e.rule).toBe('RFC 9112 §7.1: chunk-size = 1*HEXDIG');
    }
  });

  it('size overflow past Number.MAX_SAFE_INTEGER, but not at it', async () => {
    await expectCode('fffffffffffffffff\r\n', ChunkedErrorCode.SIZE_OVERFLOW);
    await expectCode('20000000000000\r\n', ChunkedErrorCode.SIZE_OVERFLOW);
    await expectCode('1fffffffffffff\r\n', ChunkedErrorCode.TRUNCATED);
  });

  it('maxChunkSize and maxBodyBytes are enforced before the data arrives', async () => {
    await expectCode('5\r\n', ChunkedErrorCode.CHUNK_TOO_LARGE, { maxChunkSize: 4 });
    const r = await decode(['4\r\nabcd\r\n5\r\n'], { maxBodyBytes: 8 });
    expect(r.error?.code).toBe(ChunkedErrorCode.BODY_TOO_LARGE);
    expect(r.body.toString()).toBe('abcd');
  });

  it('maxSizeLineBytes bounds leading zeros and whitespace', async () => {
    await expectCode(`${'0'.repeat(1025)}5\r\n`, ChunkedErrorCode.SIZE_LINE_TOO_LONG);
    await expectCode(`5${' '.repeat(40)};a\r\n`, ChunkedErrorCode.SIZE_LINE_TOO_LONG, { maxSizeLineBytes: 32, maxExtensionBytes: 1000 });
    const ok = await decode([`${'0'.repeat(1000)}1\r\nx\r\n0\r\n\r\n`]);
    expect(ok.error).toBeUndefined();
  });

  it('chunk extensions: grammar and the per-line and per-message bounds', async () => {
    await expectCode('5;a=b c\r\n', ChunkedErrorCode.INVALID_EXTENSION);
    await expectCode('5;a=b \r\n', ChunkedErrorCode.INVALID_EXTENSION);
    await expectCode(`5;${'a'.repeat(300)}\r\n`, ChunkedErrorCode.EXTENSION_TOO_LARGE);
    const fits = await decode([`1;${'a'.repeat(255)}\r\nx\r\n0\r\n\r\n`]);
    expect(fits.error).toBeUndefined();
    // 200 bytes per line is under the line bound, but 100 chunks of them flood past 16 KiB in total.
    const flood = Array.from({ length: 100 }, () => `1;${'e'.repeat(199)}\r\nx\r\n`).join('');
    const e = await expectCode(flood, ChunkedErrorCode.EXTENSION_TOO_LARGE);
    expect(e.message).toMatch(/maxTotalExtensionBytes/);
  });

  it('missing CRLF after chunk-data', async () => {
    await expectCode('5\r\nhelloXX', ChunkedErrorCode.MISSING_CRLF);
    await expectCode('5\r\nhello\rX', ChunkedErrorCode.MISSING_CRLF);
  });

  it('malformed trailers', async () => {
    await expectCode('0\r\nfoo\r\n\r\n', ChunkedErrorCode.INVALID_TRAILER);
    await expectCode('0\r\nfoo: a\r\n b\r\n\r\n', ChunkedErrorCode.INVALID_TRAILER);
    await expectCode('0\r\nfoo : a\r\n\r\n', ChunkedErrorCode.INVALID_TRAILER);
    await expectCode('0\r\nfoo: a\0b\r\n\r\n', ChunkedErrorCode.INVALID_TRAILER);
  });

  it('forbidden trailers are refused by default, configurable', async () => {
    await expectCode('0\r\nContent-Length: 5\r\n\r\n', ChunkedErrorCode.FORBIDDEN_TRAILER);
    const all = await decode(['0\r\nContent-Length: 5\r\n\r\n'], { forbiddenTrailers: null });
    expect(all.trailers).toEqual([['content-length', '5']]);
    await expectCode('0\r\nx-secret: 1\r\n\r\n', ChunkedErrorCode.FORBIDDEN_TRAILER, { forbiddenTrailers: ['X-Secret'] });
  });

  it('trailer section bounded in bytes and in count', async () => {
    const big = `0\r\nx-a: ${'v'.repeat(16 * 1024)}\r\n\r\n`;
    await expectCode(big, ChunkedErrorCode.TRAILERS_TOO_LARGE);
    const many = `0\r\n${Array.from({ length: 65 }, (_, i) => `x-${i}: 1\r\n`).join('')}\r\n`;
    const e = await expectCode(many, ChunkedErrorCode.TRAILERS_TOO_LARGE);
    expect(e.message).toMatch(/maxTrailerCount/);
    const ok = await decode([`0\r\n${Array.from({ length: 64 }, (_, i) => `x-${i}: 1\r\n`).join('')}\r\n`]);
    expect(ok.trailers).toHaveLength(64);
  });

  it('premature end of input is TRUNCATED, saying where', async () => {
    const e = await expectCode('5\r\nhel', ChunkedErrorCode.TRUNCATED);
    expect(e.message).toMatch(/chunk-data \(2 of 5 bytes missing\)/);
    await expectCode('5\r\nhello\r\n0\r\n', ChunkedErrorCode.TRUNCATED);
  });

  it('refuses bad options at construction', () => {
    expect(() => new ChunkedDecoder({ maxTrailerBytes: -1 })).toThrow(InvalidOptionError);
    expect(() => new ChunkedDecoder({ maxChunkSize: 1.5 })).toThrow(InvalidOptionError);
  });
});

interface Corpus {
  malformed: Array<{ name: string; raw: string; code: string; note?: string }>;
  valid: Array<{ name: string; raw: string; body: string; trailers: Array<[string, string]>; rest: string }>;
}
const corpus = JSON.parse(readFileSync(join(__dirname, 'corpus', 'corpus.json'), 'utf8')) as Corpus;

describe('malformed corpus (corpus/corpus.json)', () => {
  it.each(corpus.malformed.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await expectCode(c.raw, c.code);
  });
});

describe('valid corpus (corpus/corpus.json)', () => {
  it.each(corpus.valid.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    for (const pieces of [[c.raw], oneByteAtATime(c.raw)]) {
      const r = await decode(pieces);
      expect(r.error).toBeUndefined();
      expect(r.body.toString('latin1')).toBe(c.body);
      expect(r.trailers).toEqual(c.trailers);
      expect(r.rest.toString('latin1')).toBe(c.rest);
    }
  });
});
