import v8 from 'node:v8';
import vm from 'node:vm';
import { createHash, randomBytes } from 'node:crypto';
import { truncateSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { BandwidthLimiter } from '@sluice/bandwidth';
import { sendFile, serveStatic, type SendResult, type SendFileCallOptions } from './index.js';
import { H2Client, fdCount, h1, makeTree, startH1, startH2, waitFor, type Tree } from './test-support/fixtures.js';

let tree: Tree;
const BIG = 24 * 1024 * 1024;
let bigSha: string;
beforeAll(() => {
  tree = makeTree();
  const big = randomBytes(BIG);
  bigSha = createHash('sha256').update(big).digest('hex');
  writeFileSync(join(tree.root, 'big.bin'), big);
});
afterAll(() => tree.cleanup());

/** A server whose every response is sendFile(root/<path>) and whose results we can read. */
async function recording(proto: 'http/1.1' | 'h2', options: SendFileCallOptions = {}) {
  const results: SendResult[] = [];
  const listener = (req: any, res: any) => sendFile(req, res, req.url.slice(1), { root: tree.root, ...options }).then((r) => results.push(r));
  const server = proto === 'h2' ? await startH2(listener) : await startH1(listener);
  return { server, results };
}

describe.each(['http/1.1', 'h2'] as const)('%s: large files, peers that leave, files that change', (proto) => {
  test('a 24 MiB file arrives intact (h2: through flow control)', async () => {
    const { server, results } = await recording(proto);
    try {
      let body: Buffer;
      if (proto === 'h2') {
        const c = new H2Client(server.port);
        body = (await c.get('/big.bin')).body;
        await c.close();
      } else body = (await h1(server.port, '/big.bin')).body;
      expect(createHash('sha256').update(body).digest('hex')).toBe(bigSha);
      await waitFor(() => results.length === 1);
      expect(results[0]).toMatchObject({ status: 200, bytes: BIG });
      expect(results[0].error).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  test('a peer that leaves mid-download: the descriptor is closed at once, the result says why', async () => {
    const { server, results } = await recording(proto, { highWaterMark: 64 * 1024 });
    const before = fdCount();
    try {
      await new Promise<void>((resolve, reject) => {
        if (proto === 'h2') {
          const c = new H2Client(server.port);
          const s = c.session.request({ ':path': '/big.bin' });
          s.once('data', () => {
            s.close(http2Cancel());
            c.session.close();
            resolve();
          });
          s.on('error', () => {});
        } else {
          const req = http.get({ host: '127.0.0.1', port: server.port, path: '/big.bin', agent: false }, (res) => {
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          });
          req.on('error', () => {});
          req.on('close', () => resolve());
          setTimeout(() => reject(new Error('no data')), 5000).unref();
        }
      });
      expect(await waitFor(() => results.length === 1)).toBe(true);
      expect(results[0].bytes).toBeLessThan(BIG);
      expect(results[0].error).toBeDefined();
      expect(await waitFor(() => fdCount() <= before)).toBe(true);
    } finally {
      await server.close();
    }
  });

  test('a file that shrinks after stat: the writer is aborted, no hang, descriptor closed', async () => {
    const path = join(tree.root, `shrink-${proto.replace("/", "")}.bin`);
    writeFileSync(path, Buffer.alloc(64 * 1024 * 1024, 7));
    const { server, results } = await recording(proto, { highWaterMark: 64 * 1024 });
    const before = fdCount();
    try {
      // The client reads the headers, stops reading (the server waits on back-pressure), the file is
      // cut, then the client reads on: the server reads past the new end and must abort.
      const outcome = await new Promise<{ received: number; complete: boolean }>((resolve) => {
        let received = 0;
        const done = (complete: boolean) => resolve({ received, complete });
        if (proto === 'h2') {
          const c = new H2Client(server.port);
          const s = c.session.request({ ':path': `/shrink-${proto.replace("/", "")}.bin` });
          s.on('response', () => {
            s.pause();
            setTimeout(() => {
              truncateSync(path, 1024 * 1024);
              s.resume();
            }, 150);
          });
          s.on('data', (d: Buffer) => (received += d.length));
          // node may emit 'end' for a stream the server reset once the client has read what arrived:
          // only the whole body counts as complete.
          s.on('end', () => {
            c.session.close();
            done(received === 64 * 1024 * 1024);
          });
          s.on('error', () => {
            c.session.close();
            done(false);
          });
          s.on('close', () => {
            c.session.close();
            done(false);
          });
        } else {
          const req = http.get({ host: '127.0.0.1', port: server.port, path: `/shrink-${proto.replace("/", "")}.bin`, agent: false }, (res) => {
            res.pause();
            setTimeout(() => {
              truncateSync(path, 1024 * 1024);
              res.resume();
            }, 150);
            res.on('data', (d: Buffer) => (received += d.length));
            res.on('end', () => done(res.complete));
            res.on('aborted', () => done(false));
            res.on('error', () => done(false));
          });
          req.on('error', () => done(false));
        }
      });
      expect(outcome.complete).toBe(false);
      expect(outcome.received).toBeLessThan(64 * 1024 * 1024);
      expect(await waitFor(() => results.length === 1)).toBe(true);
      expect(results[0].error).toMatchObject({ code: 'ERR_SLUICE_FILE_CHANGED' });
      expect(await waitFor(() => fdCount() <= before)).toBe(true);
    } finally {
      await server.close();
    }
  });
});

function http2Cancel(): number {
  // NGHTTP2_CANCEL
  return 8;
}

test('no descriptor leaks across a mixed batch (200, 206, 304, 404, 403, 416, HEAD, 405)', async () => {
  const server = await startH1(serveStatic(tree.root));
  try {
    await h1(server.port, '/hello.txt'); // warm up the agentless client path
    const before = fdCount();
    const etag = String((await h1(server.port, '/hello.txt')).headers['etag']);
    const cases: Array<[string, Record<string, string>, string]> = [
      ['/hello.txt', {}, 'GET'],
      ['/data.bin', { range: 'bytes=0-10,100-200' }, 'GET'],
      ['/hello.txt', { 'if-none-match': etag }, 'GET'],
      ['/hello.txt', { 'if-match': '"x"' }, 'GET'],
      ['/nope', {}, 'GET'],
      ['/.env', {}, 'GET'],
      ['/hello.txt', { range: 'bytes=-0' }, 'GET'],
      ['/data.bin', {}, 'HEAD'],
      ['/hello.txt', {}, 'DELETE'],
      ['/link-out.txt', {}, 'GET'],
    ];
    for (let i = 0; i < 5; i++) for (const [p, h, m] of cases) await h1(server.port, p, h, m);
    expect(await waitFor(() => fdCount() <= before)).toBe(true);
  } finally {
    await server.close();
  }
});

// Dead buffers waiting for V8's collector would count as held memory (Node 22 and 24 collect them
// later than 20): collect before each reading so only live buffers are measured.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
const liveArrayBuffers = (): number => {
  collectGarbage();
  return process.memoryUsage().arrayBuffers;
};

test('memory: a stalled reader holds about two read buffers, whatever the file size', async () => {
  // The reader stops; the server may hold the socket buffer plus about two 1 MiB reads, not the file.
  const { server, results } = await recording('http/1.1');
  try {
    const before = liveArrayBuffers();
    const req = http.get({ host: '127.0.0.1', port: server.port, path: '/big.bin', agent: false }, (res) => res.pause());
    req.on('error', () => {});
    await new Promise((r) => setTimeout(r, 400));
    const held = liveArrayBuffers() - before;
    req.destroy();
    await waitFor(() => results.length === 1);
    expect(held).toBeLessThan(8 * 1024 * 1024);
  } finally {
    await server.close();
  }
});

test('memory: 32 concurrent stalled downloads hold about two reads each, not the file', async () => {
  const { server, results } = await recording('http/1.1');
  const reqs: http.ClientRequest[] = [];
  try {
    const before = liveArrayBuffers();
    for (let i = 0; i < 32; i++) {
      const req = http.get({ host: '127.0.0.1', port: server.port, path: '/big.bin', agent: false }, (res) => res.pause());
      req.on('error', () => {});
      reqs.push(req);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const held = liveArrayBuffers() - before;
    // 32 × 24 MiB would be 768 MiB; two 1 MiB reads each (plus socket buffers) stay under 3 MiB each.
    expect(held).toBeLessThan(32 * 3 * 1024 * 1024);
  } finally {
    for (const r of reqs) r.destroy();
    await waitFor(() => results.length === 32, 5000);
    await server.close();
  }
});

describe('rate limits (measured at the client, which reads promptly)', () => {
  const measure = async (port: number, path: string): Promise<{ bytes: number; seconds: number }> => {
    const t0 = process.hrtime.bigint();
    const r = await h1(port, path);
    return { bytes: r.body.length, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  };

  test('rateLimit: 40 Mbps per response, never more than 5 % above the target', async () => {
    writeFileSync(join(tree.root, 'rate.bin'), randomBytes(2_500_000));
    const server = await startH1((req, res) => sendFile(req, res, join(tree.root, 'rate.bin'), { rateLimit: { mbps: 40 } }));
    try {
      const { bytes, seconds } = await measure(server.port, '/');
      const mbps = (bytes * 8) / seconds / 1e6;
      expect(bytes).toBe(2_500_000);
      expect(mbps).toBeLessThanOrEqual(40 * 1.05);
      expect(mbps).toBeGreaterThan(40 * 0.5);
    } finally {
      await server.close();
    }
  });

  test('limiter: a shared global cap is split between parallel downloads', async () => {
    writeFileSync(join(tree.root, 'rate2.bin'), randomBytes(1_000_000));
    const limiter = new BandwidthLimiter({ global: { mbps: 40 } });
    const server = await startH1((req, res) => sendFile(req, res, join(tree.root, 'rate2.bin'), { limiter }));
    try {
      const t0 = process.hrtime.bigint();
      const all = await Promise.all([0, 1, 2, 3].map(() => h1(server.port, '/')));
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const total = all.reduce((n, r) => n + r.body.length, 0);
      expect(total).toBe(4_000_000);
      expect((total * 8) / seconds / 1e6).toBeLessThanOrEqual(40 * 1.05);
    } finally {
      await server.close();
    }
  });
});
