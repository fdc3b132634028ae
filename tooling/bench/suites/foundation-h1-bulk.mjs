#!/usr/bin/env node
// Foundation benchmark 1 (issue 3): BENCH_BYTES (default 1 GiB) in BENCH_CHUNK (default 64 KiB)
// writes over HTTP/1.1 (chunked), from a server process per contender:
//   StreamWriter (writerFor(req, res), `await w.write(chunk)` per chunk)
//   vs the hand-written `res.write(chunk) || await once(res, 'drain')` loop
//   vs a raw `net` socket pump of the same bytes behind a Content-Length head (this machine's ceiling).
// The client is nghttp2's h2load --h1 when installed (C, discards the body: Node clients saturate a
// core near 1.5 GiB/s here), else (or with BENCH_H1_CLIENT=node) a raw Node socket that decodes the
// framing and discards the body; both check the exact body length. Runs are interleaved
// (BENCH_RUNS, default 5); the ratio is the median of per-run ratios. Target: ours ≥ 0.95× hand-written.
import { table } from '../lib/stats.mjs';
import { env, expect, GiB, h1Get, h2loadGet, hasH2load, interleave, med, MiB, ratio, RUNS, startServer, stopAll, RSS_NOTE } from '../foundation/harness.mjs';

const BYTES = env('BENCH_BYTES', GiB);
const CHUNK = env('BENCH_CHUNK', 64 * 1024);
const kinds = ['h1-sluice', 'h1-hand', 'h1-net'];
const names = { 'h1-sluice': 'StreamWriter', 'h1-hand': 'res.write + drain', 'h1-net': 'net socket pump' };

const servers = [];
try {
  for (const k of kinds) servers.push(await startServer(k));
  const useH2load = hasH2load && process.env.BENCH_H1_CLIENT !== 'node';
  const get = async (s, bytes) => {
    const path = `/?bytes=${bytes}&chunk=${CHUNK}`;
    const r = useH2load ? await h2loadGet(s.port, path, { h1: true }) : await h1Get(s.port, path);
    expect(r.status === 200 && r.bodyBytes === bytes, `${s.kind}: status ${r.status}, ${r.bodyBytes} of ${bytes} bytes`);
    return { ...r, mibs: bytes / MiB / r.seconds };
  };
  const results = await interleave(servers, {
    label: 'h1-bulk',
    warmup: (s) => get(s, Math.min(BYTES, 64 * MiB)),
    measure: (s) => get(s, BYTES),
  });
  const peak = Object.fromEntries(servers.map((s) => [s.kind, s.peakRss()]));
  const sluice = results['h1-sluice'];
  console.log(`\nHTTP/1.1 bulk: ${BYTES / MiB} MiB in ${CHUNK / 1024} KiB writes, ${useH2load ? 'h2load --h1 client' : 'raw-socket client'}, median of ${RUNS} interleaved runs`);
  table(
    kinds.map((k) => ({
      case: names[k],
      'MiB/s': Math.round(med(results[k], 'mibs')),
      'min–max MiB/s': `${Math.min(...results[k].map((r) => r.mibs)).toFixed(0)}–${Math.max(...results[k].map((r) => r.mibs)).toFixed(0)}`,
      'ours ÷ this': k === 'h1-sluice' ? '' : ratio(sluice, results[k], 'mibs'),
      'server CPU s/GiB': med(results[k].map((r) => ({ v: r.serverCpu / (BYTES / GiB) })), 'v'),
      'server peak RSS MiB': peak[k] === null ? 'n/a' : Math.round(peak[k]),
    })),
  );
  console.log(RSS_NOTE);
  const r = ratio(sluice, results['h1-hand'], 'mibs');
  console.log(`target: StreamWriter ≥ 0.95× res.write + drain → ${r.toFixed(3)}× ${r >= 0.95 ? 'MET' : 'MISSED'}`);
} finally {
  await stopAll(servers);
}
