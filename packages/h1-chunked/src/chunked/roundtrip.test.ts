import fc from 'fast-check';
import { ChunkedDecoder } from './decoder.js';
import { ChunkedEncoder } from './encoder.js';
import { ChunkedEncodingError, ChunkedErrorCode } from './errors.js';
import { DEFAULT_FORBIDDEN_TRAILERS } from './grammar.js';

interface Outcome {
  body: Buffer;
  trailers: Array<[string, string]>;
  rest: Buffer;
  error?: Error;
}

function decode(pieces: Buffer[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const d = new ChunkedDecoder();
    const out: Buffer[] = [];
    let error: Error | undefined;
    d.on('data', (b: Buffer) => out.push(b));
    d.on('error', (e: Error) => {
      error ??= e;
    });
    d.on('close', () => resolve({ body: Buffer.concat(out), trailers: d.trailers, rest: d.rest, error }));
    for (const p of pieces) d.write(p);
    d.end();
  });
}

function encode(chunks: Uint8Array[], trailers: Array<[string, string]>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const e = new ChunkedEncoder({ trailers });
    const out: Buffer[] = [];
    e.on('data', (b: Buffer) => out.push(b));
    e.on('end', () => resolve(Buffer.concat(out)));
    e.on('error', reject);
    for (const c of chunks) e.write(c);
    e.end();
  });
}

/** Cuts `buf` into pieces of the given lengths (cycled); no lengths means one piece. */
function resplit(buf: Buffer, lengths: number[]): Buffer[] {
  if (lengths.length === 0) return [buf];
  const out: Buffer[] = [];
  for (let at = 0, k = 0; at < buf.length; k++) {
    const n = lengths[k % lengths.length]!;
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');
const VALUE_CHARS = ['\t', ...Array.from({ length: 0x5f }, (_, i) => String.fromCharCode(0x20 + i)), ...Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(0x80 + i))];
const isOws = (c: string): boolean => c === ' ' || c === '\t';
const trimOws = (s: string): string => {
  let a = 0;
  let b = s.length;
  while (a < b && isOws(s[a]!)) a++;
  while (b > a && isOws(s[b - 1]!)) b--;
  return s.slice(a, b);
};

const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 12 });
const trailerName = token.filter((n) => !DEFAULT_FORBIDDEN_TRAILERS.has(n.toLowerCase()));
const trailerValue = fc.string({ unit: fc.constantFrom(...VALUE_CHARS), maxLength: 40 });
const trailersArb = fc.array(fc.tuple(trailerName, trailerValue), { maxLength: 6 });
const chunksArb = fc.array(fc.uint8Array({ maxLength: 2000 }), { maxLength: 12 });
const splitsArb = fc.array(fc.integer({ min: 1, max: 97 }), { maxLength: 8 });
const restArb = fc.uint8Array({ maxLength: 40 });

const concat = (chunks: Uint8Array[]): Buffer => Buffer.concat(chunks.map((c) => Buffer.from(c)));
const expectedTrailers = (t: Array<[string, string]>): Array<[string, string]> => t.map(([n, v]) => [n.toLowerCase(), trimOws(v)]);

describe('round trip (fast-check)', () => {
  it('encode then decode under any re-splitting gives back the bytes, the trailers and what followed', async () => {
    await fc.assert(
      fc.asyncProperty(chunksArb, trailersArb, splitsArb, restArb, async (chunks, trailers, splits, rest) => {
        const wire = Buffer.concat([await encode(chunks, trailers), rest]);
        const r = await decode(resplit(wire, splits));
        expect(r.error).toBeUndefined();
        expect(r.body.equals(concat(chunks))).toBe(true);
        expect(r.trailers).toEqual(expectedTrailers(trailers));
        expect(r.rest.equals(Buffer.from(rest))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes the same when fed one byte at a time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), trailersArb, async (chunks, trailers) => {
        const wire = await encode(chunks, trailers);
        const r = await decode([...wire].map((b) => Buffer.from([b])));
        expect(r.error).toBeUndefined();
        expect(r.body.equals(concat(chunks))).toBe(true);
        expect(r.trailers).toEqual(expectedTrailers(trailers));
      }),
      { numRuns: 150 },
    );
  });

  it('accepts any wire the grammar allows: leading zeros, either hex case, extensions with BWS and quoted-strings', async () => {
    const bws = fc.constantFrom('', ' ', '\t', ' \t ');
    const quoted = fc
      .array(fc.oneof(fc.constantFrom(...VALUE_CHARS.filter((c) => c !== '"' && c !== '\\')), fc.constantFrom('\\"', '\\\\', '\\a', '\\\t')), { maxLength: 10 })
      .map((parts) => `"${parts.join('')}"`);
    const ext = fc
      .tuple(bws, bws, token, fc.option(fc.tuple(bws, bws, fc.oneof(token, quoted)), { nil: undefined }))
      .map(([b1, b2, name, val]) => `${b1};${b2}${name}${val ? `${val[0]}=${val[1]}${val[2]}` : ''}`);
    const chunk = fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 50 }), fc.nat({ max: 3 }), fc.boolean(), fc.array(ext, { maxLength: 3 }));
    await fc.assert(
      fc.asyncProperty(fc.array(chunk, { maxLength: 5 }), fc.array(ext, { maxLength: 2 }), splitsArb, async (chunks, lastExt, splits) => {
        const parts: Buffer[] = [];
        for (const [data, zeros, upper, exts] of chunks) {
          let size = '0'.repeat(zeros) + data.length.toString(16);
          if (upper) size = size.toUpperCase();
          parts.push(Buffer.from(`${size}${exts.join('')}\r\n`, 'latin1'), Buffer.from(data), Buffer.from('\r\n'));
        }
        parts.push(Buffer.from(`000${lastExt.join('')}\r\n\r\n`, 'latin1'));
        const r = await decode(resplit(Buffer.concat(parts), splits));
        expect(r.error).toBeUndefined();
        expect(r.body.equals(concat(chunks.map((c) => c[0])))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('every strict prefix of a message is TRUNCATED, never a shorter body', async () => {
    await fc.assert(
      fc.asyncProperty(chunksArb, trailersArb, fc.double({ min: 0, max: 1, noNaN: true }), async (chunks, trailers, at) => {
        const wire = await encode(chunks, trailers);
        const cut = Math.min(wire.length - 1, Math.floor(at * wire.length));
        const r = await decode([wire.subarray(0, cut)]);
        expect((r.error as ChunkedEncodingError | undefined)?.code).toBe(ChunkedErrorCode.TRUNCATED);
      }),
      { numRuns: 200 },
    );
  });

  it('any one-byte change to a message fails with a ChunkedEncodingError or decodes; it never throws anything else', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 4 }),
        trailersArb,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('replace', 'insert', 'delete'),
        async (chunks, trailers, where, byte, how) => {
          const wire = await encode(chunks, trailers);
          const i = where % wire.length;
          const mutated =
            how === 'replace'
              ? Buffer.concat([wire.subarray(0, i), Buffer.from([byte]), wire.subarray(i + 1)])
              : how === 'insert'
                ? Buffer.concat([wire.subarray(0, i), Buffer.from([byte]), wire.subarray(i)])
                : Buffer.concat([wire.subarray(0, i), wire.subarray(i + 1)]);
          const r = await decode([mutated]);
          if (r.error) {
            expect(r.error).toBeInstanceOf(ChunkedEncodingError);
            expect((r.error as ChunkedEncodingError).rule).toMatch(/^RFC/);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
