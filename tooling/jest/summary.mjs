#!/usr/bin/env node
// Sums .test-results/<tag>/*.json into one line: "N passed, N failed, N skipped".
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(root, '.test-results');
const totals = { passed: 0, failed: 0, skipped: 0 };
const tags = existsSync(dir) ? readdirSync(dir) : [];
for (const tag of tags) {
  for (const file of readdirSync(join(dir, tag))) {
    const r = JSON.parse(readFileSync(join(dir, tag, file), 'utf8'));
    const line = `${tag} ${file.replace(/\.json$/, '').replace('__', '/')}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`;
    if (!process.argv.includes('--quiet')) console.error(line);
    totals.passed += r.passed;
    totals.failed += r.failed;
    totals.skipped += r.skipped;
  }
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
