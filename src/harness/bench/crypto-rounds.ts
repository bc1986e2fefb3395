/**
 * The crypto figures, measured against `openssl speed` in interleaved rounds (A B A B …): each
 * round runs openssl, then latchkey's measurements, and every ratio is taken within its round.
 * The report gives the median ratio over the rounds and its spread (min–max), so a burst of load
 * from another session moves one round, not the verdict. All rates are per user-CPU second, the
 * unit openssl reports (cpu-rate.ts).
 */
import { loadavg } from 'node:os';
import { createNodeProvider } from '../../protocol/crypto/node.ts';
import { createNobleProvider } from '../../protocol/crypto/noble.ts';
import type { CryptoProvider, SignatureAlgorithm } from '../../protocol/crypto/provider.ts';
import { spreadOf, type Spread } from './cpu-rate.ts';
import { cachedVerifyRate, firstUnlockVerifyRate, makeVerifyCases, type VerifyCase } from './credential-verify.ts';
import { issuanceRate } from './issuance.ts';
import { measureLockPaths, type LockPath, type PathOperations } from './lock-paths.ts';
import { runOpensslSpeed, twoVerifyBound, type OpensslSpeed } from './openssl-speed.ts';

const algorithms: readonly SignatureAlgorithm[] = ['EdDSA', 'ES256'];
const providers: readonly { name: 'node' | 'noble'; make: () => CryptoProvider }[] = [
  { name: 'node', make: createNodeProvider },
  { name: 'noble', make: createNobleProvider },
];

export interface CryptoRoundsOptions {
  rounds: number;
  /** Seconds per operation in each openssl run; 0: no openssl (quick smoke, no ratios). */
  opensslSeconds: number;
  /** Distinct first-unlock cases per provider (node, noble). */
  firstUnlockCases: { node: number; noble: number };
  /** Wall time of each cycled (cached) verify and issuance measurement per round. */
  cycledMs: number;
  /** Batches of 30 phones per lock path measurement. */
  lockPathBatches: number;
  log: (message: string) => void;
}

/** One round's figures (kept in results.json). */
export interface CryptoRound {
  loadAverage: number[];
  openssl: OpensslSpeed | undefined;
  verify: { provider: string; issuerAlgorithm: SignatureAlgorithm; firstUnlockPerCpuS: number; cachedPerCpuS: number }[];
  issuance: { algorithm: SignatureAlgorithm; perCpuS: number }[];
  lockPaths: { issuerAlgorithm: SignatureAlgorithm; path: LockPath; perCpuS: number; perWallS: number; operations: PathOperations }[];
}

export interface VerifyRow {
  provider: string;
  issuerAlgorithm: SignatureAlgorithm;
  /** Each case's holder key seen for the first time (a lock's first unlock). */
  firstUnlockPerCpuS: Spread;
  /** 64 cases cycled: holder keys imported once and cached (not a path a lock has). */
  cachedPerCpuS: Spread;
  opensslTwoVerifyBoundPerS: Spread | undefined;
  firstUnlockRatio: Spread | undefined;
  cachedRatio: Spread | undefined;
}

export interface LockPathRow {
  issuerAlgorithm: SignatureAlgorithm;
  path: LockPath;
  perCpuS: Spread;
  operations: PathOperations;
  /** 1 / Σ(count ÷ openssl rate) over the counted public-key operations (key generation at the ECDH rate). */
  opensslBoundPerS: Spread | undefined;
  ratio: Spread | undefined;
}

export interface IssuanceRow {
  algorithm: SignatureAlgorithm;
  perCpuS: Spread;
  opensslSignPerS: Spread | undefined;
  ratio: Spread | undefined;
}

export interface CryptoRoundsResult {
  rounds: CryptoRound[];
  opensslVersion: string | undefined;
  verify: VerifyRow[];
  lockPaths: LockPathRow[];
  issuance: IssuanceRow[];
}

/** openssl's cost for a path's counted public-key operations, as operations per second. */
export function pathBound(operations: PathOperations, openssl: OpensslSpeed): number {
  const seconds =
    operations.ecdsaP256Verify / openssl.ecdsaP256VerifyPerS +
    operations.ed25519Verify / openssl.ed25519VerifyPerS +
    operations.ed25519Sign / openssl.ed25519SignPerS +
    (operations.ecdhP256 + operations.p256KeyGen) / openssl.ecdhP256PerS;
  return seconds > 0 ? 1 / seconds : Number.NaN;
}

const issuerVerifyRate = (openssl: OpensslSpeed, algorithm: SignatureAlgorithm): number => (algorithm === 'EdDSA' ? openssl.ed25519VerifyPerS : openssl.ecdsaP256VerifyPerS);

