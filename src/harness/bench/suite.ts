/**
 * The benchmark suite behind `latchkey bench`: every figure is measured beside its reference in
 * the same run (openssl speed for crypto, a 4-round-trip Aliro-shaped exchange for latency, the
 * issue's goals for the rest). `quick` is a smoke of the harness: tiny sizes, numbers meaningless.
 */
import { cpus, loadavg } from 'node:os';
import { parseCredential } from '../../protocol/credential.ts';
import { createNodeProvider } from '../../protocol/crypto/node.ts';
import { createNobleProvider } from '../../protocol/crypto/noble.ts';
import { benchAccessGrants, type GrantBenchResult } from '../../server/bench.ts';
import { runFuzz } from '../fuzz/runner.ts';
import { targetNames } from '../fuzz/types.ts';
import { measureAliroShaped, type AliroShapedResult } from './aliro-shaped.ts';
import { makeVerifyCases, opsPerSecond, verifyHolderOnly, verifyOnce } from './credential-verify.ts';
import { issuancePerSecond } from './issuance.ts';
import { runOpensslSpeed, twoVerifyBound, type OpensslSpeed } from './openssl-speed.ts';
import { runScale } from './sim-scale.ts';
import { measureUnlockLatency, type LatencyRow } from './unlock-latency.ts';

export interface VerifyRow {
  provider: string;
  issuerAlgorithm: string;
  fullVerifyPerS: number;
  cachedRepeatVerifyPerS: number;
  opensslTwoVerifyBoundPerS: number | undefined;
  ratioToTwoVerifyBound: number | undefined;
  opensslOneVerifyBoundPerS: number | undefined;
  ratioToOneVerifyBound: number | undefined;
}

export interface BenchResults {
  quick: boolean;
  measuredAt: string;
  node: string;
  cpu: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  openssl: OpensslSpeed | undefined;
  verify: VerifyRow[];
  issuance: { algorithm: string; perS: number; opensslSignPerS: number | undefined; ratio: number | undefined }[];
  latency: LatencyRow[];
  aliroShaped: (AliroShapedResult & { connIntervalMs: number; mtu: number })[];
  scale: Awaited<ReturnType<typeof runScale>> & { doors: number; workers: number };
  api: GrantBenchResult;
  fuzz: { target: string; cases: number; casesPerS: number; casesPerCpuS: number; findings: number }[];
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

export async function runBenchSuite(options: { quick: boolean; log: (message: string) => void }): Promise<BenchResults> {
  const { quick, log } = options;
  const loadAverageAtStart = loadavg().map(round2);
  const durationMs = quick ? 20 : 2000;
  log('openssl speed (reference)…');
  const openssl = quick ? undefined : runOpensslSpeed(2);

  log('credential verify per provider…');
  const verify: VerifyRow[] = [];
  for (const crypto of [createNodeProvider(), createNobleProvider()]) {
    for (const issuerAlgorithm of ['EdDSA', 'ES256'] as const) {
      const { cases, trusted } = makeVerifyCases(crypto, issuerAlgorithm, quick ? 4 : 64, 42);
      const full = opsPerSecond(cases, durationMs, (input) => verifyOnce(crypto, trusted, input));
      const withKeys = cases.map((input) => ({ input, holderKey: parseCredential(input.credential).claims.holderKey }));
      const cached = opsPerSecond(withKeys, durationMs, (entry) => verifyHolderOnly(crypto, entry.holderKey, entry.input));
      const issuerVerify = openssl && (issuerAlgorithm === 'EdDSA' ? openssl.ed25519VerifyPerS : openssl.ecdsaP256VerifyPerS);
      const twoBound = openssl && issuerVerify ? twoVerifyBound(issuerVerify, openssl.ecdsaP256VerifyPerS) : undefined;
      verify.push({
        provider: crypto.name,
        issuerAlgorithm,
        fullVerifyPerS: Math.round(full),
        cachedRepeatVerifyPerS: Math.round(cached),
        opensslTwoVerifyBoundPerS: twoBound && Math.round(twoBound),
        ratioToTwoVerifyBound: twoBound && full / twoBound,
        opensslOneVerifyBoundPerS: openssl?.ecdsaP256VerifyPerS,
        ratioToOneVerifyBound: openssl && cached / openssl.ecdsaP256VerifyPerS,
      });
    }
  }

  log('credential issuance…');
  const node = createNodeProvider();
  const issuance = (['EdDSA', 'ES256'] as const).map((algorithm) => {
    const perS = Math.round(issuancePerSecond(node, algorithm, durationMs));
    const opensslSignPerS = openssl && (algorithm === 'EdDSA' ? openssl.ed25519SignPerS : openssl.ecdsaP256SignPerS);
    return { algorithm, perS, opensslSignPerS, ratio: opensslSignPerS ? perS / opensslSignPerS : undefined };
  });

  log('unlock latency (virtual time)…');
  const latency: LatencyRow[] = [];
  const aliroShaped: BenchResults['aliroShaped'] = [];
  for (const connIntervalMs of quick ? [15] : [7.5, 15, 30, 50]) {
    for (const mtu of quick ? [23] : [23, 185, 247, 517]) {
      latency.push(await measureUnlockLatency(node, connIntervalMs, mtu));
      aliroShaped.push({ connIntervalMs, mtu, ...(await measureAliroShaped(connIntervalMs, mtu)) });
    }
  }
  if (!quick) {
    for (const mtu of [23, 247]) latency.push(await measureUnlockLatency(node, 15, mtu, { centralContinuesEvent: false }));
    for (const mtu of [23, 247]) latency.push(await measureUnlockLatency(node, 15, mtu, { advertisedChallenge: true }));
  }

  const doors = quick ? 40 : 10_000;
  const workers = quick ? 1 : 2;
  log(`simulator scale: ${doors} doors on ${workers} worker thread(s)…`);
  const scale = { ...(await runScale(doors, workers, quick ? 4 : 200, quick ? 3 : 10)), doors, workers };

  log('API: access grants over loopback on a SQLite file…');
  const api = await benchAccessGrants({ count: quick ? 20 : 3000, concurrency: quick ? 2 : 8 });

  log('fuzz throughput…');
  const fuzzReport = await runFuzz({ seed: 20261123, targets: targetNames, durationMsPerTarget: quick ? 100 : 5000, ...(quick ? { casesMaxPerTarget: 30 } : {}), canary: false });
  const fuzz = fuzzReport.targets.map((t) => ({ target: t.target, cases: t.cases, casesPerS: t.casesPerS, casesPerCpuS: t.casesPerCpuS, findings: t.findings }));

  return {
    quick,
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    loadAverageAtStart,
    loadAverageAtEnd: loadavg().map(round2),
    openssl,
    verify,
    issuance,
    latency,
    aliroShaped,
    scale,
    api,
    fuzz,
  };
}
