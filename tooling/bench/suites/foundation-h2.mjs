#!/usr/bin/env node
// Foundation benchmark 3 (issue 3), HTTP/2 over cleartext (h2c, prior knowledge), one server
// process per contender, interleaved runs (BENCH_RUNS, default 5), ratios = medians of per-run ratios.
//
// Download: BENCH_BYTES (default 1 GiB) in BENCH_CHUNK (64 KiB) writes:
//   StreamWriter via writerForStream(stream) (core API), `await w.write(chunk)` per chunk
//   StreamWriter via writerFor(req, res) on the compatibility API (for information)
//   vs raw `stream.write(chunk) || await once(stream, 'drain')` (the baseline). Target ≥ 0.95×.
// The client is nghttp2's h2load when installed (C, one connection, one request, 16 MiB receive
// windows; the node:http2 client saturates its core near 1 GiB/s, below what these servers send),
// else (or with BENCH_H2_CLIENT=node) node:http2 with its receive windows raised to
// BENCH_H2_CLIENT_WINDOW (default 16 MiB; 0 = Node's 64 KiB defaults). Either way the server, not
// the client's flow control, is measured, and the same client reads every contender.
//
// Upload: BENCH_UPLOAD_BYTES (default 256 MiB) POSTed in 64 KiB writes by a node:http2 client with
// Node's default settings (a client's own settings do not limit what it may send; the server's
// receive windows do), to a server with tuneUploadWindows(server) (16 MiB stream and connection
// windows) vs a server with Node's defaults (64 KiB − 1 per stream and per connection, RFC 9113).
// Target: tuned ≥ 3× default. Measured twice:
//   loopback: RTT is tens of microseconds, so a 64 KiB window barely throttles;
//   delayed:  through a userspace TCP proxy in this process that holds every chunk BENCH_DELAY_MS
//             (default 2 ms; a comma list runs each) each way (RTT ≈ 2 × that, measured with PING
//             and printed; Node timers make 1 ms the least), the case
//             window tuning exists for: throughput ≤ window ÷ RTT. BENCH_DELAYED_UPLOAD_BYTES
//             (default 64 MiB, the default-window side runs at ~window/RTT) sets its size.
import { table } from '../lib/stats.mjs';
import { env, expect, GiB, h2Get, h2loadGet, hasH2load, h2PingMs, h2Upload, interleave, med, MiB, ratio, RUNS, startDelayProxy, startServer, stopAll, RSS_NOTE } from '../foundation/harness.mjs';

const BYTES = env('BENCH_BYTES', GiB);
const CHUNK = env('BENCH_CHUNK', 64 * 1024);
const CLIENT_WINDOW = env('BENCH_H2_CLIENT_WINDOW', 16 * MiB);
const UPLOAD = env('BENCH_UPLOAD_BYTES', 256 * MiB);
const DELAYED_UPLOAD = env('BENCH_DELAYED_UPLOAD_BYTES', 64 * MiB);
const DELAYS_MS = String(process.env.BENCH_DELAY_MS || '2').split(',').map(Number).filter((d) => d > 0);
const parts = (process.env.BENCH_PARTS ?? 'download,upload,delayed').split(',');

const rss = (v) => (v === null || v === undefined ? 'n/a' : Math.round(v));
const range = (rs) => `${Math.min(...rs.map((r) => r.mibs)).toFixed(0)}–${Math.max(...rs.map((r) => r.mibs)).toFixed(0)}`;
const verdicts = [];

async function download() {
  const kinds = ['h2-sluice', 'h2-compat', 'h2-raw'];
  const names = { 'h2-sluice': 'StreamWriter (writerForStream)', 'h2-compat': 'StreamWriter (writerFor, compat API)', 'h2-raw': 'stream.write + drain' };
  const servers = [];
  try {
    for (const k of kinds) servers.push(await startServer(k));
    const windows = CLIENT_WINDOW > 0 ? CLIENT_WINDOW : undefined;
    const useH2load = hasH2load && process.env.BENCH_H2_CLIENT !== 'node';
    const get = async (s, bytes) => {
      const path = `/?bytes=${bytes}&chunk=${CHUNK}`;
      const r = useH2load ? await h2loadGet(s.port, path, {}) : await h2Get(s.port, path, { windows });
      expect(r.status === 200 && r.bodyBytes === bytes, `${s.kind}: status ${r.status}, ${r.bodyBytes} of ${bytes} bytes`);
      return { ...r, mibs: bytes / MiB / r.seconds };
    };
    const results = await interleave(servers, { label: 'h2 download', warmup: (s) => get(s, Math.min(BYTES, 64 * MiB)), measure: (s) => get(s, BYTES) });
    const raw = results['h2-raw'];
    console.log(`\nh2c download: ${BYTES / MiB} MiB in ${CHUNK / 1024} KiB writes, ${useH2load ? 'h2load client (receive windows 16 MiB)' : `node:http2 client (receive windows ${windows ? `${windows / MiB} MiB` : 'Node defaults'})`}, median of ${RUNS} interleaved runs`);
    table(
      kinds.map((k) => ({
        case: names[k],
        'MiB/s': Math.round(med(results[k], 'mibs')),
        'min–max MiB/s': range(results[k]),
        '÷ stream.write': k === 'h2-raw' ? 1 : ratio(results[k], raw, 'mibs'),
        'server CPU s/GiB': median1(results[k].map((r) => r.serverCpu / (BYTES / GiB))),
        'server peak RSS MiB': rss(servers.find((s) => s.kind === k).peakRss()),
      })),
    );
    const r = ratio(results['h2-sluice'], raw, 'mibs');
    verdicts.push(`target: h2c download StreamWriter ≥ 0.95× stream.write → ${r.toFixed(3)}× ${r >= 0.95 ? 'MET' : 'MISSED'}`);
  } finally {
    await stopAll(servers);
  }
}

