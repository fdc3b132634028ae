#!/usr/bin/env node
// Rate-limit accuracy and fairness: @sluice/bandwidth (throttle + TokenBucket / BandwidthLimiter on
// node:http, in a child process) vs nginx `limit_rate` (Debian nginx 1.22, started unprivileged
// with `nginx -p DIR -c FILE` on 127.0.0.1), measured at the client, which reads promptly.
//
// Needs the build: `npx --yes pnpm@10 --filter @sluice/bandwidth... build`.
// Env: BANDWIDTH_BENCH_SECONDS (default 3) per download, BANDWIDTH_BENCH_REPS (default 3), medians.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, table } from '../lib/stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BANDWIDTH_BENCH_SECONDS ?? 3);
const REPS = Number(process.env.BANDWIDTH_BENCH_REPS ?? 3);
const TARGETS = [10, 100, 1000]; // Mbps
const FAIR_MBPS = 100;
const FAIR_CONNS = 8;
const BYTES_PER_MBPS = 125_000;
// Bytes after this long count as "steady": nginx grants one second of credit at the start.
const STEADY_FROM_MS = 1200;
const PEAK_WINDOW_MS = 250;

// The whole suite is bounded: whatever happens, it stops.
const deadline = setTimeout(() => {
  console.error('bandwidth-rate: over its time budget, stopping');
  cleanup();
  process.exit(1);
}, 240_000);
deadline.unref();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bw-'));
fs.chmodSync(dir, 0o755); // nginx workers may run as nobody
const www = path.join(dir, 'www');
fs.mkdirSync(www, { mode: 0o755 });
const files = {};
for (const mbps of TARGETS) files[mbps] = sparseFile(`r${mbps}.bin`, mbps * BYTES_PER_MBPS * SECONDS);
sparseFile('fair.bin', 4 * FAIR_MBPS * BYTES_PER_MBPS * SECONDS);

function sparseFile(name, size) {
  const p = path.join(www, name);
  const fd = fs.openSync(p, 'w', 0o644);
  fs.ftruncateSync(fd, size); // sparse: reads are free, so the disk is never what we measure
  fs.closeSync(fd);
  return { name, size };
}

let ours;
let nginxPid = null;
function cleanup() {
  if (ours && ours.exitCode === null) ours.kill('SIGTERM');
  if (nginxPid) {
    try {
      process.kill(nginxPid, 'SIGQUIT');
    } catch {}
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startOurs() {
  const child = spawn(process.execPath, [path.join(here, '../bandwidth/server.mjs'), www, String(FAIR_MBPS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  ours = child;
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d)).port));
    child.once('exit', (code) => reject(new Error(`our server exited with ${code}`)));
  });
  return port;
}

async function startNginx() {
  const which = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' });
  const bin = which.stdout.trim().split('\n')[0];
  if (!bin) return null;
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${www};
    # bytes per second, from the query: limit_rate takes variables since 1.17.0
    limit_rate $arg_rate;
  }
}
`,
  );
  const r = spawnSync(bin, ['-p', dir, '-c', conf], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`nginx did not start: ${r.stderr}`);
    return null;
  }
  for (let i = 0; i < 50 && !fs.existsSync(`${dir}/nginx.pid`); i++) await new Promise((res) => setTimeout(res, 20));
  nginxPid = Number(fs.readFileSync(`${dir}/nginx.pid`, 'utf8'));
  const version = spawnSync(bin, ['-v'], { encoding: 'utf8' }).stderr.trim();
  return { port, version };
}

/** GET on its own connection, reading promptly; stops after `stopAfterMs` if given. */
function download(port, pathAndQuery, stopAfterMs) {
  return new Promise((resolve, reject) => {
    const d = { t0: performance.now(), tEnd: 0, bytes: 0, samples: [] };
    const req = http.get({ host: '127.0.0.1', port, path: pathAndQuery, agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode} for ${pathAndQuery}`));
      let timer;
      const finish = () => {
        clearTimeout(timer);
        d.tEnd = performance.now();
        resolve(d);
      };
      if (stopAfterMs) {
        timer = setTimeout(() => {
          finish();
          res.destroy();
        }, stopAfterMs);
      }
      res.on('data', (c) => {
        d.bytes += c.length;
        d.samples.push([performance.now(), d.bytes]);
      });
      res.on('end', finish);
      res.on('error', () => finish());
    });
    req.on('error', reject);
  });
}

function bytesAt(d, t) {
  let best = 0;
  for (const [ts, b] of d.samples) {
    if (ts > t) break;
    best = b;
  }
  return best;
}

