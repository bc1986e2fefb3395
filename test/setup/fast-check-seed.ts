/**
 * vitest setupFiles: every fast-check property in every test file runs from the run's one seed
 * (see `seed.ts`), so a property failure replays exactly. A failing test prints the command that
 * replays it. Properties must not pass their own `seed` (test/meta/seeded-properties.test.ts
 * greps for that).
 */
import { relative } from 'node:path';
import fc from 'fast-check';
import { beforeEach, inject } from 'vitest';
import { replayCommand } from './seed.ts';

const seed = inject('fcSeed');
if (!Number.isInteger(seed)) throw new Error('fc_seed_missing: the globalSetup test/setup/global-seed.ts did not provide a seed');
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });

beforeEach((context) => {
  context.onTestFailed(() => {
    const file = context.task.file?.filepath;
    console.error(`replay: ${replayCommand(seed, file === undefined ? undefined : relative(process.cwd(), file), context.task.name)}`);
  });
});
