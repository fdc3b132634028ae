// One benchmark server per process, so each contender's peak RSS and CPU time are its own:
//   node server.mjs <kind>
// prints {"port":N} on stdout once listening on 127.0.0.1. Sizes come from the query string
// (?bytes=N&chunk=N for downloads, ?rows=N for NDJSON), so one server serves warm-ups and full runs.
// SIGTERM exits cleanly (so `node --cpu-prof` writes its profile).
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { row } from './rows.mjs';

const { writerFor, writerForStream, tuneUploadWindows } = await import('../../../packages/h2-flow/dist/esm/index.js');
const { writeNdjson } = await import('../../../packages/stream-core/dist/esm/index.js');

const kind = process.argv[2];
const chunks = new Map();
/** One random buffer per chunk size, reused for every write (all contenders do the same). */
const chunkOf = (size) => chunks.get(size) ?? (chunks.set(size, randomBytes(size)), chunks.get(size));

function params(url) {
  const q = new URL(url, 'http://x').searchParams;
  const bytes = Number(q.get('bytes') ?? 0);
  const chunk = Number(q.get('chunk') ?? 65536);
  return { bytes, chunk, rows: Number(q.get('rows') ?? 0) };
}

/** Yields the chunks of a `bytes`-long body: full chunks, then a short one if needed. */
function* pieces(bytes, chunk) {
  const buf = chunkOf(chunk);
  let left = bytes;
  while (left >= chunk) {
    yield buf;
    left -= chunk;
  }
  if (left > 0) yield buf.subarray(0, left);
}

function* rows(n) {
  for (let i = 0; i < n; i++) yield row(i);
}

/** Waits for 'drain', or gives up when the response closes (a client that left): no loop hangs. */
function drained(emitter) {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      emitter.removeListener('close', onClose);
      resolve();
    };
    const onClose = () => {
      emitter.removeListener('drain', onDrain);
      reject(new Error('closed while waiting for drain'));
    };
    emitter.once('drain', onDrain);
    emitter.once('close', onClose);
  });
}

const OCTETS = { 'content-type': 'application/octet-stream' };
const NDJSON = { 'content-type': 'application/x-ndjson' };

// --- HTTP/1.1 ---------------------------------------------------------------------------------

const h1 = {
  /** StreamWriter: `await w.write(chunk)` per chunk. */
  async 'h1-sluice'(req, res) {
    const { bytes, chunk } = params(req.url);
    const w = writerFor(req, res);
    w.writeHeader(200, OCTETS);
    for (const piece of pieces(bytes, chunk)) await w.write(piece);
    await w.close();
  },
  /** The hand-written loop every Node tutorial shows. */
  async 'h1-hand'(req, res) {
    const { bytes, chunk } = params(req.url);
    res.writeHead(200, OCTETS);
    for (const piece of pieces(bytes, chunk)) if (!res.write(piece)) await drained(res);
    res.end();
  },
  async 'ndjson-sluice-write'(req, res) {
    const { rows: n } = params(req.url);
    const w = writerFor(req, res);
    w.writeHeader(200, NDJSON);
    for (let i = 0; i < n; i++) await w.write(JSON.stringify(row(i)) + '\n');
    await w.close();
  },
  async 'ndjson-sluice-helper'(req, res) {
    const { rows: n } = params(req.url);
    const w = writerFor(req, res);
    w.writeHeader(200, NDJSON);
    await writeNdjson(w, rows(n));
  },
  async 'ndjson-reswrite'(req, res) {
    const { rows: n } = params(req.url);
    res.writeHead(200, NDJSON);
    for (let i = 0; i < n; i++) if (!res.write(JSON.stringify(row(i)) + '\n')) await drained(res);
    res.end();
  },
};

// --- HTTP/2 (h2c) -----------------------------------------------------------------------------

