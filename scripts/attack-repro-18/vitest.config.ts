import { defineConfig } from 'vitest/config';
// Attack repros for issue 13: `npx vitest run --config scripts/attack-repro-18/vitest.config.ts`
export default defineConfig({
  test: { include: ['scripts/attack-repro-18/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks', root: process.cwd() },
});
