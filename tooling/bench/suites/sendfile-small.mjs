#!/usr/bin/env node
// Small files: requests/s for a 1 KiB index.html, Sluice vs send (via serve-static) vs nginx,
// with wrk (HTTP/1.1, keep-alive) and h2load (h2c). All servers of a protocol run at once and the
// runs are interleaved (ours, send, nginx, then the next round in a rotated order), so a burst of
// load from elsewhere on the machine hits every server alike. Prints medians and the spread.
// Env: SLUICE_BENCH_DURATION_S (default 5), SLUICE_BENCH_RUNS (default 5), SLUICE_BENCH_CONNECTIONS
// (default 32), SLUICE_BENCH_IMPLS (default "sluice,send,nginx").
import { median, table } from '../lib/stats.mjs';
import { has, makeRoot, peakRss, run, startServer } from '../sendfile/common.mjs';

const DURATION = Number(process.env.SLUICE_BENCH_DURATION_S ?? 5);
const RUNS = Number(process.env.SLUICE_BENCH_RUNS ?? 5);
const CONNS = Number(process.env.SLUICE_BENCH_CONNECTIONS ?? 32);
const impls = (process.env.SLUICE_BENCH_IMPLS ?? 'sluice,send,nginx').split(',').filter((i) => i !== 'nginx' || has('nginx'));
const tools = { h1: has('wrk') ? 'wrk' : null, h2c: has('h2load') ? 'h2load' : null };
for (const [p, t] of Object.entries(tools)) if (!t) console.log(`${p === 'h1' ? 'wrk' : 'h2load'} is missing (apt-get install -y wrk nghttp2-client): ${p} skipped`);

async function load(proto, port) {
  const url = `http://127.0.0.1:${port}/index.html`;
  if (proto === 'h1') {
    const r = await run('wrk', ['-t', '1', '-c', String(CONNS), '-d', `${DURATION}s`, url], (DURATION + 20) * 1000);
    const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
    if (!m || /Non-2xx/.test(r.stdout)) throw new Error(`wrk: ${r.stdout.slice(-200)}`);
    return Number(m[1]);
  }
  const r = await run('h2load', ['-c', String(CONNS), '-m', '10', '-t', '1', '-D', String(DURATION), url], (DURATION + 20) * 1000);
  const m = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(r.stdout);
  const ok = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(r.stdout);
  if (!m || !ok || Number(ok[3]) + Number(ok[4]) > 0) throw new Error(`h2load: ${r.stdout.slice(-300)}`);
  return Number(m[1]);
}

const { dir, root, cleanup } = makeRoot(0);
const rows = [];
const spread = (xs) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
try {
  for (const proto of ['h1', 'h2c']) {
    if (!tools[proto]) continue;
    const row = { protocol: proto === 'h1' ? 'HTTP/1.1 (wrk)' : 'h2c (h2load -m10)' };
    const servers = {};
    const rates = Object.fromEntries(impls.map((i) => [i, []]));
    const failed = {};
    try {
      for (const impl of impls) servers[impl] = await startServer(impl, proto, root, dir);
      for (const impl of impls) await load(proto, servers[impl].port).catch(() => {}); // warm-up
      for (let i = 0; i < RUNS; i++) {
        // Rotate who goes first, so no server always follows the same neighbour.
        const order = impls.map((_, k) => impls[(k + i) % impls.length]);
        for (const impl of order) {
          if (failed[impl]) continue;
          try {
            rates[impl].push(await load(proto, servers[impl].port));
          } catch (error) {
            failed[impl] = error;
          }
        }
      }
      for (const impl of impls) {
        if (failed[impl]) row[`${impl} req/s`] = `error: ${failed[impl].message.slice(0, 60)}`;
        else {
          row[`${impl} req/s`] = Math.round(median(rates[impl]));
          row[`${impl} range`] = spread(rates[impl]);
        }
        row[`${impl} RSS MiB`] = Math.round(peakRss(servers[impl].pids()));
      }
    } finally {
      for (const s of Object.values(servers)) await s.stop();
    }
    const s = row['sluice req/s'];
    if (typeof s === 'number' && typeof row['send req/s'] === 'number') row['×send'] = s / row['send req/s'];
    if (typeof s === 'number' && typeof row['nginx req/s'] === 'number') row['×nginx'] = s / row['nginx req/s'];
    // The ratio within each round (same moment, same machine load): its median is the steadier figure.
    if (rates.sluice?.length && rates.send?.length === rates.sluice.length) {
      row['×send per round'] = median(rates.sluice.map((v, k) => v / rates.send[k]));
    }
    rows.push(row);
  }
} finally {
  cleanup();
}
console.log(`\nsendfile small files: 1 KiB index.html, ${CONNS} connections, ${DURATION} s, median of ${RUNS} interleaved runs`);
table(rows);
