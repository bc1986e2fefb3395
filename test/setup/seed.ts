/**
 * The one fast-check seed of a test run. Fixed by default so `npm test` is the same run every time;
 * `LATCHKEY_FC_SEED=<integer>` replays a run, `LATCHKEY_FC_SEED=random` explores with a fresh seed
 * (printed, so a failure it finds can be replayed). Shared by the global setup (which picks and
 * prints the seed once per run) and the per-file setup (which hands it to fc.configureGlobal).
 */
import { randomInt } from 'node:crypto';

export const fcSeedVariable = 'LATCHKEY_FC_SEED';
/** The default seed: any fixed 32-bit integer; changing it changes which cases `npm test` runs. */
export const fcSeedDefault = 0x1a7c4e1;

/** Stable error for a seed that is neither an integer nor `random` (a typo must not silently run another seed). */
export function resolveFcSeed(value: string | undefined, pickRandom: () => number = () => randomInt(0, 2 ** 31)): number {
  if (value === undefined || value === '') return fcSeedDefault;
  if (value === 'random') return pickRandom();
  if (!/^-?\d{1,10}$/.test(value)) throw new Error(`fc_seed_invalid: ${fcSeedVariable} must be an integer or "random", got ${JSON.stringify(value)}`);
  const seed = Number(value);
  if (!Number.isSafeInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 32) throw new Error(`fc_seed_invalid: ${fcSeedVariable} out of 32-bit range: ${value}`);
  return seed;
}

/** The command that replays a failing test with the run's seed. */
export function replayCommand(seed: number, file: string | undefined, testName: string | undefined): string {
  // -t is a regular expression over the test's name: escape it so names with ( ) . + match literally.
  const quoted = testName === undefined ? '' : ` -t '${testName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, "'\\''")}'`;
  return `${fcSeedVariable}=${seed} npx vitest run ${file ?? ''}${quoted}`.replace(/\s+$/, '');
}
