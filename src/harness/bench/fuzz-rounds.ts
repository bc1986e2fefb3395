/**
 * The fuzz figure measured in interleaved rounds against its reference, as the crypto figures are
 * (crypto-rounds.ts): round i runs the user's own command (`latchkey fuzz --target T --seconds S
 * --seed N`, a cold child process, empty corpus: fuzz-command.ts), then `openssl speed` (Ed25519
 * verify, the costliest step a credential case can take). On a shared machine both then see the
 * same minute's load; the report gives the median and the spread of each over the rounds, their
 * ratio per round, and the load average before and after.
 *
 *   npx tsx src/harness/bench/fuzz-rounds.ts [rounds=5] [target=credential] [seconds=10] [seed=5]
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { TargetName } from '../fuzz/types.ts';
import { targetNames } from '../fuzz/types.ts';
import { spreadOf, type Spread } from './cpu-rate.ts';
import { fuzzCommand, runFuzzCommand, type FuzzFigure } from './fuzz-command.ts';
import { runOpensslSpeed, type OpensslSpeed } from './openssl-speed.ts';

export interface FuzzRound {
  fuzz: FuzzFigure;
  opensslEd25519VerifyPerS: number;
  /** Fuzz cases per CPU second ÷ openssl Ed25519 verifies per second, this round. */
  ratio: number;
}

export interface FuzzRoundsResult {
  target: TargetName;
  command: string;
  rounds: FuzzRound[];
  casesPerCpuS: Spread;
  opensslEd25519VerifyPerS: Spread;
  ratio: Spread;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
}

export interface FuzzRoundsOptions {
  target: TargetName;
  rounds: number;
  seconds: number;
  seed: number;
  /** `openssl speed -seconds` per operation. */
  opensslSeconds: number;
  /** Injected by the test; the real runners by default. */
  runFuzz?: (target: TargetName, options: { seconds: number; seed: number }) => FuzzFigure;
  runOpenssl?: (seconds: number) => OpensslSpeed;
}

export function runFuzzRounds(options: FuzzRoundsOptions): FuzzRoundsResult {
  if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new RangeError('fuzz rounds: rounds must be a positive integer');
  const runFuzz = options.runFuzz ?? runFuzzCommand;
  const runOpenssl = options.runOpenssl ?? runOpensslSpeed;
  const loadAverageAtStart = loadavg();
  const rounds: FuzzRound[] = [];
  for (let i = 0; i < options.rounds; i++) {
    const fuzz = runFuzz(options.target, { seconds: options.seconds, seed: options.seed });
    const openssl = runOpenssl(options.opensslSeconds).ed25519VerifyPerS;
    rounds.push({ fuzz, opensslEd25519VerifyPerS: openssl, ratio: fuzz.casesPerCpuS / openssl });
  }
  return {
    target: options.target,
    command: fuzzCommand(options.target, options.seconds, options.seed),
    rounds,
    casesPerCpuS: spreadOf(rounds.map((round) => round.fuzz.casesPerCpuS)),
    opensslEd25519VerifyPerS: spreadOf(rounds.map((round) => round.opensslEd25519VerifyPerS)),
    ratio: spreadOf(rounds.map((round) => round.ratio)),
    loadAverageAtStart,
    loadAverageAtEnd: loadavg(),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [rounds = '5', target = 'credential', seconds = '10', seed = '5'] = process.argv.slice(2);
  if (!(targetNames as readonly string[]).includes(target)) throw new Error(`fuzz rounds: unknown target ${target}`);
  const result = runFuzzRounds({ target: target as TargetName, rounds: Number(rounds), seconds: Number(seconds), seed: Number(seed), opensslSeconds: 1 });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
