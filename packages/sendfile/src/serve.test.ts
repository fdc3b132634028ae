import { createHash } from 'node:crypto';
import { utimesSync } from 'node:fs';
import * as https from 'node:https';
import * as http2 from 'node:http2';
import { join } from 'node:path';
import { serveStatic, sendFile } from './index.js';
import { H2Client, h1, makeTree, parseMultipart, selfSigned, startH1, startH2, startSecure, type Reply, type Running, type Tree } from './test-support/fixtures.js';

let tree: Tree;
beforeAll(() => {
  tree = makeTree();
  // A fixed mtime, so Last-Modified and If-Modified-Since are predictable.
  utimesSync(join(tree.root, 'hello.txt'), new Date('2024-01-15T12:00:00Z'), new Date('2024-01-15T12:00:00Z'));
});
afterAll(() => tree.cleanup());

type Get = (path: string, headers?: Record<string, string>, method?: string) => Promise<Reply>;

// The same behaviour over HTTP/1.1 (node:http) and h2c (node:http2): one listener, two protocols.
describe.each(['http/1.1', 'h2'] as const)('serveStatic over %s', (proto) => {
  let server: Running;
  let client: H2Client | null = null;
  let get: Get;
  beforeAll(async () => {
    const listener = serveStatic(tree.root);
    server = proto === 'h2' ? await startH2(listener) : await startH1(listener);
    if (proto === 'h2') {
      client = new H2Client(server.port);
      get = (p, h, m) => client!.get(p, h, m);
    } else get = (p, h, m) => h1(server.port, p, h, m);
  });
  afterAll(async () => {
    await client?.close();
    await server.close();
  });

  test('GET a text file: body, type with charset, validators, nosniff', async () => {
    const r = await get('/hello.txt');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello, world\n');
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['content-length']).toBe('13');
    expect(r.headers['etag']).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(r.headers['last-modified']).toBe('Mon, 15 Jan 2024 12:00:00 GMT');
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.headers['cache-control']).toBe('public, max-age=0');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  test('GET a binary file arrives intact', async () => {
    const r = await get('/data.bin');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.body.equals(tree.data)).toBe(true);
  });

  test('an empty file', async () => {
    const r = await get('/empty.txt');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('0');
    expect(r.body.length).toBe(0);
  });

  test('HEAD: the headers of GET, no body', async () => {
    const r = await get('/data.bin', {}, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(tree.data.length));
    expect(r.body.length).toBe(0);
  });

  test('other methods: 405 with Allow', async () => {
    for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const r = await get('/hello.txt', {}, m);
      expect(r.status).toBe(405);
      expect(r.headers['allow']).toBe('GET, HEAD');
    }
  });

  test('index.html for a directory with a slash; 301 without; 404 when there is no index', async () => {
    expect((await get('/')).body.toString()).toContain('home');
    expect((await get('/sub/')).body.toString()).toBe('<p>sub</p>');
    const redirect = await get('/sub');
    expect(redirect.status).toBe(301);
    expect(redirect.headers['location']).toBe('/sub/');
    expect((await get('/sub?x=1')).headers['location']).toBe('/sub/?x=1');
    expect((await get('/noindex/')).status).toBe(404);
    expect((await get('/hello.txt/')).status).toBe(404);
  });

  test('a redirect never yields a Location starting with // or /\\', async () => {
    const r = await get('//sub');
    expect(r.status).toBe(301);
    expect(r.headers['location']).toBe('/sub/');
  });

  test('404 for a missing file, UTF-8 names and percent-encoded names', async () => {
    expect((await get('/nope.txt')).status).toBe(404);
    expect((await get('/caf%C3%A9.txt')).body.toString()).toBe('café\n');
    expect((await get('/a%252e.txt')).body.toString()).toBe('literal percent\n');
  });

  test('single range: 206 with Content-Range', async () => {
    const r = await get('/data.bin', { range: 'bytes=100-199' });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 100-199/${tree.data.length}`);
    expect(r.body.equals(tree.data.subarray(100, 200))).toBe(true);
    const suffix = await get('/data.bin', { range: 'bytes=-10' });
    expect(suffix.body.equals(tree.data.subarray(-10))).toBe(true);
    const whole = await get('/hello.txt', { range: 'bytes=-1000' });
    expect(whole.status).toBe(206);
    expect(whole.headers['content-range']).toBe('bytes 0-12/13');
  });

  test('several ranges: multipart/byteranges', async () => {
    const r = await get('/data.bin', { range: 'bytes=0-9, 1000-1009, -5' });
    expect(r.status).toBe(206);
    const ct = String(r.headers['content-type']);
    expect(ct).toMatch(/^multipart\/byteranges; boundary=sluice-[0-9a-f]{24}$/);
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    const parts = parseMultipart(r.body, ct);
    const len = tree.data.length;
    expect(parts.map((p) => p.headers['content-range'])).toEqual([`bytes 0-9/${len}`, `bytes 1000-1009/${len}`, `bytes ${len - 5}-${len - 1}/${len}`]);
    expect(parts[1].data.equals(tree.data.subarray(1000, 1010))).toBe(true);
    expect(parts[2].headers['content-type']).toBe('application/octet-stream');
  });

  test('416 with Content-Range: bytes */len', async () => {
    for (const range of ['bytes=-0', 'bytes=999999-']) {
      const r = await get('/hello.txt', { range });
      expect(r.status).toBe(416);
      expect(r.headers['content-range']).toBe('bytes */13');
    }
  });

  test('ignored Range: first > last, syntax errors, HEAD', async () => {
    expect((await get('/hello.txt', { range: 'bytes=5-2' })).status).toBe(200);
    expect((await get('/hello.txt', { range: 'lines=1-2' })).status).toBe(200);
    expect((await get('/hello.txt', { range: 'bytes=0-1' }, 'HEAD')).status).toBe(200);
  });

  test('conditionals: 304 keeps the validators and caching headers, 412', async () => {
    const { headers } = await get('/hello.txt');
    const etag = String(headers['etag']);
    const r = await get('/hello.txt', { 'if-none-match': etag });
    expect(r.status).toBe(304);
    expect(r.headers['etag']).toBe(etag);
    expect(r.headers['cache-control']).toBe('public, max-age=0');
    expect(r.headers['date']).toBeDefined();
    expect(r.headers['content-type']).toBeUndefined();
    expect(r.body.length).toBe(0);
    expect((await get('/hello.txt', { 'if-modified-since': 'Mon, 15 Jan 2024 12:00:00 GMT' })).status).toBe(304);
    expect((await get('/hello.txt', { 'if-modified-since': 'Mon, 15 Jan 2024 11:59:59 GMT' })).status).toBe(200);
    expect((await get('/hello.txt', { 'if-match': '"nope"' })).status).toBe(412);
    expect((await get('/hello.txt', { 'if-match': etag })).status).toBe(200);
    expect((await get('/hello.txt', { 'if-unmodified-since': 'Mon, 15 Jan 2024 11:00:00 GMT' })).status).toBe(412);
  });

  test('If-Range: strong tag or exact date keeps the range, anything else sends it all', async () => {
    const { headers } = await get('/hello.txt');
    const etag = String(headers['etag']);
    expect((await get('/hello.txt', { range: 'bytes=0-1', 'if-range': etag })).status).toBe(206);
    expect((await get('/hello.txt', { range: 'bytes=0-1', 'if-range': 'W/' + etag })).status).toBe(200);
    expect((await get('/hello.txt', { range: 'bytes=0-1', 'if-range': 'Mon, 15 Jan 2024 12:00:00 GMT' })).status).toBe(206);
    expect((await get('/hello.txt', { range: 'bytes=0-1', 'if-range': 'Mon, 15 Jan 2024 12:00:01 GMT' })).status).toBe(200);
  });

  test('dotfiles are denied', async () => {
    expect((await get('/.env')).status).toBe(403);
    expect((await get('/.git/config')).status).toBe(403);
  });
});

describe('options', () => {
  let tree2: Tree;
  beforeAll(() => (tree2 = makeTree()));
  afterAll(() => tree2.cleanup());

  test('attachment with a UTF-8 name, contentType, maxAge/immutable, etag weak, lastModified off, acceptRanges off', async () => {
    const server = await startH1((req, res) =>
      sendFile(req, res, join(tree2.root, 'hello.txt'), {
        attachment: 'résumé.txt',
        contentType: 'application/x-custom',
        maxAge: 86400,
        immutable: true,
        etag: 'weak',
        lastModified: false,
        acceptRanges: false,
      }),
    );
    try {
      const r = await h1(server.port, '/anything', { range: 'bytes=0-1' });
      expect(r.status).toBe(200);
      expect(r.headers['content-disposition']).toBe(`attachment; filename="r_sum_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt`);
      expect(r.headers['content-type']).toBe('application/x-custom');
      expect(r.headers['cache-control']).toBe('public, max-age=86400, immutable');
      expect(r.headers['etag']).toMatch(/^W\/"/);
      expect(r.headers['last-modified']).toBeUndefined();
      expect(r.headers['accept-ranges']).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  test('sendFile with a root treats the path as untrusted', async () => {
    const server = await startH1((req, res) => sendFile(req, res, decodeURIComponent(req.url.slice(1)), { root: tree2.root }));
    try {
      expect((await h1(server.port, '/hello.txt')).status).toBe(200);
      expect((await h1(server.port, '/..%2fsecret.txt')).status).toBe(403);
      expect((await h1(server.port, '/.env')).status).toBe(403);
      expect((await h1(server.port, '/link-out.txt')).status).toBe(403);
      expect((await h1(server.port, '/sub')).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  test('as Express/connect middleware: 404 and 405 fall through to next(), refusals do not', async () => {
    const mw = serveStatic(tree2.root);
    const seen: string[] = [];
    const server = await startH1((req, res) =>
      mw(req, res, () => {
        seen.push(`${req.method} ${req.url}`);
        res.statusCode = 418;
        res.end('next');
      }),
    );
    try {
      expect((await h1(server.port, '/hello.txt')).status).toBe(200);
      expect((await h1(server.port, '/missing')).status).toBe(418);
      expect((await h1(server.port, '/hello.txt', {}, 'POST')).status).toBe(418);
      expect((await h1(server.port, '/%2e%2e/secret.txt')).status).toBe(403);
      expect(seen).toEqual(['GET /missing', 'POST /hello.txt']);
    } finally {
      await server.close();
    }
  });

  test('a missing root throws InvalidRootError at once', () => {
    expect(() => serveStatic(join(tree2.base, 'missing'))).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ROOT' }));
  });
});

describe('one allowHTTP1 TLS server answers both protocols', () => {
  test('HTTP/1.1 and HTTP/2 clients get the same bytes', async () => {
    const tls = selfSigned(tree.base);
    const server = await startSecure(serveStatic(tree.root), tls);
    try {
      const viaH1 = await new Promise<Buffer>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port: server.port, path: '/data.bin', ca: tls.cert, servername: 'localhost', rejectUnauthorized: false, agent: false }, (res) => {
            const c: Buffer[] = [];
            res.on('data', (d: Buffer) => c.push(d));
            res.on('end', () => resolve(Buffer.concat(c)));
          })
          .on('error', reject);
      });
      const session = http2.connect(`https://127.0.0.1:${server.port}`, { rejectUnauthorized: false });
      const viaH2 = await new Promise<Buffer>((resolve, reject) => {
        const s = session.request({ ':path': '/data.bin' });
        const c: Buffer[] = [];
        s.on('data', (d: Buffer) => c.push(d));
        s.on('end', () => resolve(Buffer.concat(c)));
        s.on('error', reject);
      });
      await new Promise<void>((r) => session.close(() => r()));
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      expect(sha(viaH1)).toBe(sha(tree.data));
      expect(sha(viaH2)).toBe(sha(tree.data));
    } finally {
      await server.close();
    }
  });
});