const jain = (xs) => xs.reduce((a, b) => a + b, 0) ** 2 / (xs.length * xs.reduce((a, b) => a + b * b, 0));
const mbpsOf = (bytes, ms) => (bytes * 8) / 1e6 / (ms / 1000);

/** One timed download of SECONDS worth at `mbps`: average from request start, and the steady part. */
async function rateRun(port, mbps, query) {
  const d = await download(port, `/r${mbps}.bin?${query}`);
  const avg = mbpsOf(d.bytes, d.tEnd - d.t0);
  const from = d.t0 + STEADY_FROM_MS;
  const steady = mbpsOf(d.bytes - bytesAt(d, from), d.tEnd - from);
  // Smoothness: the fastest 250 ms of the steady part (a shaper that sends in lumps shows here).
  let peak = 0;
  for (let t = from; t + PEAK_WINDOW_MS <= d.tEnd; t += 50) peak = Math.max(peak, mbpsOf(bytesAt(d, t + PEAK_WINDOW_MS) - bytesAt(d, t), PEAK_WINDOW_MS));
  return { avg, steady, peak, bytes: d.bytes };
}

/** FAIR_CONNS downloads at once; the shares in the window after the first half second. */
async function fairRun(port, query) {
  const t0 = performance.now();
  const ds = await Promise.all(Array.from({ length: FAIR_CONNS }, () => download(port, `/fair.bin?${query}`, SECONDS * 1000)));
  const [from, to] = [t0 + 500, t0 + SECONDS * 1000 - 50];
  const shares = ds.map((d) => bytesAt(d, to) - bytesAt(d, from));
  return { jain: jain(shares), total: mbpsOf(shares.reduce((a, b) => a + b, 0), to - from) };
}

const pct = (x, target) => `${x >= target ? '+' : ''}${(((x - target) / target) * 100).toFixed(1)} %`;

try {
  const oursPort = await startOurs();
  const nginx = await startNginx();
  if (!nginx) console.log('nginx not found or failed to start: its columns stay empty (apt-get install -y nginx)');
  console.log(`${REPS} runs of ${SECONDS} s each, medians; client: node:http reading promptly; ours: ${process.version}; nginx: ${nginx?.version ?? 'n/a'}`);
  const rows = [];
  for (const mbps of TARGETS) {
    const o = [];
    const n = [];
    for (let i = 0; i < REPS; i++) {
      o.push(await rateRun(oursPort, mbps, `mbps=${mbps}`));
      if (nginx) n.push(await rateRun(nginx.port, mbps, `rate=${mbps * BYTES_PER_MBPS}`));
    }
    const oa = median(o.map((r) => r.avg));
    const os_ = median(o.map((r) => r.steady));
    const na = n.length ? median(n.map((r) => r.avg)) : null;
    const ns = n.length ? median(n.map((r) => r.steady)) : null;
    rows.push({
      'target Mbps': mbps,
      'ours avg': oa,
      'ours steady': os_,
      'ours error': pct(oa, mbps),
      'ours peak 250ms': median(o.map((r) => r.peak)),
      'nginx avg': na ?? '',
      'nginx steady': ns ?? '',
      'nginx error': na === null ? '' : pct(na, mbps),
      'nginx peak 250ms': n.length ? median(n.map((r) => r.peak)) : '',
    });
  }
  console.log('\nRate accuracy: avg = bytes / time from request start; steady = after the first 1.2 s; error = avg vs target; peak 250ms = fastest 250 ms window of the steady part');
  table(rows);

  const fo = [];
  const fn = [];
  for (let i = 0; i < REPS; i++) {
    fo.push(await fairRun(oursPort, 'fair'));
    if (nginx) fn.push(await fairRun(nginx.port, `rate=${Math.round((FAIR_MBPS * BYTES_PER_MBPS) / FAIR_CONNS)}`));
  }
  console.log(`\nFairness: ${FAIR_CONNS} downloads, ${FAIR_MBPS} Mbps in all (ours: one global bucket; nginx: limit_rate ${FAIR_MBPS}/${FAIR_CONNS} Mbps each, it has no global cap)`);
  const frow = (name, rs) => ({
    server: name,
    'Jain index': rs.length ? median(rs.map((r) => r.jain)).toFixed(4) : '',
    'total Mbps': rs.length ? median(rs.map((r) => r.total)) : '',
    'error': rs.length ? pct(median(rs.map((r) => r.total)), FAIR_MBPS) : '',
  });
  table([frow('ours', fo), frow('nginx', fn)]);
} finally {
  cleanup();
}
