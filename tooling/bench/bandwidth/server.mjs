// Our side of the bandwidth-rate suite: a node:http server that streams files from ROOT through
// throttle(writerFor(req, res), limit). `?mbps=N` gives the response its own TokenBucket; `?fair`
// sends it through one BandwidthLimiter whose global cap is FAIR_MBPS. Prints {"port":N} when ready.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BandwidthLimiter, TokenBucket, throttle } from '../../../packages/bandwidth/dist/esm/index.js';
import { writerFor } from '../../../packages/h2-flow/dist/esm/index.js';

const [root, fairMbps] = process.argv.slice(2);
const fair = new BandwidthLimiter({ global: { mbps: Number(fairMbps) } });

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const file = path.join(root, path.basename(url.pathname));
  const limit = url.searchParams.has('fair') ? fair : new TokenBucket({ mbps: Number(url.searchParams.get('mbps')) });
  const writer = throttle(writerFor(req, res), limit, { connection: req.socket });
  writer.writeHeader(200, { 'content-type': 'application/octet-stream' });
  pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), writer.toWritable()).catch(() => {});
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
