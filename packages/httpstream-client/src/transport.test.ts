// The transports against real servers on 127.0.0.1: HTTP/2 negotiated by ALPN over TLS, HTTPS
// HTTP/1.1, prior-knowledge h2c, and the keep-alive pool of `Expect: 100-continue` requests.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { createClient, HttpStreamError, type HttpClient } from './index.js';
import { TEST_CERT, TEST_KEY } from './test-support/tls-fixture.js';

const MiB = 1024 * 1024;
const UPLOAD = 8 * MiB;
const DOWNLOAD = 8 * MiB;

/** Fresh 64 KiB chunks up to `total` bytes, produced on demand. */
function generated(total: number): Readable {
  let produced = 0;
  return new Readable({
    read() {
      if (produced >= total) return void this.push(null);
      const n = Math.min(64 * 1024, total - produced);
      produced += n;
      this.push(Buffer.alloc(n, produced & 0xff));
    },
  });
}

interface Seen {
  method: string;
  url: string;
  httpVersion: string;
  bytes: number;
  expect?: string;
}

/**
 * One handler for every server kind (node:http, https, http2 compat API): POST/PUT count the body
 * and answer `<httpVersion> <bytes>`; GET /download?size=N streams N bytes with back-pressure.
 */
function handler(seen: Seen[]) {
  return (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const entry: Seen = { method: req.method ?? '', url: url.pathname, httpVersion: req.httpVersion, bytes: 0, expect: req.headers.expect as string | undefined };
    seen.push(entry);
    if (url.pathname === '/download') {
      const size = Number(url.searchParams.get('size'));
      const chunk = Buffer.alloc(64 * 1024, 'd');
      let sent = 0;
      res.writeHead(200, { 'content-length': String(size) });
      const pump = () => {
        while (sent < size) {
          const n = Math.min(chunk.length, size - sent);
          sent += n;
          if (!(res as http.ServerResponse).write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
        }
        res.end();
      };
      req.resume();
      return pump();
    }
    req.on('data', (c: Buffer) => (entry.bytes += c.length));
    req.on('end', () => res.end(`${req.httpVersion} ${entry.bytes}`));
  };
}

/** Listens on 127.0.0.1:0, counts connections, and closes with every socket it holds. */
async function listen(server: http.Server | https.Server | http2.Http2Server | http2.Http2SecureServer) {
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on(server instanceof https.Server || 'setSecureContext' in server ? 'secureConnection' : 'connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    sockets,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function download(client: HttpClient, size: number): Promise<number> {
  let n = 0;
  for await (const c of await client.get(`/download?size=${size}`).stream()) n += (c as Buffer).length;
  return n;
}

describe('HTTP/2 negotiated by ALPN over TLS', () => {
  const seen: Seen[] = [];
  let srv: Awaited<ReturnType<typeof listen>>;
  let client: HttpClient;
  beforeAll(async () => {
    srv = await listen(http2.createSecureServer({ key: TEST_KEY, cert: TEST_CERT, allowHTTP1: true }, handler(seen)));
    client = createClient({ baseURL: `https://127.0.0.1:${srv.port}`, http2: 'alpn', tls: { ca: TEST_CERT } });
  });
  afterAll(async () => {
    await client.close();
    await srv.close();
  });

  test('a streamed upload and a download go over h2, multiplexed on one TLS connection', async () => {
    seen.length = 0;
    const res = await client.post('/upload').body(generated(UPLOAD)).send();
    expect(await res.text()).toBe(`2.0 ${UPLOAD}`);
    expect(await download(client, DOWNLOAD)).toBe(DOWNLOAD);
    expect(seen.map((s) => [s.method, s.url, s.httpVersion])).toEqual([
      ['POST', '/upload', '2.0'],
      ['GET', '/download', '2.0'],
    ]);
    expect(seen[0]!.bytes).toBe(UPLOAD);
    expect(srv.connections).toBe(1);
  });

  test('concurrent requests with in-memory bodies (any method) and downloads share the session', async () => {
    const before = srv.connections;
    const texts = await Promise.all([1, 2, 3, 4].map(async (i) => (await client.request(i % 2 ? 'POST' : 'PUT', '/upload').body(Buffer.alloc(i * 10_000)).send()).text()));
    expect(texts).toEqual([1, 2, 3, 4].map((i) => `2.0 ${i * 10_000}`));
    expect(await Promise.all([1, 2, 3, 4].map(() => download(client, MiB)))).toEqual([MiB, MiB, MiB, MiB]);
    expect(srv.connections).toBe(before);
  });

  test('a server certificate the client does not trust fails with a typed error, nothing sent', async () => {
    const untrusting = createClient({ baseURL: `https://127.0.0.1:${srv.port}`, http2: 'alpn' });
    const before = seen.length;
    try {
      const err = await untrusting.get('/x').send().catch((e) => e);
      expect(err).toBeInstanceOf(HttpStreamError);
      expect(String(err.cause?.code ?? err.cause?.message)).toMatch(/SELF_SIGNED|self-signed/i);
      expect(seen.length).toBe(before);
    } finally {
      await untrusting.destroy();
    }
  });
});

describe('HTTPS with HTTP/1.1', () => {
  const seen: Seen[] = [];
  let srv: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    srv = await listen(https.createServer({ key: TEST_KEY, cert: TEST_CERT }, handler(seen)));
  });
  afterAll(() => srv.close());

  test('streamed uploads and downloads over keep-alive TLS connections', async () => {
    const client = createClient({ baseURL: `https://127.0.0.1:${srv.port}`, tls: { ca: TEST_CERT } });
    try {
      seen.length = 0;
      const before = srv.connections;
      for (let i = 0; i < 3; i++) {
        expect(await (await client.put('/upload').body(generated(UPLOAD)).send()).text()).toBe(`1.1 ${UPLOAD}`);
        expect(await download(client, DOWNLOAD)).toBe(DOWNLOAD);
      }
      expect(seen.map((s) => s.httpVersion)).toEqual(Array(6).fill('1.1'));
      // undici frees an HTTP/1.1 connection one event-loop turn after its response ends, so a request
      // sent at once takes a second socket; back-to-back requests alternate between the two, never more
      expect(srv.connections - before).toBeLessThanOrEqual(2);
    } finally {
      await client.close();
    }
  });

  test("http2: 'alpn' falls back to HTTP/1.1 when the server does not offer h2, and never pipelines there", async () => {
    const client = createClient({ baseURL: `https://127.0.0.1:${srv.port}`, http2: 'alpn', tls: { ca: TEST_CERT } });
    try {
      seen.length = 0;
      expect(await (await client.post('/upload').body('hello').send()).text()).toBe('1.1 5');
      const before = srv.connections;
      const texts = await Promise.all(
        [1, 2, 3, 4, 5, 6].map(async (i) => {
          const b = i % 2 ? client.post('/upload').body('abc') : client.get('/x');
          return (await b.send()).text();
        }),
      );
      expect(texts).toEqual([1, 2, 3, 4, 5, 6].map((i) => (i % 2 ? '1.1 3' : '1.1 0')));
      // not pipelined: concurrent requests spread over several connections instead of queueing on one
      expect(srv.connections - before).toBeGreaterThan(1);
    } finally {
      await client.close();
    }
  });

  test('Expect: 100-continue over TLS reuses one pooled connection', async () => {
    const client = createClient({ baseURL: `https://127.0.0.1:${srv.port}`, tls: { ca: TEST_CERT } });
    try {
      seen.length = 0;
      const before = srv.connections;
      for (let i = 0; i < 2; i++) expect(await (await client.put('/upload').body(generated(MiB)).expectContinue().send()).text()).toBe(`1.1 ${MiB}`);
      expect(seen.map((s) => s.expect)).toEqual(['100-continue', '100-continue']);
      expect(srv.connections - before).toBe(1);
    } finally {
      await client.close();
    }
  });
});

