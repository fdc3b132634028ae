#!/usr/bin/env node
// Large-file throughput: Sluice vs send (via serve-static on node:http) vs nginx (sendfile on;
// tcp_nopush on;), over HTTP/1.1 and h2c, 1 and 8 parallel downloads of one file. All servers of a
// protocol run at once and the runs are interleaved (rotating who goes first). Every download is
// checked for its status and byte count.
// Env: SLUICE_BENCH_FILE_MIB (default 1024), SLUICE_BENCH_RUNS (default 5),
//      SLUICE_BENCH_IMPLS (default "sluice,send,nginx"; add "raw" for node's own write-path ceiling:
//      one buffer written over and over, no file), SLUICE_BENCH_PARALLEL (default "1,8"),
//      SLUICE_BENCH_PROTOCOLS (default "h1,h2c"),
//      SLUICE_BENCH_H2_CLIENT (default "curl"; "h2load", "nghttp" or "node": who reads h2c),
//      SLUICE_BENCH_DEADLINE_S (default 900: stops and prints what it has).
import { fileURLToPath } from 'node:url';
import { median, table } from '../lib/stats.mjs';
import { has, makeRoot, peakRss, run, startServer } from '../sendfile/common.mjs';

const MIB = Number(process.env.SLUICE_BENCH_FILE_MIB ?? 1024);
const RUNS = Number(process.env.SLUICE_BENCH_RUNS ?? 5);
const PARALLEL = (process.env.SLUICE_BENCH_PARALLEL ?? '1,8').split(',').map(Number);
const PROTOCOLS = (process.env.SLUICE_BENCH_PROTOCOLS ?? 'h1,h2c').split(',');
const H2_CLIENT = process.env.SLUICE_BENCH_H2_CLIENT ?? 'curl';
const deadline = Date.now() + Number(process.env.SLUICE_BENCH_DEADLINE_S ?? 900) * 1000;

if (!has('curl')) {
  console.log('curl is missing (apt-get install -y curl): sendfile-throughput skipped');
  process.exit(0);
}
const impls = (process.env.SLUICE_BENCH_IMPLS ?? 'sluice,send,nginx').split(',').filter((i) => i !== 'nginx' || has('nginx'));
if (!has('nginx')) console.log('nginx is missing (apt-get install -y nginx): its column is skipped');
if (H2_CLIENT !== 'curl' && H2_CLIENT !== 'node' && !has(H2_CLIENT)) {
  console.log(`${H2_CLIENT} is missing (apt-get install -y nghttp2-client)`);
  process.exit(1);
}
const nodeClient = fileURLToPath(new URL('../sendfile/h2-client.mjs', import.meta.url));

const { dir, root, cleanup } = makeRoot(MIB);
const bytes = MIB * 1024 * 1024;
const rows = [];

/** One download; resolves to the body bytes received (throws on a bad status or a short body). */
async function fetchOnce(port, proto) {
  const url = `http://127.0.0.1:${port}/big.bin`;
  let got;
  if (proto === 'h1' || H2_CLIENT === 'curl') {
    const r = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}\n', proto === 'h2c' ? '--http2-prior-knowledge' : '--http1.1', url], 120_000);
    const [code, size] = r.stdout.trim().split(' ');
    if (code !== '200') throw new Error(`curl: status ${code} ${r.stderr}`);
    got = Number(size);
  } else if (H2_CLIENT === 'h2load') {
    // 2^30-byte stream and connection windows, like the other clients.
    const r = await run('h2load', ['-n1', '-c1', '-m1', '-w', '30', '-W', '30', url], 120_000);
    if (!/1 succeeded/.test(r.stdout) || !/status codes: 1 2xx/.test(r.stdout)) throw new Error(`h2load: ${(/requests: .*/.exec(r.stdout) ?? [r.stdout.slice(-200)])[0]} ${r.stderr.slice(-200)}`);
    const m = /traffic: .*?\((\d+)\) total, .*?\((\d+)\) headers.*?\((\d+)\) data/.exec(r.stdout);
    got = m ? Number(m[3]) : NaN;
  } else if (H2_CLIENT === 'nghttp') {
    const r = await run('nghttp', ['-n', '-s', '-w', '30', '-W', '30', url], 120_000);
    if (r.code !== 0) throw new Error(`nghttp: ${r.stderr.slice(-200)}`);
    got = bytes; // -s prints no byte count we can rely on; nghttp fails on a short body (END_STREAM/length check)
  } else {
    const r = await run(process.execPath, [nodeClient, url], 120_000);
    const [code, size] = r.stdout.trim().split(' ');
    if (code !== '200') throw new Error(`node client: ${r.stdout} ${r.stderr}`);
    got = Number(size);
  }
  if (got !== bytes) throw new Error(`short body: ${got} of ${bytes}`);
}

async function download(port, proto, parallel) {
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: parallel }, () => fetchOnce(port, proto)));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return (parallel * bytes) / 1024 / 1024 / seconds;
}

try {
  outer: for (const proto of PROTOCOLS) {
    const servers = {};
    try {
      for (const impl of impls) servers[impl] = await startServer(impl, proto, root, dir);
      for (const impl of impls) await download(servers[impl].port, proto, 1).catch(() => {}); // warm up (page cache, JIT)
      for (const parallel of PARALLEL) {
        const row = { protocol: proto === 'h1' ? 'HTTP/1.1' : `h2c (${H2_CLIENT})`, downloads: parallel };
        const speeds = Object.fromEntries(impls.map((i) => [i, []]));
        const failed = {};
        for (let i = 0; i < RUNS; i++) {
          if (Date.now() > deadline) {
            console.log('deadline reached; partial results');
            break;
          }
          const order = impls.map((_, k) => impls[(k + i) % impls.length]);
          for (const impl of order) {
            if (failed[impl]) continue;
            try {
              speeds[impl].push(await download(servers[impl].port, proto, parallel));
            } catch (error) {
              failed[impl] = error;
            }
          }
        }
        for (const impl of impls) {
          if (failed[impl]) row[`${impl} MiB/s`] = `error: ${failed[impl].message.slice(0, 50)}`;
          else if (speeds[impl].length) row[`${impl} MiB/s`] = Math.round(median(speeds[impl]));
        }
        const s = row['sluice MiB/s'];
        if (typeof s === 'number' && typeof row['send MiB/s'] === 'number') row['×send'] = s / row['send MiB/s'];
        if (typeof s === 'number' && typeof row['nginx MiB/s'] === 'number') row['×nginx'] = s / row['nginx MiB/s'];
        if (speeds.sluice?.length && speeds.send?.length === speeds.sluice.length) row['×send per round'] = median(speeds.sluice.map((v, k) => v / speeds.send[k]));
        rows.push(row);
        if (Date.now() > deadline) break outer;
      }
      // Peak RSS over the whole protocol's runs (1 and 8 downloads), per server, on each of its rows.
      for (const row of rows.filter((r) => r.protocol.startsWith(proto === 'h1' ? 'HTTP' : 'h2c'))) {
        for (const impl of impls) row[`${impl} peak RSS MiB`] = Math.round(peakRss(servers[impl].pids()));
      }
    } finally {
      for (const s of Object.values(servers)) await s.stop();
    }
  }
} finally {
  cleanup();
}
console.log(`\nsendfile throughput: ${MIB} MiB file, median of ${RUNS} interleaved runs, h2c client: ${H2_CLIENT}; peak RSS of the server process(es) over the protocol's runs`);
table(rows);
