#!/usr/bin/env node
// Many downloads at once for the concurrency suite:
//   node concurrent-client.mjs <h1|h2c> <url> <downloads> <limitBytes>
// opens <downloads> connections at once (one stream each on h2c), reads each promptly until it
// has <limitBytes> bytes or the body ends, then closes it. Prints JSON:
// { started, complete, cut, failed, bytes, seconds, allOpenAtOnce }.
import { request } from 'node:http';
import { connect } from 'node:http2';

const [proto, url, nStr, limitStr] = process.argv.slice(2);
const n = Number(nStr);
const limit = Number(limitStr);
const u = new URL(url);
let bytes = 0;
let complete = 0;
let cut = 0;
let failed = 0;
let open = 0;
let maxOpen = 0;
const t0 = process.hrtime.bigint();

function one() {
  return new Promise((resolve) => {
    let got = 0;
    let settled = false;
    const done = (kind) => {
      if (settled) return;
      settled = true;
      open--;
      if (kind === 'complete') complete++;
      else if (kind === 'cut') cut++;
      else failed++;
      resolve();
    };
    open++;
    maxOpen = Math.max(maxOpen, open);
    if (proto === 'h2c') {
      const session = connect(u.origin, { settings: { initialWindowSize: 4 << 20 } });
      session.on('error', () => done('failed'));
      const req = session.request({ ':path': u.pathname });
      req.on('response', (h) => {
        if (h[':status'] !== 200) done('failed');
      });
      req.on('data', (d) => {
        got += d.length;
        bytes += d.length;
        if (got >= limit) {
          req.close(8); // RST_STREAM CANCEL: the server must stop and free what it holds
          session.destroy();
          done('cut');
        }
      });
      req.on('end', () => {
        session.close();
        done('complete');
      });
      req.on('error', () => done(got >= limit ? 'cut' : 'failed'));
    } else {
      const req = request({ host: u.hostname, port: u.port, path: u.pathname, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return done('failed');
        }
        res.on('data', (d) => {
          got += d.length;
          bytes += d.length;
          if (got >= limit) {
            req.destroy();
            done('cut');
          }
        });
        res.on('end', () => done(res.complete ? 'complete' : 'failed'));
        res.on('error', () => done(got >= limit ? 'cut' : 'failed'));
      });
      req.on('error', () => done(got >= limit ? 'cut' : 'failed'));
      req.end();
    }
  });
}

await Promise.all(Array.from({ length: n }, one));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ started: n, complete, cut, failed, bytes, seconds, maxOpen }));
