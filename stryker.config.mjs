// Mutation testing (issue 14): `npm run mutate`. Not part of `npm test` (hours on a 2-core
// machine); `npm run mutate:smoke` runs the same setup on two small files in minutes.
// Reports: artifacts/mutation/ (HTML + mutation-testing-report-schema JSON). docs/TESTING.md
// has the scores and the surviving mutants.
import { resolve } from 'node:path';

// Stryker runs the tests in a sandbox copy (.stryker-tmp/sandbox-*), where ../shared is not
// beside the repository: point the Wycheproof test at the real copy (the runners inherit this).
process.env['LATCHKEY_WYCHEPROOF_DIR'] ??= resolve(import.meta.dirname, '..', 'shared', 'vectors', 'wycheproof');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: {
    // Only the firmware and protocol tests: the server, web and BLE suites need ports, browsers
    // and wall time, and they reach these files only through the same code paths.
    configFile: 'test/mutation/vitest.mutate.config.ts',
    related: true,
  },
  mutate: ['firmware-model/**/*.ts', 'src/protocol/**/*.ts'],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  concurrency: 1,
  timeoutMS: 120_000,
  timeoutFactor: 2,
  thresholds: { high: 85, low: 70, break: null },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'artifacts/mutation/mutation.html' },
  jsonReporter: { fileName: 'artifacts/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
