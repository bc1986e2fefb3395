/**
 * The tap ranker (src/phone/tap.ts): only granted entrances, touch threshold with hysteresis,
 * median smoothing, a clear refusal when two granted entrances are within the margin, and stable
 * error codes for bad options. Properties run from the run's fast-check seed (test/setup/).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TapRanker, checkTapOptions, tapDefaults, type RssiSample } from '../../src/phone/tap.ts';

const options = { touchDbm: -45, hysteresisDb: 6, windowMs: 300, minSamples: 2, marginDb: 10 };

function feed(ranker: TapRanker, samples: RssiSample[]): void {
  for (const sample of samples) ranker.observe(sample);
}

describe('tap ranker', () => {
  it('unlocks the granted entrance held to, once two samples in the window reach the touch level', () => {
    const ranker = new TapRanker(['201', '203'], options);
    feed(ranker, [{ entranceId: '201', rssiDbm: -40, timeMs: 0 }]);
    expect(ranker.decide(0).result).toBe('no_entrance_in_touch_range'); // one sample is not enough
    feed(ranker, [{ entranceId: '201', rssiDbm: -38, timeMs: 100 }, { entranceId: '203', rssiDbm: -70, timeMs: 100 }, { entranceId: '203', rssiDbm: -72, timeMs: 150 }]);
    expect(ranker.decide(150)).toEqual({ result: 'unlock', entranceId: '201', levelDbm: -39, runnerUpDbm: -71 });
  });

  it('never considers a door the guest holds no credential for, however loud', () => {
    const ranker = new TapRanker(['201'], options);
    expect(ranker.observe({ entranceId: '202', rssiDbm: -20, timeMs: 0 })).toBe(false);
    expect(ranker.observe({ entranceId: '202', rssiDbm: -20, timeMs: 50 })).toBe(false);
    feed(ranker, [{ entranceId: '201', rssiDbm: -60, timeMs: 60 }, { entranceId: '201', rssiDbm: -61, timeMs: 70 }]);
    expect(ranker.decide(70)).toEqual({ result: 'no_entrance_in_touch_range', bestEntranceId: '201', bestDbm: -60.5 });
  });

  it('refuses to guess between two granted doors within the margin (tap_ambiguous)', () => {
    const ranker = new TapRanker(['201', '202'], options);
    feed(ranker, [
      { entranceId: '201', rssiDbm: -40, timeMs: 0 },
      { entranceId: '202', rssiDbm: -44, timeMs: 10 },
      { entranceId: '201', rssiDbm: -40, timeMs: 100 },
      { entranceId: '202', rssiDbm: -46, timeMs: 110 },
    ]);
    expect(ranker.decide(110)).toEqual({ result: 'tap_ambiguous', entranceIds: ['201', '202'], levelsDbm: [-40, -45] });
  });

  it('one upward fade is not a tap: the median of the window decides', () => {
    const ranker = new TapRanker(['201'], { ...options, minSamples: 3 });
    feed(ranker, [{ entranceId: '201', rssiDbm: -60, timeMs: 0 }, { entranceId: '201', rssiDbm: -30, timeMs: 100 }, { entranceId: '201', rssiDbm: -61, timeMs: 200 }]);
    expect(ranker.decide(200).result).toBe('no_entrance_in_touch_range');
  });

  it('samples older than the window no longer count', () => {
    const ranker = new TapRanker(['201'], options);
    feed(ranker, [{ entranceId: '201', rssiDbm: -30, timeMs: 0 }, { entranceId: '201', rssiDbm: -30, timeMs: 100 }]);
    expect(ranker.levels(500).size).toBe(0);
    expect(ranker.decide(500).result).toBe('no_entrance_in_touch_range');
  });

  it('hysteresis: no second unlock while the phone stays there; again only after leaving touch range', () => {
    const ranker = new TapRanker(['201'], options);
    let t = 0;
    const at = (rssiDbm: number): string => {
      feed(ranker, [{ entranceId: '201', rssiDbm, timeMs: (t += 100) }]);
      return ranker.decide(t).result;
    };
    expect([at(-40), at(-40)]).toEqual(['no_entrance_in_touch_range', 'unlock']);
    // Held there, dipping under the threshold but not under threshold − hysteresis: spent, no unlock.
    expect([at(-48), at(-48), at(-40), at(-40)]).toEqual(Array(4).fill('no_entrance_in_touch_range'));
    // Taken away (below −51) and back: unlocks again.
    expect([at(-60), at(-60), at(-60), at(-60)]).toEqual(Array(4).fill('no_entrance_in_touch_range'));
    expect([at(-40), at(-40), at(-40)]).toEqual(['no_entrance_in_touch_range', 'no_entrance_in_touch_range', 'unlock']);
  });

  it('bad options and samples: stable codes, non-finite samples dropped', () => {
    expect(() => checkTapOptions({ ...tapDefaults, touchDbm: 5 })).toThrow(/^tap_options_invalid/);
    expect(() => new TapRanker([], { minSamples: 0 })).toThrow(/^tap_options_invalid/);
    expect(() => new TapRanker([], { windowMs: Number.NaN })).toThrow(/^tap_options_invalid/);
    expect(() => new TapRanker([], { marginDb: -1 })).toThrow(/^tap_options_invalid/);
    const ranker = new TapRanker(['201'], options);
    expect(ranker.observe({ entranceId: '201', rssiDbm: Number.NaN, timeMs: 0 })).toBe(false);
    expect(ranker.observe({ entranceId: '201', rssiDbm: -40, timeMs: Number.POSITIVE_INFINITY })).toBe(false);
  });
});

describe('tap ranker properties', () => {
  const ids = ['lobby', 'elevator', '201', '202', '203', '204', '205'];
  const sampleArbitrary = fc.record({ entranceId: fc.constantFrom(...ids), rssiDbm: fc.integer({ min: -100, max: -20 }), gapMs: fc.integer({ min: 0, max: 150 }) });
  const streamArbitrary = fc.array(sampleArbitrary, { maxLength: 60 }).map((list) => {
    let t = 0;
    return list.map(({ entranceId, rssiDbm, gapMs }) => ({ entranceId, rssiDbm, timeMs: (t += gapMs) }));
  });
  const grantedArbitrary = fc.subarray(ids);
  const optionsArbitrary = fc.record({
    touchDbm: fc.integer({ min: -70, max: -25 }),
    hysteresisDb: fc.integer({ min: 0, max: 12 }),
    windowMs: fc.integer({ min: 50, max: 1000 }),
    minSamples: fc.integer({ min: 1, max: 4 }),
    marginDb: fc.integer({ min: 0, max: 20 }),
  });

  function decisions(granted: string[], opts: typeof options, stream: RssiSample[]) {
    const ranker = new TapRanker(granted, opts);
    return stream.map((sample) => {
      ranker.observe(sample);
      return ranker.decide(sample.timeMs);
    });
  }

  it('every unlock names a granted entrance at or over the touch level, clear of every other granted one by the margin', () => {
    fc.assert(
      fc.property(grantedArbitrary, optionsArbitrary, streamArbitrary, (granted, opts, stream) => {
        const ranker = new TapRanker(granted, opts);
        for (const sample of stream) {
          ranker.observe(sample);
          const levels = ranker.levels(sample.timeMs);
          const decision = ranker.decide(sample.timeMs);
          if (decision.result === 'unlock') {
            expect(granted).toContain(decision.entranceId);
            expect(decision.levelDbm).toBeGreaterThanOrEqual(opts.touchDbm - opts.hysteresisDb);
            for (const [id, level] of levels) if (id !== decision.entranceId) expect(decision.levelDbm - level).toBeGreaterThanOrEqual(opts.marginDb);
          }
          if (decision.result === 'tap_ambiguous') {
            expect(granted).toEqual(expect.arrayContaining(decision.entranceIds));
            expect(Math.abs(decision.levelsDbm[0] - decision.levelsDbm[1])).toBeLessThan(opts.marginDb);
          }
        }
      }),
    );
  });

  it('samples from entrances without a credential change nothing', () => {
    fc.assert(
      fc.property(grantedArbitrary, optionsArbitrary, streamArbitrary, (granted, opts, stream) => {
        const grantedOnly = stream.filter((s) => granted.includes(s.entranceId));
        const withAll = decisions(granted, opts, stream).filter((_, i) => granted.includes(stream[i]!.entranceId));
        expect(withAll).toEqual(decisions(granted, opts, grantedOnly));
      }),
    );
  });

  it('no second unlock of an entrance without its level first falling below touch − hysteresis', () => {
    fc.assert(
      fc.property(grantedArbitrary, optionsArbitrary, streamArbitrary, (granted, opts, stream) => {
        const ranker = new TapRanker(granted, opts);
        const spent = new Set<string>();
        for (const sample of stream) {
          ranker.observe(sample);
          const levels = ranker.levels(sample.timeMs);
          for (const id of [...spent]) if ((levels.get(id) ?? -Infinity) < opts.touchDbm - opts.hysteresisDb) spent.delete(id);
          const decision = ranker.decide(sample.timeMs);
          if (decision.result === 'unlock') {
            expect(spent.has(decision.entranceId)).toBe(false);
            spent.add(decision.entranceId);
          }
        }
      }),
    );
  });
});
