// `npm run mutate:smoke`: the mutation setup of stryker.config.mjs on two small files with the
// fast tests that cover them, so the configuration is proven to run in minutes, not hours.
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  vitest: { ...base.vitest, configFile: 'test/mutation/vitest.smoke.config.ts' },
  mutate: ['firmware-model/policy.ts', 'src/protocol/unlock/versions.ts'],
  htmlReporter: { fileName: 'artifacts/mutation/smoke.html' },
  jsonReporter: { fileName: 'artifacts/mutation/smoke.json' },
  // The smoke's narrower test set must not overwrite the full run's incremental results.
  incremental: false,
};
