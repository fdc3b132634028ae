#!/usr/bin/env node
// Large-file throughput: Sluice vs send (via serve-static on node:http) vs nginx (sendfile on;
// tcp_nopush on;), over HTTP/1.1 and h2c, 1 and 8 parallel downloads of one file, measured by curl.
// Env: SLUICE_BENCH_FILE_MIB (default 1024), SLUICE_BENCH_RUNS (default 3),
//      SLUICE_BENCH_DEADLINE_S (default 600: stops and prints what it has).
import { median, table } from '../lib/stats.mjs';
import { has, makeRoot, peakRss, run, startServer } from '../sendfile/common.mjs';

const MIB = Number(process.env.SLUICE_BENCH_FILE_MIB ?? 1024);
const RUNS = Number(process.env.SLUICE_BENCH_RUNS ?? 3);
const deadline = Date.now() + Number(process.env.SLUICE_BENCH_DEADLINE_S ?? 600) * 1000;

if (!has('curl')) {
  console.log('curl is missing (apt-get install -y curl): sendfile-throughput skipped');
  process.exit(0);
}
const impls = ['sluice', 'send', ...(has('nginx') ? ['nginx'] : [])];
if (!impls.includes('nginx')) console.log('nginx is missing (apt-get install -y nginx): its column is skipped');

const { dir, root, cleanup } = makeRoot(MIB);
const bytes = MIB * 1024 * 1024;
const rows = [];

async function download(port, proto, parallel) {
  const url = `http://127.0.0.1:${port}/big.bin`;
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}\n', ...(proto === 'h2c' ? ['--http2-prior-knowledge'] : ['--http1.1'])];
  const t0 = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: parallel }, () => run('curl', [...args, url], 120_000)));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const r of results) {
    const [code, size] = r.stdout.trim().split(' ');
    if (code !== '200' || Number(size) !== bytes) throw new Error(`bad download: ${r.stdout} ${r.stderr}`);
  }
  return (parallel * bytes) / 1024 / 1024 / seconds;
}

try {
  outer: for (const proto of ['h1', 'h2c']) {
    for (const parallel of [1, 8]) {
      const row = { protocol: proto === 'h1' ? 'HTTP/1.1' : 'h2c', downloads: parallel };
      for (const impl of impls) {
        if (Date.now() > deadline) {
          console.log('deadline reached; partial results');
          break outer;
        }
        const server = await startServer(impl, proto, root, dir);
        try {
          await download(server.port, proto, 1); // warm up (page cache, JIT)
          const speeds = [];
          for (let i = 0; i < RUNS; i++) speeds.push(await download(server.port, proto, parallel));
          row[`${impl} MiB/s`] = Math.round(median(speeds));
          row[`${impl} RSS MiB`] = Math.round(peakRss(server.pids()));
        } catch (error) {
          row[`${impl} MiB/s`] = `error: ${error.message.slice(0, 40)}`;
        } finally {
          await server.stop();
        }
      }
      const s = row['sluice MiB/s'];
      if (typeof s === 'number' && typeof row['send MiB/s'] === 'number') row['×send'] = s / row['send MiB/s'];
      if (typeof s === 'number' && typeof row['nginx MiB/s'] === 'number') row['×nginx'] = s / row['nginx MiB/s'];
      rows.push(row);
    }
  }
} finally {
  cleanup();
}
console.log(`\nsendfile throughput: ${MIB} MiB file, median of ${RUNS} runs, curl client, peak RSS of the server process(es)`);
table(rows);
