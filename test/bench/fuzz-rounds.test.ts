/** The fuzz rounds alternate the user's command and openssl, and summarise each with median and spread. */
import { describe, expect, it } from 'vitest';
import type { FuzzFigure } from '../../src/harness/bench/fuzz-command.ts';
import { runFuzzRounds } from '../../src/harness/bench/fuzz-rounds.ts';
import type { OpensslSpeed } from '../../src/harness/bench/openssl-speed.ts';

const openssl = (ed25519VerifyPerS: number): OpensslSpeed => ({ version: 'OpenSSL test', ecdsaP256VerifyPerS: 1, ecdsaP256SignPerS: 1, ed25519VerifyPerS, ed25519SignPerS: 1, ecdhP256PerS: 1 });
const figure = (casesPerCpuS: number): FuzzFigure => ({ target: 'credential', command: 'x', cases: casesPerCpuS * 10, casesPerS: casesPerCpuS, casesPerCpuS, findings: 0, sequenceDigest: '00000000' });

describe('fuzz rounds', () => {
  it('runs fuzz then openssl in each round (A B A B …) and reports medians, spreads and per-round ratios', () => {
    const calls: string[] = [];
    const fuzzRates = [20_000, 18_000, 22_000];
    const opensslRates = [10_000, 9_000, 8_000];
    const result = runFuzzRounds({
      target: 'credential',
      rounds: 3,
      seconds: 10,
      seed: 5,
      opensslSeconds: 1,
      runFuzz: (target, options) => {
        calls.push(`fuzz ${target} ${options.seconds} ${options.seed}`);
        return figure(fuzzRates[calls.length >> 1]!);
      },
      runOpenssl: (seconds) => {
        calls.push(`openssl ${seconds}`);
        return openssl(opensslRates[(calls.length >> 1) - 1]!);
      },
    });
    expect(calls).toEqual(['fuzz credential 10 5', 'openssl 1', 'fuzz credential 10 5', 'openssl 1', 'fuzz credential 10 5', 'openssl 1']);
    expect(result.command).toBe('npx latchkey fuzz --target credential --seconds 10 --seed 5');
    expect(result.casesPerCpuS).toEqual({ median: 20_000, min: 18_000, max: 22_000, rounds: 3 });
    expect(result.opensslEd25519VerifyPerS).toEqual({ median: 9_000, min: 8_000, max: 10_000, rounds: 3 });
    expect(result.rounds.map((round) => round.ratio)).toEqual([2, 2, 2.75]);
    expect(result.ratio.median).toBe(2);
    expect(result.loadAverageAtStart).toHaveLength(3);
  });

  it('refuses a round count that is not a positive integer', () => {
    expect(() => runFuzzRounds({ target: 'credential', rounds: 0, seconds: 1, seed: 5, opensslSeconds: 1 })).toThrow(RangeError);
  });
});
