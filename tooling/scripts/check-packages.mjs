#!/usr/bin/env node
// Checks every built package as it would be published: it loads with require() and import(), publint
// (package.json, exports, files) and
// @arethetypeswrong/cli (a user's `import` and `require` both resolve, with types, in every mode).
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const publint = join(root, 'node_modules/publint/src/cli.js');
const attw = join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
let failed = 0;
for (const name of readdirSync(join(root, 'packages')).sort()) {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'package.json'))) continue;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  // The built package really loads both ways (self-reference by name goes through "exports").
  const load = [
    ['require', ['-e', `const m = require(${JSON.stringify(pkg.name)}); if (!Object.keys(m).length) process.exit(3)`]],
    ['import', ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pkg.name)}); if (!Object.keys(m).length) process.exit(3)`]],
  ];
  for (const [tool, args] of load) {
    const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
    const ok = r.status === 0;
    if (!ok) failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${tool.padEnd(8)} ${pkg.name}`);
    if (!ok) console.log(r.stderr);
  }
  for (const [tool, args] of [
    ['publint', [publint, '--strict']],
    ['attw', [attw, '--pack', '.', '--format', 'table-flipped', '--no-color']],
  ]) {
    const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const ok = r.status === 0;
    if (!ok) failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${tool.padEnd(8)} ${pkg.name}`);
    if (!ok) console.log((r.stdout + r.stderr).split('\n').filter((l) => !l.includes('nodedir')).join('\n'));
  }
}
console.log(failed ? `package checks: ${failed} failed` : 'package checks: all passed');
process.exit(failed ? 1 : 0);