export async function runCryptoRounds(options: CryptoRoundsOptions): Promise<CryptoRoundsResult> {
  const { log } = options;
  log('crypto: building verify cases (distinct holder keys)…');
  const pools = new Map<string, { warm: VerifyCase; cases: VerifyCase[]; trusted: ReturnType<typeof makeVerifyCases>['trusted'] }>();
  for (const provider of providers) {
    for (const algorithm of algorithms) {
      const count = options.firstUnlockCases[provider.name];
      // Built with a throwaway provider: the measured one must not have seen the holder keys.
      const { cases, trusted } = makeVerifyCases(createNodeProvider(), algorithm, count + 1, 42);
      pools.set(`${provider.name}/${algorithm}`, { warm: cases[0]!, cases: cases.slice(1), trusted });
    }
  }
  const rounds: CryptoRound[] = [];
  let opensslVersion: string | undefined;
  for (let round = 0; round < options.rounds; round++) {
    const loadAverage = loadavg().map((value) => Math.round(value * 100) / 100);
    log(`crypto round ${round + 1}/${options.rounds}: openssl speed (load ${loadAverage.join(' ')})…`);
    const openssl = options.opensslSeconds > 0 ? runOpensslSpeed(options.opensslSeconds) : undefined;
    opensslVersion ??= openssl?.version;
    log(`crypto round ${round + 1}/${options.rounds}: latchkey…`);
    const verify: CryptoRound['verify'] = [];
    for (const provider of providers) {
      for (const algorithm of algorithms) {
        const pool = pools.get(`${provider.name}/${algorithm}`)!;
        const cached = cachedVerifyRate(provider.make(), pool.trusted, pool.cases.slice(0, 64), options.cycledMs);
        const first = firstUnlockVerifyRate(provider.make(), pool.trusted, pool.warm, pool.cases);
        verify.push({ provider: provider.name, issuerAlgorithm: algorithm, firstUnlockPerCpuS: first.perCpuS, cachedPerCpuS: cached.perCpuS });
      }
    }
    const node = createNodeProvider();
    const issuance = algorithms.map((algorithm) => ({ algorithm, perCpuS: issuanceRate(node, algorithm, options.cycledMs).perCpuS }));
    const paths: CryptoRound['lockPaths'] = [];
    for (const algorithm of algorithms) {
      for (const result of await measureLockPaths(algorithm, options.lockPathBatches, 7 + round)) {
        paths.push({ issuerAlgorithm: algorithm, path: result.path, perCpuS: result.rate.perCpuS, perWallS: result.rate.perWallS, operations: result.operations });
      }
    }
    rounds.push({ loadAverage, openssl, verify, issuance, lockPaths: paths });
  }
  return { rounds, opensslVersion, ...summarise(rounds) };
}

const spreadIfAll = (values: (number | undefined)[]): Spread | undefined => (values.every((value) => value !== undefined) && values.length > 0 ? spreadOf(values as number[]) : undefined);

/** Medians and spreads over the rounds; every ratio is taken within its own round first. */
export function summarise(rounds: readonly CryptoRound[]): Pick<CryptoRoundsResult, 'verify' | 'lockPaths' | 'issuance'> {
  const first = rounds[0];
  if (first === undefined) return { verify: [], lockPaths: [], issuance: [] };
  const verify = first.verify.map(({ provider, issuerAlgorithm }) => {
    const pick = (round: CryptoRound) => round.verify.find((v) => v.provider === provider && v.issuerAlgorithm === issuerAlgorithm)!;
    const bound = (round: CryptoRound) => round.openssl && twoVerifyBound(issuerVerifyRate(round.openssl, issuerAlgorithm), round.openssl.ecdsaP256VerifyPerS);
    return {
      provider,
      issuerAlgorithm,
      firstUnlockPerCpuS: spreadOf(rounds.map((round) => pick(round).firstUnlockPerCpuS)),
      cachedPerCpuS: spreadOf(rounds.map((round) => pick(round).cachedPerCpuS)),
      opensslTwoVerifyBoundPerS: spreadIfAll(rounds.map(bound)),
      firstUnlockRatio: spreadIfAll(rounds.map((round) => { const b = bound(round); return b && pick(round).firstUnlockPerCpuS / b; })),
      cachedRatio: spreadIfAll(rounds.map((round) => { const b = bound(round); return b && pick(round).cachedPerCpuS / b; })),
    };
  });
  const lockPathRows = first.lockPaths.map(({ issuerAlgorithm, path }) => {
    const pick = (round: CryptoRound) => round.lockPaths.find((p) => p.issuerAlgorithm === issuerAlgorithm && p.path === path)!;
    const bound = (round: CryptoRound) => round.openssl && pathBound(pick(round).operations, round.openssl);
    return {
      issuerAlgorithm,
      path,
      perCpuS: spreadOf(rounds.map((round) => pick(round).perCpuS)),
      operations: pick(first).operations,
      opensslBoundPerS: spreadIfAll(rounds.map(bound)),
      ratio: spreadIfAll(rounds.map((round) => { const b = bound(round); return b && pick(round).perCpuS / b; })),
    };
  });
  const issuance = first.issuance.map(({ algorithm }) => {
    const pick = (round: CryptoRound) => round.issuance.find((i) => i.algorithm === algorithm)!;
    const sign = (round: CryptoRound) => round.openssl && (algorithm === 'EdDSA' ? round.openssl.ed25519SignPerS : round.openssl.ecdsaP256SignPerS);
    return {
      algorithm,
      perCpuS: spreadOf(rounds.map((round) => pick(round).perCpuS)),
      opensslSignPerS: spreadIfAll(rounds.map(sign)),
      ratio: spreadIfAll(rounds.map((round) => { const s = sign(round); return s && pick(round).perCpuS / s; })),
    };
  });
  return { verify, lockPaths: lockPathRows, issuance };
}

