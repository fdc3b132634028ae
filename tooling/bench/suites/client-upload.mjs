// Benchmark 1 (issue 5): a streamed upload of BENCH_SIZE_MB (default 1024) to a sink process.
// Ours vs undici.request (Readable body) vs fetch (ReadableStream body) vs node:http pipe (the floor)
// vs axios (defaults). Each run is a fresh process; contenders interleaved; medians of BENCH_RUNS.
import { table } from '../lib/stats.mjs';
import { interleave, med, MiB, runs, sizeMB, startSink } from '../client/harness.mjs';

const contenders = ['ours', 'undici.request', 'fetch', 'node:http', 'axios'];
const size = sizeMB * MiB;
const sink = await startSink();
try {
  console.log(`${sizeMB} MiB streamed upload, ${runs} interleaved runs per contender, medians`);
  const results = await interleave('upload', contenders, { url: sink.url, size });
  const floor = med(results['node:http'], 'seconds');
  table(
    contenders.map((c) => {
      const s = med(results[c], 'seconds');
      return {
        client: c,
        'MiB/s': sizeMB / s,
        'vs node:http': floor / s,
        'CPU-s/GiB': med(results[c], 'cpu') / (sizeMB / 1024),
        'RSS delta MiB': med(results[c], 'rssDeltaMiB'),
        'max RSS delta': Math.max(...results[c].map((r) => r.rssDeltaMiB)),
      };
    }),
  );
} finally {
  sink.stop();
}