const median1 = (xs) => med(xs.map((v) => ({ v })), 'v');

async function upload(delayMs, bytes) {
  const kinds = ['upload-tuned', 'upload-default'];
  const servers = [];
  const proxies = [];
  try {
    for (const k of kinds) servers.push(await startServer(k));
    const ports = {};
    for (const s of servers) {
      if (delayMs > 0) {
        const p = await startDelayProxy(s.port, delayMs);
        proxies.push(p);
        ports[s.kind] = p.port;
      } else ports[s.kind] = s.port;
    }
    const rtt = await h2PingMs(ports['upload-default']);
    const windows = {};
    const put = async (s, n) => {
      const r = await h2Upload(ports[s.kind], n, 64 * 1024);
      expect(r.bytes === n, `${s.kind}: server counted ${r.bytes} of ${n} bytes`);
      windows[s.kind] = r.server;
      return { ...r, mibs: n / MiB / r.seconds };
    };
    const label = delayMs > 0 ? `h2 upload +${delayMs} ms` : 'h2 upload loopback';
    const results = await interleave(servers, { label, warmup: (s) => put(s, Math.min(bytes, 16 * MiB)), measure: (s) => put(s, bytes) });
    const where = delayMs > 0 ? `through a proxy delaying each chunk ${delayMs} ms each way (PING RTT ${rtt.toFixed(2)} ms)` : `loopback (PING RTT ${rtt.toFixed(2)} ms)`;
    console.log(`\nh2c upload: ${bytes / MiB} MiB in 64 KiB writes, node:http2 client with default settings, ${where}, median of ${RUNS} interleaved runs`);
    const w = (k) => (windows[k] ? `${fmtWin(windows[k].streamWindow)} / ${fmtWin(windows[k].connectionWindow)}` : 'n/a');
    table(
      kinds.map((k) => ({
        case: k === 'upload-tuned' ? 'tuneUploadWindows(server)' : 'Node defaults',
        'server windows (stream / conn)': w(k),
        'MiB/s': Math.round(med(results[k], 'mibs') * 10) / 10,
        'window ÷ RTT MiB/s': windows[k] ? Math.round(Math.min(windows[k].streamWindow, windows[k].connectionWindow) / MiB / (rtt / 1000)) : 'n/a',
        'min–max MiB/s': range(results[k]),
        'tuned ÷ this': k === 'upload-tuned' ? 1 : ratio(results['upload-tuned'], results[k], 'mibs'),
        'server CPU s/GiB': median1(results[k].map((r) => r.serverCpu / (bytes / GiB))),
        'server peak RSS MiB': rss(servers.find((s) => s.kind === k).peakRss()),
      })),
    );
    const r = ratio(results['upload-tuned'], results['upload-default'], 'mibs');
    verdicts.push(`target: h2c upload tuned ≥ 3× default, ${delayMs > 0 ? `RTT ${rtt.toFixed(1)} ms` : 'loopback'} → ${r.toFixed(2)}× ${r >= 3 ? 'MET' : 'MISSED'}`);
  } finally {
    await Promise.all(proxies.map((p) => p.stop()));
    await stopAll(servers);
  }
}

const fmtWin = (n) => (n >= MiB ? `${n / MiB} MiB` : `${n} B`);

if (parts.includes('download')) await download();
if (parts.includes('upload')) await upload(0, UPLOAD);
if (parts.includes('delayed')) for (const d of DELAYS_MS) await upload(d, DELAYED_UPLOAD);
console.log(`\n${RSS_NOTE}`);
console.log('');
for (const v of verdicts) console.log(v);
