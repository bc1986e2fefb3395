import { describe, expect, it } from 'vitest';
import { spreadOf } from '../../src/harness/bench/cpu-rate.ts';
import { pathBound, summarise, type CryptoRound } from '../../src/harness/bench/crypto-rounds.ts';
import type { OpensslSpeed } from '../../src/harness/bench/openssl-speed.ts';

const openssl = (scale: number): OpensslSpeed => ({ version: 'x', ecdsaP256VerifyPerS: 10_000 * scale, ecdsaP256SignPerS: 40_000 * scale, ed25519VerifyPerS: 10_000 * scale, ed25519SignPerS: 20_000 * scale, ecdhP256PerS: 20_000 * scale });
const noOps = { ecdsaP256Verify: 0, ed25519Verify: 0, ed25519Sign: 0, ecdhP256: 0, p256KeyGen: 0 };

function round(scale: number, firstUnlockPerCpuS: number, loadAverage = [1, 1, 1]): CryptoRound {
  return {
    loadAverage,
    openssl: openssl(scale),
    verify: [{ provider: 'node', issuerAlgorithm: 'EdDSA', firstUnlockPerCpuS, cachedPerCpuS: 2 * firstUnlockPerCpuS }],
    issuance: [{ algorithm: 'EdDSA', perCpuS: 10_000 * scale }],
    lockPaths: [{ issuerAlgorithm: 'EdDSA', path: 'resume', perCpuS: 1000, perWallS: 500, operations: { ...noOps, p256KeyGen: 1 } }],
  };
}

describe('crypto rounds: medians of per-round ratios', () => {
  it('spreadOf gives the median (middle, or mean of the middle two), min and max, dropping NaN', () => {
    expect(spreadOf([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, rounds: 3 });
    expect(spreadOf([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, rounds: 4 });
    expect(spreadOf([Number.NaN, 5])).toEqual({ median: 5, min: 5, max: 5, rounds: 1 });
    expect(spreadOf([]).rounds).toBe(0);
  });

  it('pathBound is 1 / Σ(count ÷ rate), key generation at the ECDH rate', () => {
    const ops = { ecdsaP256Verify: 1, ed25519Verify: 1, ed25519Sign: 2, ecdhP256: 2, p256KeyGen: 1 };
    // 1/10000 + 1/10000 + 2/20000 + 3/20000 = 0.00045 s
    expect(pathBound(ops, openssl(1))).toBeCloseTo(1 / 0.00045, 6);
    expect(pathBound(noOps, openssl(1))).toBeNaN();
  });

  it('each ratio is taken within its round: a round where both sides slowed keeps its ratio', () => {
    // Round 2 ran under load: openssl and latchkey both halved; the ratio is unchanged.
    const rounds = [round(1, 4250), round(0.5, 2125), round(1, 4000), round(1, 4500), round(1, 4300)];
    const bound = 1 / (1 / 10_000 + 1 / 10_000); // 5,000
    const { verify, issuance, lockPaths } = summarise(rounds);
    const ratios = verify[0]!.firstUnlockRatio!;
    expect(ratios.median).toBeCloseTo(4250 / bound, 9);
    expect(ratios.min).toBeCloseTo(4000 / bound, 9);
    expect(ratios.max).toBeCloseTo(4500 / bound, 9);
    expect(verify[0]!.firstUnlockPerCpuS.median).toBe(4250);
    expect(verify[0]!.cachedRatio!.median).toBeCloseTo(8500 / bound, 9);
    expect(issuance[0]!.ratio).toEqual({ median: 0.5, min: 0.5, max: 0.5, rounds: 5 });
    expect(lockPaths[0]!.ratio!.median).toBeCloseTo(1000 / 20_000, 9);
    // Not the ratio of medians over another round's reference: 0.85 exactly here.
    expect(ratios.median).toBe(0.85);
  });

  it('without openssl (quick smoke) there are no ratios', () => {
    const quick = { ...round(1, 100), openssl: undefined };
    const { verify } = summarise([quick]);
    expect(verify[0]!.firstUnlockRatio).toBeUndefined();
    expect(verify[0]!.opensslTwoVerifyBoundPerS).toBeUndefined();
  });
});
