// Mutation testing (issue 14): `npm run mutate`. Not part of `npm test` (hours on a 2-core
// machine); `npm run mutate:smoke` runs the same setup on two small files in minutes.
// Reports: artifacts/mutation/ (HTML + mutation-testing-report-schema JSON). docs/TESTING.md
// has the scores and the surviving mutants.
//
// Incremental: every run reads and rewrites reports/stryker-incremental.json (committed), so a
// run only tests mutants whose code or covering tests changed, and a run narrowed with
// `--mutate <files>` adds its files' results to those of earlier runs. On a shared machine run it
// in chunks: `nice -n 19 npx stryker run stryker.config.mjs --mutate "firmware-model/exchange.ts"`.
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
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  timeoutMS: 120_000,
  // The initial run of every related test, niced on a loaded shared machine, took over Stryker's
  // default 5 minutes.
  dryRunTimeoutMinutes: 60,
  timeoutFactor: 2,
  thresholds: { high: 85, low: 70, break: null },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'artifacts/mutation/mutation.html' },
  jsonReporter: { fileName: 'artifacts/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
