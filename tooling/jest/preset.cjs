// The one Jest configuration: ts-jest (transpile only; `tsc` typechecks separately), tests beside
// the code, @sluice/* resolved to their sources so a test never runs against a stale build.
const path = require('node:path');

const root = path.resolve(__dirname, '../..');

/** @param {string} packageDir  @returns {import('jest').Config} */
module.exports = function sluiceJest(packageDir, overrides = {}) {
  return {
    rootDir: packageDir,
    testEnvironment: 'node',
    roots: ['<rootDir>/src'],
    testMatch: ['**/*.test.ts'],
    transform: {
      '^.+\\.ts$': [
        require.resolve('ts-jest'),
        {
          // isolatedModules in the tsconfig makes ts-jest transpile only; `tsc` typechecks.
          tsconfig: {
            module: 'CommonJS',
            moduleResolution: 'Node10',
            target: 'ES2022',
            esModuleInterop: true,
            isolatedModules: true,
            sourceMap: true,
          },
        },
      ],
    },
    moduleNameMapper: {
      '^@sluice/(stream-core|h1-chunked|h2-flow|bandwidth|sendfile|sse-broker|websocket-hub|httpstream-client|backplane)$':
        path.join(root, 'packages/$1/src/index.ts'),
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    testTimeout: 20000,
    // CI turns this on for one run and fails on any report: a socket, timer or file handle left
    // open by a test (a disconnect mid-stream must leave nothing behind).
    detectOpenHandles: process.env.SLUICE_DETECT_OPEN_HANDLES === '1',
    reporters: ['default', path.join(__dirname, 'reporter.cjs')],
    ...overrides,
  };
};
