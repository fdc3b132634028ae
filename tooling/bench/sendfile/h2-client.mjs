#!/usr/bin/env node
// A node:http2 reader for the throughput suite: `node h2-client.mjs <url>` prints "<status> <bytes>".
// Windows at the maximum (2^31-1) and, with SLUICE_BENCH_MAX_FRAME=1, SETTINGS_MAX_FRAME_SIZE at
// 2^24-1 so the server may send 16 MiB DATA frames instead of 16 KiB ones.
import { connect } from 'node:http2';

const url = new URL(process.argv[2]);
const settings = { initialWindowSize: 2 ** 31 - 1, ...(process.env.SLUICE_BENCH_MAX_FRAME === '1' ? { maxFrameSize: 2 ** 24 - 1 } : {}) };
const session = connect(url.origin, { settings });
session.on('connect', () => session.setLocalWindowSize(2 ** 31 - 1));
session.on('error', (e) => {
  console.error(e.message);
  process.exit(1);
});
const req = session.request({ ':path': url.pathname });
let status = 0;
let n = 0;
req.on('response', (h) => (status = h[':status']));
req.on('data', (d) => (n += d.length));
req.on('end', () => {
  console.log(`${status} ${n}`);
  session.close();
});
req.on('error', (e) => {
  console.error(e.message);
  process.exit(1);
});
