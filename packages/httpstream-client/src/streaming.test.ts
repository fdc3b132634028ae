import { Writable } from 'node:stream';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { createClient, HttpClient, HttpStatusError, parseSSE, ResponseTooLargeError, splitLines } from './index.js';
import { startServer, type TestServer } from './test-support/server.js';

let server: TestServer;
let client: HttpClient;
let expectSeen: string | undefined;
let bodyBytesSeen = 0;

beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/rows') {
      res.write('{"i":1}\n{"i"');
      setTimeout(() => res.end(':2}\r\n{"i":3}'), 20);
    } else if (req.url === '/events') {
      res.setHeader('content-type', 'text/event-stream');
      res.write(': hello\n\nid: 1\nevent: tick\ndata: a\ndata: b\n\n');
      setTimeout(() => res.end('data: plain\nretry: 5000\n\n'), 20);
    } else if (req.url === '/missing') {
      res.statusCode = 404;
      res.end('no such thing ' + 'x'.repeat(5000));
    } else if (req.url === '/big') {
      res.end(Buffer.alloc(10_000));
    } else {
      expectSeen = req.headers.expect;
      bodyBytesSeen = 0;
      req.on('data', (c: Buffer) => (bodyBytesSeen += c.length));
      req.on('end', () => res.end('got ' + bodyBytesSeen));
    }
  });
  // the 100-continue decision: refuse uploads to /forbidden before reading their body
  server.server.on('checkContinue', (req, res) => {
    expectSeen = req.headers.expect;
    if (req.url === '/forbidden') {
      res.writeHead(403);
      return res.end('no');
    }
    res.writeContinue();
    server.server.emit('request', req, res);
  });
  client = createClient({ baseURL: server.url });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

test('streamLines yields NDJSON lines across chunk boundaries and CRLF', async () => {
  const rows: unknown[] = [];
  for await (const line of client.get('/rows').streamLines()) rows.push(JSON.parse(line));
  expect(rows).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
});

test('streamSSE yields { id, event, data, retry } with comments skipped', async () => {
  const events = [];
  for await (const ev of client.get('/events').streamSSE()) events.push(ev);
  expect(events).toEqual([
    { id: '1', event: 'tick', data: 'a\nb', retry: undefined },
    { id: '1', event: 'message', data: 'plain', retry: 5000 },
  ]);
});

test('stream(), streamLines() and streamSSE() reject a non-2xx with status and a bounded snippet', async () => {
  for (const run of [() => client.get('/missing').stream(), () => client.get('/missing').streamLines().next(), () => client.get('/missing').streamSSE().next()]) {
    const err = await run().catch((e) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect(err.code).toBe('ERR_SLUICE_HTTP_STATUS');
    expect(err.status).toBe(404);
    expect(err.bodySnippet.startsWith('no such thing')).toBe(true);
    expect(err.bodySnippet.length).toBeLessThanOrEqual(1024);
  }
});

test('text/bytes stop at the size cap; pipeTo streams into a Writable', async () => {
  const res = await client.get('/big').maxResponseBytes(1000).send();
  await expect(res.bytes()).rejects.toBeInstanceOf(ResponseTooLargeError);
  let n = 0;
  const sink = new Writable({
    write(c, _e, cb) {
      n += c.length;
      cb();
    },
  });
  await (await client.get('/big').send()).pipeTo(sink);
  expect(n).toBe(10_000);
});

test('property: line splitting does not depend on how the bytes are chunked', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.stringMatching(/^[a-zé€ ]{0,6}$/), { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'), fc.array(fc.nat(20), { maxLength: 6 }), async (lines, eol, cuts) => {
      const bytes = Buffer.from(lines.map((l) => l + eol).join(''));
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
      const chunks: Buffer[] = [];
      let prev = 0;
      for (const p of [...points, bytes.length]) {
        chunks.push(bytes.subarray(prev, p));
        prev = p;
      }
      const out: string[] = [];
      for await (const l of splitLines((async function* () { yield* chunks; })())) out.push(l);
      expect(out).toEqual(lines);
    }),
    { numRuns: 200 },
  );
});

test('parseSSE: BOM, a field without colon, and an id with NUL are handled as the spec says', async () => {
  const src = Buffer.from('\uFEFFdata\n\nid: a\0b\ndata: x\n\n');
  const out = [];
  for await (const ev of parseSSE((async function* () { yield src; })())) out.push(ev);
  expect(out).toEqual([
    { id: undefined, event: 'message', data: '', retry: undefined },
    { id: undefined, event: 'message', data: 'x', retry: undefined },
  ]);
});

test('Expect: 100-continue sends the body after 100, and never when the server answers first', async () => {
  let res = await client.put('/ok').body(Buffer.alloc(50_000, 1)).expectContinue().send();
  expect(await res.text()).toBe('got 50000');
  expect(expectSeen).toBe('100-continue');
  bodyBytesSeen = -1;
  let produced = 0;
  async function* source() {
    produced++;
    yield Buffer.alloc(1000);
  }
  res = await client.put('/forbidden').body(source()).expectContinue().send();
  expect(res.status).toBe(403);
  expect(await res.text()).toBe('no');
  expect(produced).toBe(0);
  expect(bodyBytesSeen).toBe(-1);
});

test('HTTP/2 with prior knowledge (h2c)', async () => {
  const h2 = http2.createServer();
  h2.on('stream', (stream, headers) => {
    let n = 0;
    stream.on('data', (c: Buffer) => (n += c.length));
    stream.on('end', () => {
      stream.respond({ ':status': 200 });
      stream.end(`h2 ${headers[':method']} ${n}`);
    });
  });
  await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
  const c = createClient({ baseURL: `http://127.0.0.1:${(h2.address() as AddressInfo).port}`, http2: 'h2c' });
  try {
    const res = await c.post('/').body(Buffer.alloc(100_000)).send();
    expect(await res.text()).toBe('h2 POST 100000');
  } finally {
    await c.destroy();
    await new Promise((r) => h2.close(r));
  }
});
