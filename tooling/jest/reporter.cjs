// Writes each package's totals to <repo>/.test-results/<package>.json so `.ci/run` can print one
// honest "N passed, N failed" line across every package and Node version.
const fs = require('node:fs');
const path = require('node:path');

class TotalsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }
  onRunComplete(_contexts, results) {
    const root = path.resolve(__dirname, '../..');
    const dir = path.join(root, '.test-results', process.env.SLUICE_RESULTS_TAG || `node${process.versions.node.split('.')[0]}`);
    fs.mkdirSync(dir, { recursive: true });
    let name = path.basename(this.rootDir || process.cwd());
    try {
      name = JSON.parse(fs.readFileSync(path.join(this.rootDir, 'package.json'), 'utf8')).name.replace('/', '__');
    } catch {}
    fs.writeFileSync(
      path.join(dir, `${name}.json`),
      JSON.stringify({
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        skipped: results.numPendingTests + results.numTodoTests,
        suitesFailed: results.numFailedTestSuites,
      }),
    );
  }
}
module.exports = TotalsReporter;
