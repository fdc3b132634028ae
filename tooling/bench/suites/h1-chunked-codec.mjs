// h1-chunked codec: ChunkedDecoder on a raw socket vs Node's own llhttp (http.createServer) decoding
// the same chunked request body from the same client, side by side, medians of several runs.
// Needs `packages/h1-chunked` built (dist/esm). Env: BENCH_CHUNKED_MIB (default 128), BENCH_RUNS (5).
import http from 'node:http';
import net from 'node:net';
import { ChunkedDecoder, ChunkedEncoder } from '../../../packages/h1-chunked/dist/esm/index.js';
import { median, peakRssMiB, table } from '../lib/stats.mjs';

const TOTAL_MIB = Number(process.env.BENCH_CHUNKED_MIB || 128);
const RUNS = Number(process.env.BENCH_RUNS || 5);
const HEAD = 'POST /upload HTTP/1.1\r\nHost: bench\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n';

/** The request body, encoded once with ChunkedEncoder, as the list of buffers the client writes. */
async function encodedBody(chunkSize, totalBytes) {
  const enc = new ChunkedEncoder({ trailers: { 'x-sum': 'bench' } });
  const out = [];
  enc.on('data', (b) => out.push(b));
  const done = new Promise((r) => enc.on('end', r));
  const data = Buffer.alloc(chunkSize, 0x61);
  for (let sent = 0; sent < totalBytes; sent += chunkSize) enc.write(data);
  enc.end();
  await done;
  // Coalesce into 64 KiB writes so both servers see the same socket reads.
  const wire = Buffer.concat(out);
  const writes = [];
  for (let i = 0; i < wire.length; i += 65536) writes.push(wire.subarray(i, i + 65536));
  return writes;
}

function sendFrom(port, writes) {
  const c = net.connect(port, '127.0.0.1', async () => {
    c.write(HEAD);
    for (const w of writes) if (!c.write(w)) await new Promise((r) => c.once('drain', r));
  });
  c.on('error', () => {});
  c.resume();
  return c;
}

/** Ours: a net server that hands the bytes after the head to ChunkedDecoder. */
function runOurs(writes, expected) {
  return new Promise((resolve, reject) => {
    let t0 = 0;
    const server = net.createServer((socket) => {
      let head = Buffer.alloc(0);
      const dec = new ChunkedDecoder();
      let got = 0;
      dec.on('data', (b) => (got += b.length));
      dec.on('error', reject);
      dec.on('end', () => {
        const ms = performance.now() - t0;
        if (got !== expected) reject(new Error(`ours decoded ${got} of ${expected}`));
        socket.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
        server.close(() => resolve(ms));
      });
      const onHead = (chunk) => {
        if (!t0) t0 = performance.now();
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onHead);
        dec.write(head.subarray(end + 4));
        socket.pipe(dec);
      };
      socket.on('data', onHead);
    });
    server.listen(0, '127.0.0.1', () => sendFrom(server.address().port, writes));
  });
}

/** Baseline: Node's http server, whose llhttp parser decodes the chunked body. */
function runNode(writes, expected) {
  return new Promise((resolve, reject) => {
    let t0 = 0;
    const server = http.createServer((req, res) => {
      let got = 0;
      req.on('data', (b) => (got += b.length));
      req.on('end', () => {
        const ms = performance.now() - t0;
        if (got !== expected) reject(new Error(`node decoded ${got} of ${expected}`));
        res.writeHead(204, { connection: 'close' }).end();
        server.close(() => resolve(ms));
      });
    });
    server.on('connection', (s) => s.once('data', () => (t0 ||= performance.now())));
    server.listen(0, '127.0.0.1', () => sendFrom(server.address().port, writes));
  });
}

/** In memory, no socket: the parser alone. */
function runInMemory(writes, expected) {
  return new Promise((resolve, reject) => {
    const dec = new ChunkedDecoder();
    let got = 0;
    dec.on('data', (b) => (got += b.length));
    dec.on('error', reject);
    const t0 = performance.now();
    dec.on('end', () => (got === expected ? resolve(performance.now() - t0) : reject(new Error('short'))));
    for (const w of writes) dec.write(w);
    dec.end();
  });
}

const rows = [];
for (const chunkSize of [64 * 1024, 1024]) {
  const mib = chunkSize >= 65536 ? TOTAL_MIB : Math.max(8, TOTAL_MIB / 4);
  const total = mib * 1024 * 1024;
  const writes = await encodedBody(chunkSize, total);
  const ours = [];
  const node = [];
  const mem = [];
  await runOurs(writes, total); // warm-up
  await runNode(writes, total);
  for (let i = 0; i < RUNS; i++) {
    ours.push(await runOurs(writes, total));
    node.push(await runNode(writes, total));
    mem.push(await runInMemory(writes, total));
    globalThis.gc?.();
  }
  const mibps = (ms) => mib / (ms / 1000);
  rows.push({
    body: `${mib} MiB in ${chunkSize >= 1024 ? `${chunkSize / 1024} KiB` : `${chunkSize} B`} chunks`,
    'ChunkedDecoder MiB/s': mibps(median(ours)),
    'node llhttp MiB/s': mibps(median(node)),
    'ours / node': median(node) / median(ours),
    'in-memory decode MiB/s': mibps(median(mem)),
  });
}
table(rows);
console.log(`medians of ${RUNS} runs, 127.0.0.1, node ${process.version}; peak RSS ${peakRssMiB()?.toFixed(0) ?? '?'} MiB (whole suite process)`);
