// Benchmark 2 (issue 5): a multipart upload of one BENCH_SIZE_MB file (default 1024) from disk.
// Ours (fromFile, Content-Length computed) vs form-data + node:http vs undici FormData + openAsBlob.
import { mkdtempSync, rmSync, writeFileSync, openSync, closeSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from '../lib/stats.mjs';
import { MiB, interleave, runs, sizeMB, startSink, throughputRows } from '../client/harness.mjs';

// BENCH_CLIENT_BEFORE=<another build's dist/esm/index.js> adds `ours@before`, interleaved with the rest
const contenders = [
  'ours',
  ...(process.env.BENCH_CLIENT_BEFORE ? ['ours@before'] : []),
  'form-data+node:http',
  'undici FormData+openAsBlob',
];
const size = sizeMB * MiB;
const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
const path = join(dir, 'big.bin');
const fd = openSync(path, 'w');
const block = Buffer.alloc(MiB, 'y');
for (let i = 0; i < sizeMB; i++) writeSync(fd, block);
closeSync(fd);
// the warm-up file (BENCH_WARMUP=0 measures the first upload of the process instead)
const warmPath = process.env.BENCH_WARMUP === '0' ? undefined : join(dir, 'warm.bin');
if (warmPath) writeFileSync(warmPath, Buffer.alloc(4 * MiB, 'w'));
const sink = await startSink();
try {
  console.log(`${sizeMB} MiB multipart file upload, ${runs} interleaved runs per contender, medians${warmPath ? ', after a 4 MiB warm-up upload' : ', no warm-up'}`);
  const results = await interleave('multipart', contenders, { url: sink.url, size, path, warmPath });
  table(throughputRows(results, contenders, 'form-data+node:http'));
} finally {
  sink.stop();
  rmSync(dir, { recursive: true, force: true });
}
