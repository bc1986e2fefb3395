/**
 * The lock's real-time clock (firmware-model/clock.ts) on its own: offset and drift, the rollback
 * clamp and its high-water mark, time sync (set) and disturbance. Written for the mutants a Stryker
 * chunk over clock.ts left alive (docs/TESTING.md): the lock and model tests reach the clock only
 * with a zero offset and rarely with a sync or a disturbance.
 */
import { describe, expect, it } from 'vitest';
import { LockClock } from '../../firmware-model/clock.ts';

const tolerance = 1000;
const clock = (startMs: number, driftPpm = 0) => new LockClock({ driftPpm, rollbackToleranceMs: tolerance }, startMs);

describe('LockClock', () => {
  it('reads true time plus its start offset, drifting from the first reading', () => {
    const c = clock(5_000, 100);
    expect(c.localMs(1_000_000)).toBe(1_005_000);
    // 1,000,000 ms later at +100 ppm: 100 ms ahead of true time plus offset.
    expect(c.localMs(2_000_000)).toBe(2_005_100);
  });

  it('the high-water mark follows the clock forward and holds when the clock steps back', () => {
    const c = clock(0);
    expect(c.localMs(10_000)).toBe(10_000);
    expect(c.highWaterMs).toBe(10_000);
    c.disturb(-600); // within the tolerance: read as it is, the mark stays
    expect(c.localMs(10_000)).toBe(9_400);
    expect(c.highWaterMs).toBe(10_000);
    c.disturb(-600); // 1,200 ms behind the mark: clamped to mark − tolerance
    expect(c.localMs(10_000)).toBe(9_000);
    expect(c.highWaterMs).toBe(10_000);
  });

  it('steps back within the tolerance cannot be chained into a larger rollback', () => {
    const c = clock(0);
    c.localMs(10_000);
    for (let i = 0; i < 5; i++) {
      c.disturb(-900);
      c.localMs(10_000);
    }
    expect(c.localMs(10_000)).toBe(9_000);
  });

  it('set moves the clock forward and back within the tolerance, refuses a larger rollback', () => {
    const c = clock(0);
    expect(c.localMs(10_000)).toBe(10_000);
    expect(c.set(10_000, 20_000)).toBe(true);
    expect(c.localMs(10_000)).toBe(20_000);
    expect(c.highWaterMs).toBe(20_000);
    expect(c.set(10_000, 18_999)).toBe(false);
    expect(c.localMs(10_000)).toBe(20_000);
    expect(c.set(10_000, 19_500)).toBe(true);
    expect(c.localMs(10_000)).toBe(19_500);
    // The mark comes down to the target (not to mark − tolerance), so the next step back is bounded from there.
    expect(c.highWaterMs).toBe(19_500);
    expect(c.set(10_000, 19_000)).toBe(true);
    expect(c.highWaterMs).toBe(19_000);
  });

  it('set exactly at the tolerance is accepted, one millisecond beyond is not', () => {
    const c = clock(0);
    c.localMs(10_000);
    expect(c.set(10_000, 8_999)).toBe(false);
    expect(c.set(10_000, 9_000)).toBe(true);
    expect(c.localMs(10_000)).toBe(9_000);
  });

  it('set corrects the oscillator, not the clamped reading: a clock held up by the clamp really moves', () => {
    const c = clock(0);
    c.localMs(10_000);
    c.disturb(-5_000); // oscillator at 5,000, reading clamped to 9,000
    expect(c.localMs(10_000)).toBe(9_000);
    expect(c.set(10_000, 12_000)).toBe(true);
    expect(c.localMs(10_000)).toBe(12_000);
    expect(c.localMs(11_000)).toBe(13_000);
  });

  it('disturb moves the oscillator by the given amount', () => {
    const c = clock(0);
    c.localMs(0);
    c.disturb(3_000);
    expect(c.localMs(1_000)).toBe(4_000);
  });
});
