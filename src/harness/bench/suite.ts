/**
 * The benchmark suite behind `latchkey bench`: every figure is measured beside its reference in
 * the same run (openssl speed for crypto, a 4-round-trip Aliro-shaped exchange for latency, the
 * issue's goals for the rest). `quick` is a smoke of the harness: tiny sizes, numbers meaningless.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createNodeProvider } from '../../protocol/crypto/node.ts';
import { benchAccessGrants, type GrantBenchResult } from './api.ts';
import { targetNames } from '../fuzz/types.ts';
import { measureAliroShaped, type AliroShapedResult } from './aliro-shaped.ts';
import { runCryptoRounds, type CryptoRoundsResult } from './crypto-rounds.ts';
import { fuzzBenchSeconds, fuzzBenchSeed, runFuzzCommand, type FuzzFigure } from './fuzz-command.ts';
import { runFuzzRounds, type FuzzRoundsResult } from './fuzz-rounds.ts';
import { runScale } from './sim-scale.ts';
import { measureUnlockLatency, type LatencyRow } from './unlock-latency.ts';

export interface BenchResults {
  quick: boolean;
  measuredAt: string;
  /** `git rev-parse --short HEAD` (with -dirty when the tree has changes), when git is there. */
  commit: string | undefined;
  node: string;
  cpu: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  crypto: CryptoRoundsResult;
  latency: LatencyRow[];
  aliroShaped: (AliroShapedResult & { connIntervalMs: number; mtu: number })[];
  scale: Awaited<ReturnType<typeof runScale>> & { doors: number; workers: number };
  api: GrantBenchResult;
  fuzz: FuzzFigure[];
  /** The credential target's figure in interleaved rounds with openssl (full runs only). */
  fuzzRounds?: FuzzRoundsResult;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

export async function runBenchSuite(options: { quick: boolean; log: (message: string) => void }): Promise<BenchResults> {
  const { quick, log } = options;
  const loadAverageAtStart = loadavg().map(round2);
  const crypto = await runCryptoRounds({
    rounds: quick ? 1 : 5,
    opensslSeconds: quick ? 0 : 1,
    firstUnlockCases: quick ? { node: 4, noble: 2 } : { node: 1500, noble: 60 },
    cycledMs: quick ? 20 : 700,
    lockPathBatches: quick ? 1 : 3,
    log,
  });
  const node = createNodeProvider();

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

  log(`fuzz throughput: the user's command per target, ${quick ? 'quick' : `${fuzzBenchSeconds} s each`}…`);
  const fuzz = targetNames.map((target) => runFuzzCommand(target, quick ? { seconds: 1, seed: fuzzBenchSeed, casesMax: 30 } : { seconds: fuzzBenchSeconds, seed: fuzzBenchSeed }));
  let fuzzRounds: FuzzRoundsResult | undefined;
  if (!quick) {
    log('fuzz: the credential command in 5 rounds interleaved with openssl speed…');
    fuzzRounds = runFuzzRounds({ target: 'credential', rounds: 5, seconds: fuzzBenchSeconds, seed: fuzzBenchSeed, opensslSeconds: 1 });
  }

  return {
    quick,
    measuredAt: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    loadAverageAtStart,
    loadAverageAtEnd: loadavg().map(round2),
    crypto,
    latency,
    aliroShaped,
    scale,
    api,
    fuzz,
    ...(fuzzRounds !== undefined ? { fuzzRounds } : {}),
  };
}

function gitCommit(): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return `${head}${dirty ? '-dirty' : ''}`;
  } catch {
    return undefined; // not a git checkout (a tarball): the report says "unknown"
  }
}