const h2stream = {
  async 'h2-sluice'(stream, headers) {
    const { bytes, chunk } = params(headers[':path']);
    const w = writerForStream(stream);
    w.writeHeader(200, OCTETS);
    for (const piece of pieces(bytes, chunk)) await w.write(piece);
    await w.close();
  },
  async 'h2-raw'(stream, headers) {
    const { bytes, chunk } = params(headers[':path']);
    stream.respond({ ':status': 200, ...OCTETS });
    for (const piece of pieces(bytes, chunk)) if (!stream.write(piece)) await drained(stream);
    stream.end();
  },
  /** Uploads: count what arrives, answer with the count. */
  async upload(stream) {
    let n = 0;
    stream.on('data', (c) => (n += c.length));
    await once(stream, 'end');
    const { session } = stream;
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    // The receive windows this server granted: per stream (SETTINGS) and for the connection.
    stream.end(JSON.stringify({ bytes: n, streamWindow: session.localSettings.initialWindowSize, connectionWindow: session.state.effectiveLocalWindowSize }));
  },
};

function fail(where, error) {
  if (error?.message !== 'closed while waiting for drain') console.error(`[${kind}] ${where}:`, error?.message ?? error);
}

let server;
switch (kind) {
  case 'h1-sluice':
  case 'h1-hand':
  case 'ndjson-sluice-write':
  case 'ndjson-sluice-helper':
  case 'ndjson-reswrite': {
    const handler = h1[kind];
    server = http.createServer((req, res) => handler(req, res).catch((e) => (fail('handler', e), res.destroy())));
    break;
  }
  case 'h1-net': {
    // The ceiling: a TCP pump of the same bytes behind a minimal HTTP/1.1 head, no HTTP machinery.
    server = net.createServer((socket) => {
      // Nagle off, as node:http servers have it by default (`noDelay: true`): with Nagle on, the
      // short last segment of every 64 KiB write waits for an ACK and the pump runs at half speed.
      socket.setNoDelay(true);
      socket.on('error', () => {});
      let head = '';
      const onData = async (d) => {
        head += d.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        socket.removeListener('data', onData);
        const { bytes, chunk } = params(head.split(' ')[1]);
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${bytes}\r\nconnection: close\r\n\r\n`);
        try {
          for (const piece of pieces(bytes, chunk)) if (!socket.write(piece)) await drained(socket);
          socket.end();
        } catch (e) {
          fail('net pump', e);
          socket.destroy();
        }
      };
      socket.on('data', onData);
    });
    break;
  }
  case 'ndjson-hono': {
    const { Hono } = await import('hono');
    const { stream } = await import('hono/streaming');
    const { serve } = await import('@hono/node-server');
    const app = new Hono();
    app.get('*', (c) => {
      const n = Number(c.req.query('rows') ?? 0);
      c.header('content-type', 'application/x-ndjson');
      return stream(c, async (s) => {
        for (let i = 0; i < n; i++) await s.write(JSON.stringify(row(i)) + '\n');
      });
    });
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    break;
  }
  case 'h2-sluice':
  case 'h2-raw': {
    const handler = h2stream[kind];
    server = http2.createServer();
    server.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      handler(stream, headers).catch((e) => (fail('handler', e), stream.destroy()));
    });
    break;
  }
  case 'h2-compat': {
    // writerFor() on the compatibility API (req, res), the form Express-style handlers use.
    server = http2.createServer(async (req, res) => {
      try {
        const { bytes, chunk } = params(req.url);
        const w = writerFor(req, res);
        w.writeHeader(200, OCTETS);
        for (const piece of pieces(bytes, chunk)) await w.write(piece);
        await w.close();
      } catch (e) {
        fail('handler', e);
        res.stream?.destroy();
      }
    });
    break;
  }
  case 'upload-tuned':
  case 'upload-default': {
    server = http2.createServer();
    // BENCH_TUNED_WINDOW (bytes) overrides tuneUploadWindows' 16 MiB default, for window sweeps.
    const window = Number(process.env.BENCH_TUNED_WINDOW) || undefined;
    if (kind === 'upload-tuned') tuneUploadWindows(server, { streamWindow: window, connectionWindow: window });
    server.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      h2stream.upload(stream, headers).catch((e) => (fail('upload', e), stream.destroy()));
    });
    break;
  }
  default:
    console.error(`unknown server kind ${kind}`);
    process.exit(2);
}

server.on('error', (e) => fail('server', e));
if (!server.listening) server.listen(0, '127.0.0.1');
if (!server.listening) await once(server, 'listening');
process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
// Never outlive the suite that started us: it holds our stdin open.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
