/**
 * Smoke of the corridor "unlock with tap" benchmark (src/harness/bench/tap.ts; the full run is
 * `npm run bench:tap`, figures in BENCHMARKS.md): a few hundred seeded walks with the default ranker
 * make no walk-past and no wrong-door unlock. Only the safety counts are asserted, not timings.
 * The counters can fail: a loose threshold on the same walks does open doors walking past.
 */
import { describe, expect, it } from 'vitest';
import { tapDefaults } from '../../src/phone/tap.ts';
import { createCorridor } from '../../src/radio/rf/corridor.ts';
import { planWalk, runWalk, runWalks, walkStream } from '../../src/harness/bench/tap.ts';

const corridor = createCorridor();
const walks = 300;

describe('unlock with tap, corridor smoke', () => {
  it(`${walks} seeded walks: no walk-past and no wrong-door unlock with the default ranker; the same seed gives the same figures`, () => {
    const summary = runWalks(corridor, 18, walks, tapDefaults);
    expect(summary.walks).toBe(walks);
    expect(summary.walkPastUnlocks).toBe(0);
    expect(summary.wrongDoorUnlocks).toBe(0);
    expect(summary.twoRooms.walks).toBeGreaterThan(walks / 2); // the hard cases are in the mix
    expect(summary.noUnlock).toBeLessThan(walks); // doors do open
    expect(runWalks(corridor, 18, 50, tapDefaults)).toEqual(runWalks(corridor, 18, 50, tapDefaults));
  });

  it('the counters can fail: a touch threshold of -57 dBm opens doors while walking past them', () => {
    const loose = runWalks(corridor, 18, walks, { ...tapDefaults, touchDbm: -57 });
    expect(loose.walkPastUnlocks).toBeGreaterThan(0);
  });

  it('the walk stream holds non-granted locks near the target, and the ranker drops them', () => {
    const stream = walkStream(corridor, 18, 0);
    const others = stream.samples.filter((s) => !stream.plan.granted.includes(s.entranceId));
    expect(others.length).toBeGreaterThan(0);
    const plan = planWalk(corridor, 18, 0);
    expect(plan).toEqual(stream.plan);
    const outcome = runWalk(stream, tapDefaults);
    expect(outcome.wrongDoorUnlocks + outcome.walkPastUnlocks).toBe(0);
  });
});
