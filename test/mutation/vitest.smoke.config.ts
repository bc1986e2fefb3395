/**
 * `npm run mutate:smoke`: the fast tests that cover the smoke's two files (firmware-model/policy.ts,
 * src/protocol/unlock/versions.ts), without the minutes-long model test.
 */
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.ts';

export const smokeTests = ['test/firmware/regressions.test.ts', 'test/firmware/policy.test.ts', 'test/firmware/unlock.test.ts', 'test/firmware/hardening.test.ts', 'test/protocol/messages.test.ts', 'test/protocol/versions.test.ts'];

export default defineConfig({ ...base, test: { ...base.test, include: smokeTests } });
