/**
 * The vitest configuration Stryker runs (stryker.config.mjs): the repository's own settings
 * (seeded fast-check setup included) over the tests of firmware-model/ and src/protocol/.
 */
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.ts';

export const mutationTests = ['test/firmware/**/*.test.ts', 'test/protocol/**/*.test.ts'];

// Not mergeConfig: it would concatenate `include` with the base list instead of replacing it.
export default defineConfig({ ...base, test: { ...base.test, include: mutationTests } });