describe('HTTP/2 with prior knowledge (h2c)', () => {
  const seen: Seen[] = [];
  let srv: Awaited<ReturnType<typeof listen>>;
  let client: HttpClient;
  beforeAll(async () => {
    const server = http2.createServer(handler(seen));
    server.on('checkContinue', (req, res) => {
      if (req.url === '/forbidden') {
        res.writeHead(403);
        return res.end('no');
      }
      res.writeContinue();
      server.emit('request', req, res);
    });
    srv = await listen(server);
    client = createClient({ baseURL: `http://127.0.0.1:${srv.port}`, http2: 'h2c' });
  });
  afterAll(async () => {
    await client.close();
    await srv.close();
  });

  test('a streamed upload and a download go over cleartext h2 on one connection', async () => {
    seen.length = 0;
    expect(await (await client.post('/upload').body(generated(UPLOAD)).send()).text()).toBe(`2.0 ${UPLOAD}`);
    expect(await download(client, DOWNLOAD)).toBe(DOWNLOAD);
    expect(seen.map((s) => s.httpVersion)).toEqual(['2.0', '2.0']);
    expect(srv.connections).toBe(1);
  });

  test('Expect: 100-continue is sent over h2c; a refused body is never read; the session stays up', async () => {
    seen.length = 0;
    const ok = await client.put('/upload').body(generated(MiB)).expectContinue().send();
    expect(await ok.text()).toBe(`2.0 ${MiB}`);
    expect(seen[0]).toMatchObject({ httpVersion: '2.0', expect: '100-continue', bytes: MiB });
    let produced = 0;
    const refused = await client
      .put('/forbidden')
      .body(
        (async function* () {
          produced++;
          yield Buffer.alloc(1000);
        })(),
      )
      .expectContinue()
      .send();
    expect(refused.status).toBe(403);
    expect(await refused.text()).toBe('no');
    expect(produced).toBe(0);
    // a Readable source refused the same way is released (destroyed), never sent
    const src = generated(MiB);
    const again = await client.put('/forbidden').body(src).expectContinue().send();
    expect(await again.text()).toBe('no');
    expect(src.destroyed).toBe(true);
    expect(await (await client.put('/upload').body('again').expectContinue().send()).text()).toBe('2.0 5');
    expect(srv.connections).toBe(1);
  });
});

