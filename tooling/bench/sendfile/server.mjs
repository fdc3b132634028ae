#!/usr/bin/env node
// One file server in its own process, so its peak RSS is its own:
//   node server.mjs <sluice|sluice-base|send> <h1|h2c> <root>
// prints the port on stdout, exits on SIGTERM. `sluice-base` loads another build of @sluice/sendfile
// (SLUICE_BENCH_BASE_DIST=/path/to/dist/esm/index.js), for before/after runs side by side.
import { createServer as createH1 } from 'node:http';
import { createServer as createH2 } from 'node:http2';
import { createRequire } from 'node:module';

const [impl, proto, root] = process.argv.slice(2);
const require = createRequire(new URL('../../../packages/sendfile/package.json', import.meta.url));
let listener;
if (impl === 'sluice' || impl === 'sluice-base') {
  const dist = impl === 'sluice' ? '../../../packages/sendfile/dist/esm/index.js' : process.env.SLUICE_BENCH_BASE_DIST;
  if (!dist) throw new Error('sluice-base needs SLUICE_BENCH_BASE_DIST');
  const { serveStatic } = await import(dist);
  // SLUICE_BENCH_HWM: read size in bytes (default: the package's, 1 MiB).
  listener = serveStatic(root, process.env.SLUICE_BENCH_HWM ? { highWaterMark: Number(process.env.SLUICE_BENCH_HWM) } : {});
} else if (impl === 'send') {
  // send, as most Node servers use it: through serve-static (which pins send ^1.2).
  const serveStatic = require('serve-static');
  const mw = serveStatic(root, { fallthrough: false });
  listener = (req, res) => mw(req, res, (err) => {
    res.statusCode = err?.statusCode ?? 404;
    res.end();
  });
} else if (impl === 'raw') {
  // The ceiling of node's own http/http2 write path: one preallocated 1 MiB buffer written over and
  // over (no file, no checks, no StreamWriter), with back-pressure. Not a file server: for figures only.
  const { statSync } = await import('node:fs');
  const { join } = await import('node:path');
  const block = Buffer.alloc(1 << 20, 97);
  listener = (req, res) => {
    const size = statSync(join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname))).size;
    res.writeHead(200, { 'content-length': String(size), 'content-type': 'application/octet-stream' });
    let left = size;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, block.length);
        left -= n;
        if (!res.write(n === block.length ? block : block.subarray(0, n))) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  };
} else throw new Error(`unknown implementation ${impl}`);

const server = proto === 'h2c' ? createH2({ settings: { initialWindowSize: 1 << 20 } }, listener) : createH1(listener);
if (proto !== 'h2c') server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.on('SIGTERM', () => process.exit(0));
