import http from 'node:http';
import http2 from 'node:http2';
import { readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { StreamWriter } from '@sluice/stream-core';
import { writerFor } from './index.js';

// Peers that leave at random points mid-stream, on both protocols: every writer must be released
// (its signal fired, its listeners and timers gone) and no socket or descriptor may stay open.
const openFds = (): number => readdirSync('/proc/self/fd').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function streamUntilGone(w: StreamWriter): Promise<void> {
  w.writeHeader(200, { 'content-type': 'application/octet-stream' });
  const chunk = Buffer.alloc(32 * 1024, 7);
  try {
    while (!w.signal.aborted) await w.write(chunk);
  } catch {
    // the peer left: that is the point of this test
  }
}

function track(writers: StreamWriter[]) {
  return (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    const w = writerFor(req, res, { backpressureTimeoutMs: 20_000 });
    writers.push(w);
    void streamUntilGone(w);
  };
}

test('HTTP/1.1: 40 clients leaving mid-stream leave no writer, socket or descriptor behind', async () => {
  const before = openFds();
  const writers: StreamWriter[] = [];
  const server = http.createServer(track(writers));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      new Promise<void>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
          let got = 0;
          const limit = (i % 8) * 48 * 1024 + 1;
          res.on('data', (d: Buffer) => {
            got += d.length;
            if (got >= limit) req.destroy();
          });
        });
        req.on('error', () => {});
        req.on('close', () => resolve());
      }),
    ),
  );
  await Promise.race([Promise.all(writers.map((w) => w.released)), sleep(5000)]);
  expect(writers).toHaveLength(40);
  expect(writers.every((w) => w.signal.aborted && w.closed)).toBe(true);
  const connections = await new Promise<number>((r) => server.getConnections((_e, n) => r(n)));
  expect(connections).toBe(0);
  await new Promise((r) => server.close(r));
  expect(openFds()).toBeLessThanOrEqual(before);
});

test('HTTP/2: 40 streams reset mid-stream on one session, then the session dies, leave nothing behind', async () => {
  const before = openFds();
  const writers: StreamWriter[] = [];
  const server = http2.createServer(track(writers));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      new Promise<void>((resolve) => {
        const req = session.request({ ':path': '/' });
        let got = 0;
        const limit = (i % 8) * 16 * 1024 + 1;
        req.on('data', (d: Buffer) => {
          got += d.length;
          if (got >= limit && !req.closed) req.close(http2.constants.NGHTTP2_CANCEL);
        });
        req.on('error', () => {});
        req.on('close', () => resolve());
      }),
    ),
  );
  // A few more streams that never get reset: the whole connection goes away under them.
  for (let i = 0; i < 5; i++) session.request({ ':path': '/' }).on('error', () => {}).resume();
  await sleep(50);
  session.destroy();
  await Promise.race([Promise.all(writers.map((w) => w.released)), sleep(5000)]);
  expect(writers).toHaveLength(45);
  expect(writers.every((w) => w.signal.aborted && w.closed)).toBe(true);
  await new Promise((r) => server.close(r));
  await sleep(20);
  expect(openFds()).toBeLessThanOrEqual(before);
});
