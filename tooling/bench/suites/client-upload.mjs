// Benchmark 1 (issue 5): a streamed upload of BENCH_SIZE_MB (default 1024) to a sink process.
// Ours vs undici.request (Readable body) vs fetch (ReadableStream body) vs node:http pipe (the floor)
// vs axios (defaults). Each run is a fresh process; contenders interleaved; medians of BENCH_RUNS.
import { table } from '../lib/stats.mjs';
import { MiB, interleave, runs, sizeMB, startSink, throughputRows } from '../client/harness.mjs';

const contenders = ['ours', 'undici.request', 'fetch', 'node:http', 'axios'];
const size = sizeMB * MiB;
const sink = await startSink();
try {
  console.log(`${sizeMB} MiB streamed upload, ${runs} interleaved runs per contender, medians`);
  const results = await interleave('upload', contenders, { url: sink.url, size });
  table(throughputRows(results, contenders, 'node:http'));
} finally {
  sink.stop();
}
