// Benchmark 2 (issue 5): a multipart upload of one BENCH_SIZE_MB file (default 1024) from disk.
// Ours (fromFile, Content-Length computed) vs form-data + node:http vs undici FormData + openAsBlob.
import { mkdtempSync, rmSync, writeFileSync, openSync, closeSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from '../lib/stats.mjs';
import { interleave, med, MiB, runs, sizeMB, startSink } from '../client/harness.mjs';

const contenders = ['ours', 'form-data+node:http', 'undici FormData+openAsBlob'];
const size = sizeMB * MiB;
const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
const path = join(dir, 'big.bin');
const fd = openSync(path, 'w');
const block = Buffer.alloc(MiB, 'y');
for (let i = 0; i < sizeMB; i++) writeSync(fd, block);
closeSync(fd);
const sink = await startSink();
try {
  console.log(`${sizeMB} MiB multipart file upload, ${runs} interleaved runs per contender, medians`);
  const results = await interleave('multipart', contenders, { url: sink.url, size, path });
  const ref = med(results['form-data+node:http'], 'seconds');
  table(
    contenders.map((c) => {
      const s = med(results[c], 'seconds');
      return {
        client: c,
        'MiB/s': sizeMB / s,
        'vs form-data': ref / s,
        'CPU-s/GiB': med(results[c], 'cpu') / (sizeMB / 1024),
        'RSS delta MiB': med(results[c], 'rssDeltaMiB'),
      };
    }),
  );
} finally {
  sink.stop();
  rmSync(dir, { recursive: true, force: true });
  void writeFileSync;
}
