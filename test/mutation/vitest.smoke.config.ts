/**
 * `npm run mutate:smoke` (and partial runs: `npx stryker run stryker.smoke.config.mjs --mutate <files>`):
 * the fast firmware and protocol tests, without the minutes-long model and power-cut tests.
 */
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.ts';

export const smokeTests = [
  'test/firmware/regressions.test.ts',
  'test/firmware/policy.test.ts',
  'test/firmware/sliding-window.test.ts',
  'test/firmware/unlock.test.ts',
  'test/firmware/hardening.test.ts',
  'test/protocol/messages.test.ts',
  'test/protocol/versions.test.ts',
  'test/protocol/chunking.test.ts',
  'test/protocol/key-schedule.test.ts',
  'test/protocol/vectors.test.ts',
];

export default defineConfig({ ...base, test: { ...base.test, include: smokeTests } });
