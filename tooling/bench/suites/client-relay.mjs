// Benchmark 4 (issue 5): the relay of the Go original. BENCH_SIZE_MB (default 1024) downloaded from
// sink A and streamed as a multipart file to sink B through the client, vs a raw node:http pipe.
import { table } from '../lib/stats.mjs';
import { MiB, interleave, runs, sizeMB, startSink, throughputRows } from '../client/harness.mjs';

// BENCH_CLIENT_BEFORE=<another build's dist/esm/index.js> adds `ours@before`, interleaved with the rest
const contenders = ['ours', ...(process.env.BENCH_CLIENT_BEFORE ? ['ours@before'] : []), 'node:http pipe'];
const size = sizeMB * MiB;
const a = await startSink();
const b = await startSink();
try {
  console.log(`${sizeMB} MiB relay A -> client -> B, ${runs} interleaved runs per contender, medians`);
  const results = await interleave('relay', contenders, { a: a.url, b: b.url, size });
  table(throughputRows(results, contenders, 'node:http pipe'));
} finally {
  a.stop();
  b.stop();
}
