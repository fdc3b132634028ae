#!/usr/bin/env node
// Scaffolds packages/<name> with the shared build, test, lint and typecheck wiring.
// Usage: node tooling/scripts/new-package.mjs <name> "<description>" [dep ...]
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [name, description = '', ...deps] = process.argv.slice(2);
if (!name) throw new Error('usage: new-package <name> <description> [deps]');
const dir = join('packages', name);
if (existsSync(join(dir, 'package.json'))) throw new Error(`${dir} exists`);
mkdirSync(join(dir, 'src'), { recursive: true });
const pkg = {
  name: `@sluice/${name}`,
  version: '0.1.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20.19' },
  main: './dist/cjs/index.js',
  types: './dist/cjs/index.d.ts',
  exports: {
    '.': {
      import: { types: './dist/esm/index.d.ts', default: './dist/esm/index.js' },
      require: { types: './dist/cjs/index.d.ts', default: './dist/cjs/index.js' },
    },
    './package.json': './package.json',
  },
  files: ['dist', '!dist/**/*.test.*', 'README.md'],
  scripts: {
    build: 'sluice-build',
    typecheck: 'tsc --noEmit -p tsconfig.json',
    lint: 'eslint src',
    test: 'jest',
  },
  dependencies: Object.fromEntries(deps.map((d) => [`@sluice/${d}`, 'workspace:^'])),
  devDependencies: {
    '@sluice/eslint-config': 'workspace:*',
    '@sluice/jest-config': 'workspace:*',
    '@sluice/scripts': 'workspace:*',
    '@sluice/tsconfig': 'workspace:*',
  },
};
writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
writeFileSync(
  join(dir, 'tsconfig.json'),
  JSON.stringify({ extends: '../../tooling/tsconfig/base.json', compilerOptions: { noEmit: true }, include: ['src'] }, null, 2) + '\n',
);
writeFileSync(
  join(dir, 'tsconfig.build.json'),
  JSON.stringify({ extends: './tsconfig.json', compilerOptions: { types: ['node'] }, exclude: ['src/**/*.test.ts', 'src/test-support/**'] }, null, 2) + '\n',
);
writeFileSync(join(dir, 'jest.config.cjs'), "module.exports = require('@sluice/jest-config')(__dirname);\n");
writeFileSync(join(dir, 'eslint.config.js'), "export { default } from '@sluice/eslint-config';\n");
if (!existsSync(join(dir, 'src/index.ts'))) writeFileSync(join(dir, 'src/index.ts'), 'export {};\n');
if (!existsSync(join(dir, 'README.md'))) writeFileSync(join(dir, 'README.md'), `# @sluice/${name}\n\n${description}\n`);
console.log(`created ${dir}`);
