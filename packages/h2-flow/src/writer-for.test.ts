import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BackpressureTimeoutError, PeerGoneError, writeNdjson, type StreamWriter } from '@sluice/stream-core';
import { flowWindows, tuneUploadWindows, writerFor, writerForStream, type FlowWindows } from './index.js';

const { NGHTTP2_CANCEL } = http2.constants;
const tls = { key: readFileSync(join(__dirname, 'test-support/key.pem')), cert: readFileSync(join(__dirname, 'test-support/cert.pem')) };

type Closeable = { close(cb?: () => void): unknown };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function listen<T extends http.Server | http2.Http2Server | http2.Http2SecureServer>(server: T): Promise<number> {
  await new Promise<void>((r) => (server as unknown as http.Server).listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => (server as unknown as Closeable).close(() => r())));
  return ((server as unknown as http.Server).address() as AddressInfo).port;
}

function connect(url: string, options: http2.SecureClientSessionOptions = {}): http2.ClientHttp2Session {
  const session = http2.connect(url, options);
  session.on('error', () => {});
  cleanups.push(() => {
    session.destroy();
  });
  return session;
}

function h2get(session: http2.ClientHttp2Session, path = '/'): Promise<{ headers: http2.IncomingHttpHeaders; body: Buffer; trailers: http2.IncomingHttpHeaders | null }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | null = null;
    const chunks: Buffer[] = [];
    req.on('response', (h) => (headers = h));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ headers, body: Buffer.concat(chunks), trailers }));
    req.on('error', reject);
  });
}

