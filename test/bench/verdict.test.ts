import { describe, expect, it } from 'vitest';
import { decide, describeVerdict, formatRatio, verdictWord, type Goal } from '../../src/harness/bench/verdict.ts';

const atLeast = (threshold: number): Goal => ({ label: 'ratio', comparison: 'at-least', threshold });

describe('benchmark verdicts on unrounded values', () => {
  it('0.846 against a goal of 0.85 is missed, and is not displayed as 0.85', () => {
    const ratio = 8223 / 9718; // the audit's node/EdDSA full verify: 0.8461…
    const verdict = decide(atLeast(0.85), ratio);
    expect(verdict.met).toBe(false);
    expect(verdictWord(verdict)).toBe('**missed**');
    expect(formatRatio(ratio, 2, atLeast(0.85))).toBe('0.84');
    expect(formatRatio(ratio, 3, atLeast(0.85))).toBe('0.846');
    expect(describeVerdict(verdict)).toBe('0.846 (goal ≥ 0.85) **missed**');
  });

  it('a value just below the threshold is never shown rounded up to it', () => {
    const verdict = decide(atLeast(0.85), 0.84996);
    expect(verdict.met).toBe(false);
    expect(formatRatio(0.84996, 3, atLeast(0.85))).toBe('0.849');
    expect(formatRatio(0.84996, 3)).toBe('0.850'); // without a goal: nearest
  });

  it('the threshold itself meets an at-least goal; at-most and below differ at the threshold', () => {
    expect(decide(atLeast(0.85), 0.85).met).toBe(true);
    expect(decide(atLeast(0.85), 0.8500001).met).toBe(true);
    expect(decide({ label: 'p99', comparison: 'at-most', threshold: 20 }, 20).met).toBe(true);
    expect(decide({ label: 'p99', comparison: 'below', threshold: 20 }, 20).met).toBe(false);
    expect(decide({ label: 'p99', comparison: 'below', threshold: 20 }, 19.9999).met).toBe(true);
  });

  it('a value just above an at-most goal is shown above it', () => {
    const goal: Goal = { label: 'ms', comparison: 'at-most', threshold: 20 };
    expect(decide(goal, 20.0004).met).toBe(false);
    expect(formatRatio(20.0004, 3, goal)).toBe('20.001');
  });

  it('NaN and infinity never meet a goal', () => {
    expect(decide(atLeast(0), Number.NaN).met).toBe(false);
    expect(decide(atLeast(0), Number.POSITIVE_INFINITY).met).toBe(false);
    expect(formatRatio(Number.NaN)).toBe('–');
  });
});
