import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { writerFor } from '@sluice/h2-flow';
import { writeNdjson, type StreamWriter } from '@sluice/stream-core';
import { TokenBucket, throttle } from '@sluice/bandwidth';
import { sendFile } from '@sluice/sendfile';
import { PAGE } from './page.js';

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

function intParam(url: URL, name: string, def: number, max: number): number {
  const v = Number(url.searchParams.get(name) ?? def);
  return Number.isInteger(v) && v >= 0 ? Math.min(v, max) : def;
}

async function route(req: Req, res: Res, publicDir: string): Promise<void> {
  const raw = req.url ?? '/';
  if (raw.startsWith('/files/')) {
    // The raw, still-encoded path goes to sendFile, which decodes once and refuses escapes itself.
    const rest = raw.slice('/files/'.length).split('?')[0]!;
    const mbps = Number(new URL(raw, 'http://demo.invalid').searchParams.get('mbps') ?? 0);
    await sendFile(req, res, rest || 'hello.txt', { root: publicDir, ...(Number.isInteger(mbps) && mbps >= 1 ? { rateLimit: { mbps } } : {}) });
    return;
  }
  const url = new URL(raw, 'http://demo.invalid');
  if (url.pathname === '/') {
    const w = writerFor(req, res);
    w.writeHeader(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    await w.write(PAGE);
    await w.close();
    return;
  }
  if (url.pathname === '/ndjson') {
    // Rows are produced only as fast as the peer reads them.
    const rows = intParam(url, 'rows', 1000, 10_000_000);
    // ?mbps=N limits this response with a token bucket from @sluice/bandwidth.
    const mbps = intParam(url, 'mbps', 0, 250_000);
    const w = mbps > 0 ? throttle(writerFor(req, res), new TokenBucket({ mbps })) : writerFor(req, res);
    w.writeHeader(200, { 'content-type': 'application/x-ndjson' });
    await writeNdjson(w, (function* () {
      for (let i = 0; i < rows; i++) yield { i, at: Date.now(), protocol: w.protocol };
    })());
    return;
  }
  if (url.pathname === '/ticks') {
    // A slow stream with a flush per line, trailers at the end, and prompt cleanup when the peer leaves.
    const count = intParam(url, 'count', 10, 1000);
    const w: StreamWriter = writerFor(req, res);
    w.writeHeader(200, { 'content-type': 'text/plain; charset=utf-8', trailer: 'x-ticks', 'cache-control': 'no-store' });
    let n = 0;
    for (; n < count && !w.signal.aborted; n++) {
      await w.write(`tick ${n} over ${w.protocol}\n`);
      await w.flush();
      await sleep(200, w.signal);
    }
    if (!w.signal.aborted) await w.close({ 'x-ticks': String(n) });
    return;
  }
  if (url.pathname === '/bytes') {
    const mib = intParam(url, 'mib', 64, 4096);
    const w = writerFor(req, res);
    w.writeHeader(200, { 'content-type': 'application/octet-stream', 'content-length': String(mib * 1024 * 1024) });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < mib * 16; i++) await w.write(chunk);
    await w.close();
    return;
  }
  const w = writerFor(req, res);
  w.writeHeader(404, { 'content-type': 'text/plain' });
  await w.write('not found\n');
  await w.close();
}

function handle(req: Req, res: Res, publicDir: string): void {
  route(req, res, publicDir).catch((error: unknown) => {
    // A peer that left is normal; anything else is logged.
    if ((error as { code?: string }).code !== 'ERR_SLUICE_PEER_GONE') console.error('demo:', error);
    if (!res.headersSent) {
      res.statusCode = 500;
      res.end();
    } else res.destroy();
  });
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * One TCP port for both protocols: a connection that opens with the HTTP/2 preface goes to the
 * h2c server, anything else to the HTTP/1.1 server (browsers speak HTTP/1.1 to it, `curl
 * --http2-prior-knowledge` and node's http2 client speak h2c).
 */
export function createDemoServer(options: { publicDir: string }): net.Server {
  // Files under publicDir are served at /files/ by @sluice/sendfile (ranges, conditionals, safe paths).
  const handler = (req: Req, res: Res): void => handle(req, res, options.publicDir);
  const h1 = http.createServer(handler);
  const h2 = http2.createServer({}, handler);
  return net.createServer((socket) => {
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      const isH2 = first.length >= 3 && PREFACE.subarray(0, Math.min(first.length, PREFACE.length)).equals(first.subarray(0, Math.min(first.length, PREFACE.length)));
      if (isH2) {
        // node:http2 reads what is already buffered on the socket before taking over its handle.
        h2.emit('connection', socket);
      } else {
        h1.emit('connection', socket);
        socket.resume();
      }
    });
    socket.on('error', () => socket.destroy());
  });
}