describe('writerFor on HTTP/2 (compatibility API, h2c)', () => {
  async function serve(handler: (w: StreamWriter, req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => Promise<void> | void, options?: Parameters<typeof writerFor>[2]) {
    const server = http2.createServer((req, res) => {
      const w = writerFor(req, res, options);
      Promise.resolve(handler(w, req, res)).catch((e) => w.abort(e));
    });
    const port = await listen(server);
    return { port, session: connect(`http://127.0.0.1:${port}`) };
  }

  test('streams a body; connection-specific headers are dropped instead of crashing the handler', async () => {
    const { session } = await serve(async (w, _req, res) => {
      expect(w.protocol).toBe('h2');
      res.setHeader('x-from-middleware', 'yes');
      w.writeHeader(200, {
        'content-type': 'text/plain',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        'proxy-connection': 'keep-alive',
        'set-cookie': ['a=1', 'b=2'],
      });
      for (let i = 0; i < 10; i++) await w.write(`part ${i};`);
      await w.close();
    });
    const res = await h2get(session);
    expect(res.headers[':status']).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.headers['x-from-middleware']).toBe('yes');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    for (const h of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']) expect(res.headers[h]).toBeUndefined();
    expect(res.body.toString()).toBe(Array.from({ length: 10 }, (_, i) => `part ${i};`).join(''));
  });

  test('HEAD, 204 and 304: body writes are dropped, as on HTTP/1.1, and the writer closes cleanly', async () => {
    const outcomes: string[] = [];
    const { session } = await serve(async (w, req) => {
      const status = Number(new URL(req.url, 'http://x').searchParams.get('status') ?? 200);
      w.writeHeader(status, { 'content-type': 'text/plain' });
      try {
        await w.write('body that must not be sent');
        await w.close();
        outcomes.push(`${req.method} ${status} ok`);
      } catch (e) {
        outcomes.push(`${req.method} ${status} ${(e as { code?: string }).code}`);
      }
    });
    const request = (method: string, path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ':path': path, ':method': method });
        let status = 0;
        let body = '';
        req.on('response', (h) => (status = Number(h[':status'])));
        req.on('data', (d) => (body += d));
        req.on('end', () => resolve({ status, body }));
        req.on('error', reject);
      });
    expect(await request('HEAD', '/')).toEqual({ status: 200, body: '' });
    expect(await request('GET', '/?status=204')).toEqual({ status: 204, body: '' });
    expect(await request('GET', '/?status=304')).toEqual({ status: 304, body: '' });
    expect(outcomes).toEqual(['HEAD 200 ok', 'GET 204 ok', 'GET 304 ok']);
  });

  test('headers already sent by other code give HeadersSentError, not a Node internal error', async () => {
    let thrown: unknown;
    const { session } = await serve(async (w, _req, res) => {
      res.writeHead(202);
      try {
        w.writeHeader(200);
      } catch (e) {
        thrown = e;
      }
      res.end('done');
    });
    const res = await h2get(session);
    expect(res.headers[':status']).toBe(202);
    expect((thrown as { code?: string }).code).toBe('ERR_SLUICE_HEADERS_SENT');
  });

  test('trailers go out in a trailing HEADERS frame', async () => {
    const { session } = await serve(async (w) => {
      w.writeHeader(200, { trailer: 'x-checksum' });
      await w.write('data');
      await w.close({ 'x-checksum': 'c0ffee' });
    });
    const res = await h2get(session);
    expect(res.body.toString()).toBe('data');
    expect(res.trailers?.['x-checksum']).toBe('c0ffee');
  });

  test('a stalled peer (closed window) is reset with RST_STREAM after the timeout and its buffer freed', async () => {
    let writer!: StreamWriter;
    let rejection: unknown;
    let blockedWindows: FlowWindows | undefined;
    const { session } = await serve(
      async (w, req) => {
        writer = w;
        w.writeHeader(200);
        const chunk = Buffer.alloc(256 * 1024);
        try {
          for (let i = 0; i < 64; i++) {
            const p = w.write(chunk);
            if (!blockedWindows) blockedWindows = flowWindows(req.stream);
            await p;
          }
        } catch (e) {
          rejection = e;
        }
      },
      { backpressureTimeoutMs: 400 },
    );
    // A client that never reads: its 64 KiB stream window closes and stays closed.
    const rstCode = await new Promise<number>((resolve) => {
      const req = session.request({ ':path': '/' });
      req.pause();
      req.on('close', () => resolve(req.rstCode));
      req.on('error', () => {});
    });
    expect(rstCode).toBe(NGHTTP2_CANCEL);
    expect(rejection).toBeInstanceOf(BackpressureTimeoutError);
    expect(writer.signal.reason).toBe(rejection);
    expect(blockedWindows!.stream.queuedBytes).toBeGreaterThan(0);
    expect(typeof blockedWindows!.connection.remoteWindow).toBe('number');
    expect(blockedWindows!.stream.peerInitialWindow).toBe(65_535);
    expect(typeof blockedWindows!.stream.localWindow).toBe('number');
    await writer.released;
  });

  test("a client's RST_STREAM aborts the writer's signal at once, without a write", async () => {
    let writer!: StreamWriter;
    const started = new Promise<void>((resolve) => {
      void serve(async (w) => {
        writer = w;
        w.writeHeader(200);
        await w.flush();
        resolve();
      }).then(({ session }) => {
        const req = session.request({ ':path': '/' });
        req.on('response', () => setTimeout(() => req.close(NGHTTP2_CANCEL), 10));
        req.on('error', () => {});
      });
    });
    await started;
    const reason = await new Promise<unknown>((resolve) => {
      if (writer.signal.aborted) resolve(writer.signal.reason);
      writer.signal.addEventListener('abort', () => resolve(writer.signal.reason));
    });
    expect(reason).toBeInstanceOf(PeerGoneError);
    await expect(writer.write('x')).rejects.toBeInstanceOf(PeerGoneError);
  });

  test('curl --http2-prior-knowledge reads an NDJSON stream', async () => {
    const { port } = await serve(async (w) => {
      w.writeHeader(200, { 'content-type': 'application/x-ndjson' });
      await writeNdjson(w, (function* () {
        for (let i = 0; i < 1000; i++) yield { i };
      })());
    });
    const out = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile('curl', ['-sS', '-v', '--http2-prior-knowledge', `http://127.0.0.1:${port}/`], { timeout: 10_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
        err ? reject(err) : resolve({ stdout, stderr }),
      ),
    );
    expect(out.stderr).toMatch(/HTTP\/2 200/);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(1000);
    expect(JSON.parse(lines[999]!)).toEqual({ i: 999 });
  });
});

