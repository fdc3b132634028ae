#!/usr/bin/env node
// 200 concurrent downloads: the server's peak RSS must not grow with the file size. For each server
// (Sluice, send via serve-static, nginx) and each file size (64 MiB and 1 GiB, sparse files, so the
// run needs no disk), a fresh server process gets 200 downloads at once from one client process;
// each download is read promptly up to SLUICE_BENCH_LIMIT_MIB (default 32: the client then cuts it,
// so both sizes see exactly the same client; only the file differs). Peak RSS (VmHWM) is the
// server's own; each cell is a fresh server, SLUICE_BENCH_RUNS times (median).
// Env: SLUICE_BENCH_DOWNLOADS (default 200), SLUICE_BENCH_LIMIT_MIB (default 32), SLUICE_BENCH_RUNS (default 3),
//      SLUICE_BENCH_HWM (Sluice's highWaterMark in bytes, default the package's 1 MiB),
//      SLUICE_BENCH_SIZES_MIB (default "64,1024"), SLUICE_BENCH_PROTOCOLS (default "h1,h2c"),
//      SLUICE_BENCH_IMPLS (default "sluice,send,nginx").
import { closeSync, ftruncateSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, table } from '../lib/stats.mjs';
import { has, makeRoot, peakRss, run, startServer } from '../sendfile/common.mjs';

const N = Number(process.env.SLUICE_BENCH_DOWNLOADS ?? 200);
const LIMIT = Number(process.env.SLUICE_BENCH_LIMIT_MIB ?? 32) * 1024 * 1024;
const RUNS = Number(process.env.SLUICE_BENCH_RUNS ?? 3);
const SIZES = (process.env.SLUICE_BENCH_SIZES_MIB ?? '64,1024').split(',').map(Number);
const PROTOCOLS = (process.env.SLUICE_BENCH_PROTOCOLS ?? 'h1,h2c').split(',');
const impls = (process.env.SLUICE_BENCH_IMPLS ?? 'sluice,send,nginx').split(',').filter((i) => i !== 'nginx' || has('nginx'));
const client = fileURLToPath(new URL('../sendfile/concurrent-client.mjs', import.meta.url));

const { dir, root, cleanup } = makeRoot(0);
for (const mib of SIZES) {
  const fd = openSync(join(root, `f${mib}.bin`), 'w');
  ftruncateSync(fd, mib * 1024 * 1024); // sparse: reads return zeros without touching a disk
  closeSync(fd);
}

const rows = [];
/** One fresh server, N downloads at once: { peak, overIdle, mibps, failed }. */
async function cell(impl, proto, mib) {
  const server = await startServer(impl, proto, root, dir);
  try {
    const idle = peakRss(server.pids());
    const r = await run(process.execPath, [client, proto, `http://127.0.0.1:${server.port}/f${mib}.bin`, String(N), String(LIMIT)], 300_000);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() || '{}');
    const peak = peakRss(server.pids());
    return { peak, overIdle: peak - idle, mibps: out.bytes / 1024 / 1024 / out.seconds, failed: out.failed ?? N };
  } finally {
    await server.stop();
  }
}
try {
  for (const proto of PROTOCOLS) {
    const rowsOf = {};
    for (const impl of impls) rowsOf[impl] = { protocol: proto === 'h1' ? 'HTTP/1.1' : 'h2c', server: impl };
    const cells = {};
    // Interleaved: every server and size once per round.
    for (let i = 0; i < RUNS; i++) {
      for (const impl of impls) {
        for (const mib of SIZES) {
          const key = `${impl}/${mib}`;
          cells[key] ??= [];
          try {
            cells[key].push(await cell(impl, proto, mib));
          } catch (error) {
            cells[key].push({ error });
          }
        }
      }
    }
    for (const impl of impls) {
      const row = rowsOf[impl];
      for (const mib of SIZES) {
        const label = mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`;
        const cs = cells[`${impl}/${mib}`];
        const good = cs.filter((c) => !c.error && c.failed === 0);
        if (good.length === 0) {
          row[`${label}: peak RSS MiB`] = `error: ${String(cs[0]?.error?.message ?? `${cs[0]?.failed} failed`).slice(0, 40)}`;
          continue;
        }
        row[`${label}: peak RSS MiB`] = Math.round(median(good.map((c) => c.peak)));
        row[`${label}: RSS range`] = `${Math.round(Math.min(...good.map((c) => c.peak)))}–${Math.round(Math.max(...good.map((c) => c.peak)))}`;
        row[`${label}: MiB/s`] = Math.round(median(good.map((c) => c.mibps)));
        if (good.length < cs.length) row[`${label}: MiB/s`] += ` (${cs.length - good.length} bad runs)`;
      }
      rows.push(row);
    }
  }
} finally {
  cleanup();
}
console.log(
  `\nsendfile concurrent: ${N} downloads at once, each read promptly up to ${LIMIT / 1024 / 1024} MiB; ` +
    `median of ${RUNS} fresh server processes per cell (peak RSS = VmHWM)`,
);
table(rows);
