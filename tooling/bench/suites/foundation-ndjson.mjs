#!/usr/bin/env node
// Foundation benchmark 2 (issue 3): BENCH_ROWS (default 1,000,000) NDJSON rows of ~100 bytes over
// HTTP/1.1, every contender building each row with JSON.stringify(row(i)) + '\n' in its own process:
//   StreamWriter, `await w.write(line)` per row
//   StreamWriter, writeNdjson(w, generator)
//   a res.write loop with drain handling (the baseline)
//   hono's stream() helper (hono/streaming) on @hono/node-server, `await s.write(line)` per row
// The client is a raw socket that decodes the chunked framing, counts body bytes and lines exactly,
// and discards. Interleaved runs (BENCH_RUNS, default 5); ratios are medians of per-run ratios.
// Targets: StreamWriter ≥ 1.0× the res.write loop, and ahead of hono.
import { table } from '../lib/stats.mjs';
import { env, expect, h1Get, interleave, med, MiB, ratio, RUNS, startServer, stopAll, RSS_NOTE } from '../foundation/harness.mjs';
import { ndjsonBytes } from '../foundation/rows.mjs';

const ROWS = env('BENCH_ROWS', 1_000_000);
const WARM_ROWS = Math.min(ROWS, 100_000);
const kinds = (process.env.BENCH_CASES ?? 'ndjson-sluice-write,ndjson-sluice-helper,ndjson-reswrite,ndjson-hono').split(',');
const names = {
  'ndjson-sluice-write': 'StreamWriter: await w.write(line)',
  'ndjson-sluice-helper': 'StreamWriter: writeNdjson()',
  'ndjson-reswrite': 'res.write loop + drain',
  'ndjson-hono': 'hono stream() on @hono/node-server',
};
const expected = { [ROWS]: ndjsonBytes(ROWS), [WARM_ROWS]: ndjsonBytes(WARM_ROWS) };

const servers = [];
try {
  for (const k of kinds) servers.push(await startServer(k));
  const get = async (s, rows) => {
    const r = await h1Get(s.port, `/?rows=${rows}`, { countLines: true });
    expect(r.status === 200 && r.bodyBytes === expected[rows] && r.lines === rows, `${s.kind}: status ${r.status}, ${r.bodyBytes} of ${expected[rows]} bytes, ${r.lines} of ${rows} lines`);
    return { ...r, rowsPerS: rows / r.seconds, mibs: r.bodyBytes / MiB / r.seconds };
  };
  const results = await interleave(servers, { label: 'ndjson', warmup: (s) => get(s, WARM_ROWS), measure: (s) => get(s, ROWS) });
  const peak = Object.fromEntries(servers.map((s) => [s.kind, s.peakRss()]));
  const base = results['ndjson-reswrite'];
  const hono = results['ndjson-hono'];
  console.log(`\nNDJSON: ${ROWS} rows, ${(expected[ROWS] / ROWS).toFixed(0)} bytes each on average (${(expected[ROWS] / MiB).toFixed(0)} MiB), HTTP/1.1 chunked, raw-socket client, median of ${RUNS} interleaved runs`);
  table(
    kinds.map((k) => ({
      case: names[k],
      'rows/s': Math.round(med(results[k], 'rowsPerS')),
      'MiB/s': med(results[k], 'mibs'),
      '÷ res.write': base ? ratio(results[k], base, 'rowsPerS') : 'n/a',
      '÷ hono': hono ? ratio(results[k], hono, 'rowsPerS') : 'n/a',
      'wire MiB': med(results[k], 'wireBytes') / MiB,
      'server CPU s': med(results[k], 'serverCpu'),
      'server peak RSS MiB': peak[k] === null ? 'n/a' : Math.round(peak[k]),
    })),
  );
  console.log(RSS_NOTE);
  if (base && hono) {
    for (const k of ['ndjson-sluice-write', 'ndjson-sluice-helper'].filter((x) => results[x])) {
      const rb = ratio(results[k], base, 'rowsPerS');
      const rh = ratio(results[k], hono, 'rowsPerS');
      console.log(`target: ${names[k]} ≥ 1.0× res.write loop → ${rb.toFixed(2)}× ${rb >= 1 ? 'MET' : 'MISSED'}; ahead of hono → ${rh.toFixed(2)}× ${rh > 1 ? 'MET' : 'MISSED'}`);
    }
  }
} finally {
  await stopAll(servers);
}
