/**
 * The vitest configuration Stryker runs (stryker.config.mjs): the repository's own settings
 * (seeded fast-check setup included) over the tests of firmware-model/ and src/protocol/, fast
 * files first (fast-first-sequencer.ts) so a mutant a unit test kills does not wait for the
 * model test.
 */
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.ts';
import FastFirstSequencer from './fast-first-sequencer.ts';

export const mutationTests = ['test/firmware/**/*.test.ts', 'test/protocol/**/*.test.ts'];

// A niced run (nice -n 19, as on a shared machine) can starve for minutes: a test that takes 9 s
// alone timed out at the base 60 s in Stryker's initial run. Stryker bounds each mutant's run
// itself (timeoutMS + timeoutFactor × the initial run's time).
export const mutationTestTimeoutMs = 600_000;

// Not mergeConfig: it would concatenate `include` with the base list instead of replacing it.
export default defineConfig({ ...base, test: { ...base.test, include: mutationTests, testTimeout: mutationTestTimeoutMs, hookTimeout: mutationTestTimeoutMs, sequence: { sequencer: FastFirstSequencer } } });
