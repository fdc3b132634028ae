#!/usr/bin/env node
// Builds the package in the current directory twice with tsc: ESM into dist/esm and CommonJS into
// dist/cjs, each with a package.json marker so Node and TypeScript read each half in its own format.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const cwd = process.cwd();
rmSync(join(cwd, 'dist'), { recursive: true, force: true });
const project = existsSync(join(cwd, 'tsconfig.build.json')) ? 'tsconfig.build.json' : 'tsconfig.json';
const run = (args) => execFileSync(process.execPath, [tsc, ...args], { stdio: 'inherit', cwd });
const common = ['-p', project, '--noEmit', 'false', '--declaration', '--rootDir', 'src'];
run([...common, '--outDir', 'dist/esm']);
run([...common, '--outDir', 'dist/cjs', '--module', 'CommonJS', '--moduleResolution', 'Node10']);
mkdirSync(join(cwd, 'dist/esm'), { recursive: true });
writeFileSync(join(cwd, 'dist/esm/package.json'), '{ "type": "module" }\n');
writeFileSync(join(cwd, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