describe('Expect: 100-continue is pooled', () => {
  const seen: Seen[] = [];
  let srv: Awaited<ReturnType<typeof listen>>;
  let server: http.Server;
  beforeAll(async () => {
    server = http.createServer(handler(seen));
    server.on('checkContinue', (req, res) => {
      if (req.url === '/forbidden') {
        res.writeHead(403);
        return res.end('no');
      }
      res.writeContinue();
      server.emit('request', req, res);
    });
    srv = await listen(server);
  });
  afterAll(() => srv.close());

  test('sequential expect-continue requests reuse one socket; close() closes it', async () => {
    const client = createClient({ baseURL: `http://127.0.0.1:${srv.port}` });
    const before = srv.connections;
    for (const body of [Buffer.alloc(50_000, 1), generated(MiB), 'x'] as const) {
      const res = await client.put('/upload').body(body).expectContinue().send();
      expect(res.status).toBe(200);
      await res.text();
    }
    expect(srv.connections - before).toBe(1);
    expect(srv.sockets.size).toBe(1);
    await client.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(srv.sockets.size).toBe(0);
  });

  test('a connection answered before 100 (body never sent) is closed, not reused', async () => {
    const client = createClient({ baseURL: `http://127.0.0.1:${srv.port}` });
    try {
      const before = srv.connections;
      let produced = 0;
      const refused = await client
        .put('/forbidden')
        .body(async function* () {
          produced++;
          yield Buffer.alloc(1000);
        }())
        .expectContinue()
        .send();
      expect(refused.status).toBe(403);
      expect(await refused.text()).toBe('no');
      expect(produced).toBe(0);
      const ok = await client.put('/upload').body('after').expectContinue().send();
      expect(await ok.text()).toBe('1.1 5');
      expect(srv.connections - before).toBe(2);
    } finally {
      await client.close();
    }
  });

  test('close() waits for an expect-continue response in flight', async () => {
    const client = createClient({ baseURL: `http://127.0.0.1:${srv.port}` });
    const res = await client.get(`/download?size=${MiB}`).expectContinue().send();
    let closed = false;
    const closing = client.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    expect((await res.bytes()).length).toBe(MiB);
    await closing;
    expect(closed).toBe(true);
    await expect(client.put('/upload').body('x').expectContinue().send()).rejects.toBeInstanceOf(HttpStreamError);
  });
});
