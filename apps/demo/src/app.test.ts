import http from 'node:http';
import http2 from 'node:http2';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createDemoServer } from './app.js';

describe('demo server: HTTP/1.1 and h2c on one port', () => {
  const server = createDemoServer({ publicDir: join(__dirname, '..', 'public') });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  test('HTTP/1.1: the page and an NDJSON stream', async () => {
    const get = (path: string) =>
      new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
          })
          .on('error', reject),
      );
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Sluice</h1>');
    const nd = await get('/ndjson?rows=500');
    const rows = nd.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(500);
    expect(rows[499]).toMatchObject({ i: 499, protocol: 'http/1.1' });
    expect(nd.headers['transfer-encoding']).toBe('chunked');
  });

  test('files through @sluice/sendfile, with ranges, and no way out of the root', async () => {
    const get = (path: string, headers: http.OutgoingHttpHeaders = {}) =>
      new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
          })
          .on('error', reject),
      );
    const file = await get('/files/hello.txt');
    expect(file.status).toBe(200);
    expect(file.body).toBe('Hello from @sluice/sendfile.\n');
    expect(file.headers['content-type']).toMatch(/^text\/plain/);
    const range = await get('/files/hello.txt', { range: 'bytes=0-4' });
    expect(range).toMatchObject({ status: 206, body: 'Hello' });
    for (const evil of ['/files/..%2fpackage.json', '/files/%2e%2e/package.json', '/files/..%5cpackage.json']) {
      const r = await get(evil);
      expect([400, 403, 404]).toContain(r.status);
      expect(r.body).not.toContain('@sluice/demo');
    }
  });

  test('a throttled NDJSON stream through @sluice/bandwidth', async () => {
    const started = Date.now();
    const body = await new Promise<string>((resolve, reject) =>
      http
        .get({ host: '127.0.0.1', port, path: '/ndjson?rows=3000&mbps=1', agent: false }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve(b));
        })
        .on('error', reject),
    );
    const seconds = (Date.now() - started) / 1000;
    expect(body.trim().split('\n')).toHaveLength(3000);
    // 1 Mbps = 125,000 bytes/s; the body is ~190 KB, so it cannot arrive in under ~1 s.
    // At most the rate plus the bucket's 20 ms depth (2,500 bytes at 1 Mbps).
    expect(body.length).toBeLessThanOrEqual(125_000 * 1.05 * seconds + 2500);
    expect(seconds).toBeGreaterThan(1);
  });

  test('h2c with prior knowledge: ticks with trailers', async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const { body, trailers } = await new Promise<{ body: string; trailers: http2.IncomingHttpHeaders }>((resolve, reject) => {
      const req = session.request({ ':path': '/ticks?count=2' });
      let body = '';
      let trailers: http2.IncomingHttpHeaders = {};
      req.setEncoding('utf8');
      req.on('data', (d) => (body += d));
      req.on('trailers', (t) => (trailers = t));
      req.on('end', () => resolve({ body, trailers }));
      req.on('error', reject);
    });
    session.close();
    expect(body).toBe('tick 0 over h2\ntick 1 over h2\n');
    expect(trailers['x-ticks']).toBe('2');
  });

  test('curl over both protocols', async () => {
    const curl = (args: string[]) =>
      new Promise<string>((resolve, reject) => execFile('curl', ['-sS', ...args], { timeout: 10_000 }, (e, out) => (e ? reject(e) : resolve(out))));
    expect(await curl([`http://127.0.0.1:${port}/ticks?count=1`])).toBe('tick 0 over http/1.1\n');
    expect(await curl(['--http2-prior-knowledge', `http://127.0.0.1:${port}/ticks?count=1`])).toBe('tick 0 over h2\n');
    expect(await curl(['-o', '/dev/null', '-w', '%{size_download}', `http://127.0.0.1:${port}/bytes?mib=3`])).toBe(String(3 * 1024 * 1024));
  });
});