describe('writerForStream (core API)', () => {
  test('streams over a ServerHttp2Stream', async () => {
    const server = http2.createServer();
    server.on('stream', (stream) => {
      const w = writerForStream(stream);
      w.writeHeader(200, [['x-core', 'yes']]);
      void w.write('core api').then(() => w.close());
    });
    const port = await listen(server);
    const res = await h2get(connect(`http://127.0.0.1:${port}`));
    expect(res.headers['x-core']).toBe('yes');
    expect(res.body.toString()).toBe('core api');
  });
});

describe('writerFor on an allowHTTP1 TLS server', () => {
  test('picks HTTP/2 for an h2 client and HTTP/1.1 for an https client', async () => {
    const protocols: string[] = [];
    const server = http2.createSecureServer({ ...tls, allowHTTP1: true }, (req, res) => {
      const w = writerFor(req, res);
      protocols.push(w.protocol);
      w.writeHeader(200, { 'content-type': 'text/plain', connection: 'close' });
      void w.write(`hello ${w.protocol}`).then(() => w.close());
    });
    const port = await listen(server);
    const h2res = await h2get(connect(`https://localhost:${port}`, { ca: tls.cert }));
    expect(h2res.body.toString()).toBe('hello h2');
    const h1body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', servername: 'localhost', port, ca: tls.cert, agent: false }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    expect(h1body).toBe('hello http/1.1');
    expect(protocols).toEqual(['h2', 'http/1.1']);
  });

  test('on plain node:http, writerFor returns the HTTP/1.1 writer', async () => {
    const server = http.createServer((req, res) => {
      const w = writerFor(req, res);
      w.writeHeader(200);
      void w.write(w.protocol).then(() => w.close());
    });
    const port = await listen(server);
    const body = await new Promise<string>((resolve) =>
      http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      }),
    );
    expect(body).toBe('http/1.1');
  });
});

describe('tuneUploadWindows', () => {
  test('raises the server session receive windows (stream and connection) so uploads are not held to 64 KiB', async () => {
    const server = http2.createServer();
    tuneUploadWindows(server, { streamWindow: 8 << 20, connectionWindow: 32 << 20 });
    let serverState: http2.SessionState | undefined;
    let received = 0;
    server.on('stream', (stream) => {
      stream.on('data', (d: Buffer) => (received += d.length));
      stream.on('end', () => {
        serverState = stream.session!.state;
        stream.respond({ ':status': 200 });
        stream.end(String(received));
      });
    });
    const port = await listen(server);
    const session = connect(`http://127.0.0.1:${port}`);
    await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
    expect(session.remoteSettings.initialWindowSize).toBe(8 << 20);
    const body = await new Promise<string>((resolve) => {
      const req = session.request({ ':path': '/', ':method': 'POST' });
      let b = '';
      req.on('data', (d) => (b += d));
      req.on('end', () => resolve(b));
      req.end(Buffer.alloc(4 << 20));
    });
    expect(body).toBe(String(4 << 20));
    expect(serverState!.localWindowSize).toBeGreaterThan(16 << 20);
  });

  test('refuses a window outside the RFC 9113 range', () => {
    const server = http2.createServer();
    expect(() => tuneUploadWindows(server, { streamWindow: 2 ** 31 })).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }));
    expect(() => tuneUploadWindows(server, { connectionWindow: 1000 })).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }));
  });
});
