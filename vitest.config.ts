import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One fast-check seed per run, printed and replayable (LATCHKEY_FC_SEED); see test/setup/seed.ts.
    globalSetup: ['test/setup/global-seed.ts'],
    setupFiles: ['test/setup/fast-check-seed.ts'],
  },
});
