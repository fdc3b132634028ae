#!/usr/bin/env node
// `pnpm bench [suite ...]`: runs tooling/bench/suites/<suite>.mjs one after another (all when none is
// named), each in its own process, and prints the tables they print. Suites are side by side: each
// runs ours and the peer in the same run and prints medians, the ratio and peak RSS.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(join(here, 'suites')).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)).sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const suites = wanted.length ? wanted : all;
let failed = 0;
for (const s of suites) {
  if (!all.includes(s)) {
    console.error(`unknown suite ${s}; have: ${all.join(', ')}`);
    failed++;
    continue;
  }
  console.log(`\n=== ${s} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, 'suites', `${s}.mjs`)], { stdio: 'inherit', env: process.env });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
