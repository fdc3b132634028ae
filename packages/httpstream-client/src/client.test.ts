import { Readable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createClient, fromFile, HttpClient, InvalidArgumentError } from './index.js';
import { startSink, type Received } from './test-support/server.js';

let sink: Awaited<ReturnType<typeof startSink>>;
let client: HttpClient;
let dir: string;

beforeAll(async () => {
  sink = await startSink();
  client = createClient({ baseURL: sink.url + '/api' });
  dir = await mkdtemp(join(tmpdir(), 'sluice-client-'));
});
afterAll(async () => {
  await client.close();
  await sink.close();
  await rm(dir, { recursive: true, force: true });
});

async function sendAndGet(build: () => Promise<unknown>): Promise<Received> {
  const before = sink.received.length;
  const res: any = await build();
  expect(await res.text()).toBe('ok');
  expect(sink.received.length).toBe(before + 1);
  return sink.received[before]!;
}

describe('request line and headers', () => {
  test('path params are encoded, query appended, headers sent, base path prefixed', async () => {
    const r = await sendAndGet(() =>
      client.post('/items/{id}/{name}').pathParam('id', 7).pathParam('name', 'a b/c').query('dry', true).query({ tag: ['x', 'y'], skip: undefined }).header('X-Trace', 't1').send(),
    );
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/api/items/7/a%20b%2Fc?dry=true&tag=x&tag=y');
    expect(r.headers['x-trace']).toBe('t1');
  });

  test('a missing path param and CR/LF in a header are refused before anything is sent', async () => {
    const before = sink.received.length;
    await expect(client.get('/items/{id}').send()).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => client.get('/x').header('x-a', 'v\r\nInjected: 1')).toThrow(InvalidArgumentError);
    expect(sink.received.length).toBe(before);
  });

  test('send() resolves for any status, with headers and an unread body', async () => {
    const res = await client.get('/x').send();
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.header('content-length')).toBe('2');
    expect(res.body.readableEnded).toBe(false);
    expect((await res.bytes()).toString()).toBe('ok');
  });
});

describe('body kinds arrive byte for byte', () => {
  const payload = Buffer.alloc(200_000, 'abcdefgh');

  test('string', async () => {
    const r = await sendAndGet(() => client.put('/b').body('héllo').send());
    expect(r.body.toString()).toBe('héllo');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength('héllo')));
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  test('Buffer (large, sliced) with Content-Length', async () => {
    const r = await sendAndGet(() => client.put('/b').body(payload, 'application/octet-stream').send());
    expect(r.body.equals(payload)).toBe(true);
    expect(r.headers['content-length']).toBe(String(payload.length));
    expect(r.headers['content-type']).toBe('application/octet-stream');
  });

  test('Readable is sent chunked, or with Content-Length when the size is given', async () => {
    let r = await sendAndGet(() => client.put('/b').body(Readable.from([payload.subarray(0, 1000), payload.subarray(1000)])).send());
    expect(r.body.equals(payload)).toBe(true);
    expect(r.headers['transfer-encoding']).toBe('chunked');
    r = await sendAndGet(() => client.put('/b').body(Readable.from([payload]), undefined, { size: payload.length }).send());
    expect(r.headers['content-length']).toBe(String(payload.length));
  });

  test('async iterable of strings and bytes', async () => {
    async function* gen() {
      yield 'ab';
      yield Buffer.from('cd');
      yield new Uint8Array([101, 102]);
    }
    const r = await sendAndGet(() => client.post('/b').body(gen()).send());
    expect(r.body.toString()).toBe('abcdef');
  });

  test('WHATWG ReadableStream', async () => {
    const web = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('web '));
        c.enqueue(new TextEncoder().encode('stream'));
        c.close();
      },
    });
    const r = await sendAndGet(() => client.post('/b').body(web).send());
    expect(r.body.toString()).toBe('web stream');
  });

  test('Blob and file path carry Content-Length and a MIME type', async () => {
    const blob = new Blob([payload], { type: 'application/x-test' });
    let r = await sendAndGet(() => client.put('/b').body(blob).send());
    expect(r.body.equals(payload)).toBe(true);
    expect(r.headers['content-type']).toBe('application/x-test');
    expect(r.headers['content-length']).toBe(String(payload.length));
    const path = join(dir, 'data.json');
    await writeFile(path, '{"a":1}');
    r = await sendAndGet(() => client.put('/b').body(fromFile(path)).send());
    expect(r.body.toString()).toBe('{"a":1}');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['content-length']).toBe('7');
  });

  test('json, ndjson, json array, form', async () => {
    let r = await sendAndGet(() => client.post('/b').json({ a: [1, 'x'] }).send());
    expect(JSON.parse(r.body.toString())).toEqual({ a: [1, 'x'] });
    expect(r.headers['content-type']).toBe('application/json');
    async function* rows() {
      for (let i = 0; i < 3; i++) yield { i };
    }
    r = await sendAndGet(() => client.post('/b').ndjson(rows()).send());
    expect(r.body.toString()).toBe('{"i":0}\n{"i":1}\n{"i":2}\n');
    expect(r.headers['content-type']).toBe('application/x-ndjson');
    r = await sendAndGet(() => client.post('/b').jsonArray(rows()).send());
    expect(JSON.parse(r.body.toString())).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    r = await sendAndGet(() => client.post('/b').jsonArray([]).send());
    expect(r.body.toString()).toBe('[]');
    r = await sendAndGet(() => client.post('/b').form({ q: 'a&b', n: [1, 2] }).send());
    expect(r.body.toString()).toBe('q=a%26b&n=1&n=2');
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  test('gzip compresses any body and says so', async () => {
    const r = await sendAndGet(() => client.post('/b').body(Readable.from([payload])).gzip().send());
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(r.body).equals(payload)).toBe(true);
    expect(r.body.length).toBeLessThan(payload.length / 10);
  });

  test('a factory body is called per attempt', async () => {
    let calls = 0;
    const r = await sendAndGet(() =>
      client
        .put('/b')
        .body(() => {
          calls++;
          return Readable.from(['fac', 'tory']);
        })
        .send(),
    );
    expect(r.body.toString()).toBe('factory');
    expect(calls).toBe(1);
  });
});

describe('progress', () => {
  test('upload and download progress report loaded and total', async () => {
    const up: number[] = [];
    const down: Array<[number, number | null]> = [];
    const body = Buffer.alloc(300_000, 1);
    const res = await client
      .put('/p')
      .body(body)
      .onUploadProgress((p) => {
        expect(p.total).toBe(body.length);
        up.push(p.loaded);
      })
      .onDownloadProgress((p) => down.push([p.loaded, p.total]))
      .send();
    await res.text();
    expect(up.length).toBeGreaterThan(1);
    expect(up[up.length - 1]).toBe(body.length);
    expect(down[down.length - 1]).toEqual([2, 2]);
  });
});
