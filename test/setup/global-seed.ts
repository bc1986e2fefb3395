/**
 * vitest globalSetup: picks the run's fast-check seed once (not once per worker, so
 * `LATCHKEY_FC_SEED=random` still means one seed for the whole run), prints it, and provides it to
 * every test file (read back by `fast-check-seed.ts`).
 */
import type { TestProject } from 'vitest/node';
import { fcSeedVariable, resolveFcSeed } from './seed.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    fcSeed: number;
  }
}

export default function setup(project: TestProject): void {
  const seed = resolveFcSeed(process.env[fcSeedVariable]);
  project.provide('fcSeed', seed);
  console.log(`fast-check seed ${seed} (replay this run: ${fcSeedVariable}=${seed} npx vitest run; explore: ${fcSeedVariable}=random)`);
}
