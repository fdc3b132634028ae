// Benchmark 3 (issue 5): small GETs with keep-alive, 50 in flight over up to 50 connections, no
// pipelining. Ours vs undici.request vs got vs axios vs fetch. BENCH_GETS requests per run.
import { table } from '../lib/stats.mjs';
import { interleave, med, runs, startSink } from '../client/harness.mjs';

const contenders = ['ours', 'undici.request', 'got', 'axios', 'fetch'];
const requests = Number(process.env.BENCH_GETS ?? 20_000);
const sink = await startSink();
try {
  console.log(`${requests} small GETs, 50 concurrent, keep-alive, ${runs} interleaved runs per contender, medians`);
  const results = await interleave('gets', contenders, { url: sink.url, requests });
  const undici = med(results['undici.request'], 'rps');
  const axios = med(results['axios'], 'rps');
  table(
    contenders.map((c) => ({
      client: c,
      'req/s': Math.round(med(results[c], 'rps')),
      'vs undici': med(results[c], 'rps') / undici,
      'vs axios': med(results[c], 'rps') / axios,
      'CPU-µs/req': Math.round((med(results[c], 'cpu') / requests) * 1e6),
      'RSS delta MiB': med(results[c], 'rssDeltaMiB'),
    })),
  );
} finally {
  sink.stop();
}
