#!/usr/bin/env node
// Small files: requests/s for a 1 KiB index.html, Sluice vs send (via serve-static) vs nginx,
// with wrk (HTTP/1.1, keep-alive) and h2load (h2c). Env: SLUICE_BENCH_DURATION_S (default 5),
// SLUICE_BENCH_RUNS (default 3), SLUICE_BENCH_CONNECTIONS (default 32).
import { median, table } from '../lib/stats.mjs';
import { has, makeRoot, peakRss, run, startServer } from '../sendfile/common.mjs';

const DURATION = Number(process.env.SLUICE_BENCH_DURATION_S ?? 5);
const RUNS = Number(process.env.SLUICE_BENCH_RUNS ?? 3);
const CONNS = Number(process.env.SLUICE_BENCH_CONNECTIONS ?? 32);
const impls = ['sluice', 'send', ...(has('nginx') ? ['nginx'] : [])];
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
try {
  for (const proto of ['h1', 'h2c']) {
    if (!tools[proto]) continue;
    const row = { protocol: proto === 'h1' ? 'HTTP/1.1 (wrk)' : 'h2c (h2load -m10)' };
    for (const impl of impls) {
      const server = await startServer(impl, proto, root, dir);
      try {
        await load(proto, server.port).catch(() => {}); // warm-up
        const rates = [];
        for (let i = 0; i < RUNS; i++) rates.push(await load(proto, server.port));
        row[`${impl} req/s`] = Math.round(median(rates));
        row[`${impl} RSS MiB`] = Math.round(peakRss(server.pids()));
      } catch (error) {
        row[`${impl} req/s`] = `error: ${error.message.slice(0, 60)}`;
      } finally {
        await server.stop();
      }
    }
    const s = row['sluice req/s'];
    if (typeof s === 'number' && typeof row['send req/s'] === 'number') row['×send'] = s / row['send req/s'];
    if (typeof s === 'number' && typeof row['nginx req/s'] === 'number') row['×nginx'] = s / row['nginx req/s'];
    rows.push(row);
  }
} finally {
  cleanup();
}
console.log(`\nsendfile small files: 1 KiB index.html, ${CONNS} connections, ${DURATION} s, median of ${RUNS} runs`);
table(rows);
