import { defineConfig } from 'vitest/config';
// Third attack repros for issue 13: `npx vitest run --config scripts/attack-repro-13/third/vitest.config.ts`
export default defineConfig({
  test: { include: ['scripts/attack-repro-13/third/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks', root: process.cwd() },
});
