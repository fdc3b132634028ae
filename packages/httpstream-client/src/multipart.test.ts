import busboy from 'busboy';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { BodySourceError, createClient, HttpClient, InvalidArgumentError, MultipartBody, quoteDispositionParam } from './index.js';
import { startServer, type TestServer } from './test-support/server.js';

interface Parsed {
  headers: IncomingMessage['headers'];
  fields: Record<string, string>;
  files: Array<{ name: string; filename: string; mimeType: string; bytes: Buffer }>;
}

let server: TestServer;
let client: HttpClient;
const parsed: Parsed[] = [];

beforeAll(async () => {
  server = await startServer((req, res) => {
    const result: Parsed = { headers: req.headers, fields: {}, files: [] };
    const bb = busboy({ headers: req.headers, defParamCharset: 'utf8' });
    bb.on('field', (name, value) => (result.fields[name] = value));
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => result.files.push({ name, filename: info.filename ?? '', mimeType: info.mimeType, bytes: Buffer.concat(chunks) }));
    });
    bb.on('close', () => {
      parsed.push(result);
      res.end('ok');
    });
    bb.on('error', (err: Error) => {
      res.statusCode = 400;
      res.end(err.message);
    });
    req.pipe(bb);
  });
  client = createClient({ baseURL: server.url });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

async function upload(build: (c: HttpClient) => Promise<{ text(): Promise<string>; status: number }>): Promise<Parsed> {
  const before = parsed.length;
  const res = await build(client);
  expect(await res.text()).toBe('ok');
  expect(res.status).toBe(200);
  return parsed[before]!;
}

test('fields and files of known size are sent with Content-Length and parse back exactly', async () => {
  const pdf = Buffer.alloc(100_000, 7);
  const p = await upload((c) =>
    c
      .multipart('/upload')
      .field('name', 'x')
      .field('count', 3)
      .file('file', 'report.pdf', pdf)
      .file('notes', 'notes.txt', 'hello notes')
      .file('raw', 'blob.bin', Readable.from([Buffer.from('abc')]), { size: 3 })
      .send(),
  );
  expect(p.headers['content-length']).toBeDefined();
  expect(p.headers['transfer-encoding']).toBeUndefined();
  expect(p.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
  expect(p.fields).toEqual({ name: 'x', count: '3' });
  expect(p.files.map((f) => [f.name, f.filename, f.mimeType])).toEqual([
    ['file', 'report.pdf', 'application/pdf'],
    ['notes', 'notes.txt', 'text/plain'],
    ['raw', 'blob.bin', 'application/octet-stream'],
  ]);
  expect(p.files[0]!.bytes.equals(pdf)).toBe(true);
  expect(p.files[1]!.bytes.toString()).toBe('hello notes');
});

test('a stream of unknown size makes the request chunked', async () => {
  async function* gen() {
    yield 'part one, ';
    yield 'part two';
  }
  const p = await upload((c) => c.multipart('/upload').file('f', 'data.csv', gen(), { contentType: 'text/csv' }).send());
  expect(p.headers['transfer-encoding']).toBe('chunked');
  expect(p.headers['content-length']).toBeUndefined();
  expect(p.files[0]!.mimeType).toBe('text/csv');
  expect(p.files[0]!.bytes.toString()).toBe('part one, part two');
});

test('the computed Content-Length equals the bytes on the wire', async () => {
  const body = new MultipartBody().field('a', 'é').file('f', 'x.txt', 'hello', {});
  const opened = await body.open();
  const chunks: Buffer[] = [];
  for await (const c of opened.data as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  expect(Buffer.concat(chunks).length).toBe(opened.length);
});

test('filenames are quoted per RFC 7578 (quotes as %22, UTF-8 kept); CR/LF refused', async () => {
  expect(quoteDispositionParam('filename', 'a"b.txt')).toBe('"a%22b.txt"');
  const p = await upload((c) => c.multipart('/upload').file('f', 'résumé "v2".txt', 'x').send());
  expect(p.files[0]!.filename).toBe('résumé %22v2%22.txt');
  expect(() => client.multipart('/upload').file('f', 'evil\r\nContent-Type: text/html', 'x')).toThrow(InvalidArgumentError);
  expect(() => client.multipart('/upload').field('a\nb', 'x')).toThrow(InvalidArgumentError);
});

test('a file shorter than its declared size fails the request with BodySourceError', async () => {
  await expect(client.multipart('/upload').file('f', 'a.bin', Readable.from([Buffer.from('ab')]), { size: 10 }).send()).rejects.toBeInstanceOf(BodySourceError);
});

test('multipart with factories is replayable; with a one-shot stream it is not', () => {
  expect(new MultipartBody().file('f', 'a', () => Readable.from(['x'])).replayable).toBe(true);
  expect(new MultipartBody().file('f', 'a', Readable.from(['x'])).replayable).toBe(false);
});

test('every part kind through the push-based producer: big and empty buffers, Blob, Readable, web stream', async () => {
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  const web = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode('web '));
      c.enqueue(new TextEncoder().encode('stream'));
      c.close();
    },
  });
  const p = await upload((c) =>
    c
      .multipart('/upload')
      .file('big', 'big.bin', big)
      .file('empty', 'empty.txt', Buffer.alloc(0))
      .field('between', 'fields')
      .file('blob', 'b.json', new Blob(['{"a":1}'], { type: 'application/json' }))
      .file('readable', 'r.txt', Readable.from([Buffer.from('re'), Buffer.from('adable')]), { size: 8 })
      .file('web', 'w.txt', web)
      .send(),
  );
  expect(p.headers['transfer-encoding']).toBe('chunked'); // the web stream has no size
  expect(p.fields).toEqual({ between: 'fields' });
  const files = Object.fromEntries(p.files.map((f) => [f.name, f.bytes]));
  expect(files.big!.equals(big)).toBe(true);
  expect(files.empty!.length).toBe(0);
  expect(files.blob!.toString()).toBe('{"a":1}');
  expect(files.readable!.toString()).toBe('readable');
  expect(files.web!.toString()).toBe('web stream');
});

test('a part source failing mid-body fails the request with BodySourceError and releases the file stream', async () => {
  const src = new Readable({ read() {} });
  src.push(Buffer.alloc(10_000));
  setTimeout(() => src.destroy(new Error('disk on fire')), 20);
  const err = await client.multipart('/upload').field('a', '1').file('f', 'a.bin', src).send().catch((e) => e);
  expect(err).toBeInstanceOf(BodySourceError);
  expect(String(err.message)).toMatch(/disk on fire/);
  expect(src.destroyed).toBe(true);
});
