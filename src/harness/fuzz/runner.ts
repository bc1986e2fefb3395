/**
 * The one fuzz runner (TigerBeetle style): one seed drives everything and is reported first with
 * the command that replays the run; each case gets its own random stream forked from the seed, the
 * target and the case number, so the same seed gives the same case sequence. Findings (crash, a
 * case over its time bound, an accepted invalid input, an actuation on invalid input) are saved as
 * JSON with a one-line replay command; inputs that reach a new outcome are kept as a corpus.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { errorCodes } from '../../protocol/errors.ts';
import { caseRandom } from './case-random.ts';
import { createTarget } from './targets.ts';
import type { CaseResult, CaseRun, FuzzTarget, TargetName } from './types.ts';

/** A case slower than this (wall clock) is a finding. */
export const caseTimeMsMax = 1000;
/** Distinct findings saved per run (duplicates of one signature are only counted). */
export const findingFilesMax = 32;

export interface FuzzOptions {
  seed: number;
  targets: readonly TargetName[];
  /** Wall-clock budget per target. */
  durationMsPerTarget: number;
  /** Stop a target after this many cases (tests use it for exact determinism). */
  casesMaxPerTarget?: number;
  canary: boolean;
  /** Where findings are written; undefined = keep them in memory only. */
  findingsDir?: string;
  /** Corpus root (one folder per target); undefined = no corpus on disk. */
  corpusDir?: string;
  /** Stop a target at its first finding (the canary test uses it). */
  stopOnFinding?: boolean;
  onProgress?: (progress: FuzzProgress) => void;
}

export interface FuzzProgress {
  target: TargetName;
  cases: number;
  elapsedMs: number;
  budgetMs: number;
  findings: number;
}

export interface SavedFinding {
  target: TargetName;
  seed: number;
  caseIndex: number;
  sub: string;
  kind: string;
  detail: string;
  input: unknown;
  file: string | undefined;
  replay: string;
}

export interface TargetReport {
  target: TargetName;
  cases: number;
  elapsedMs: number;
  casesPerS: number;
  /** Cases per second of this process's CPU time (user + system): stable on a shared machine. */
  casesPerCpuS: number;
  findings: number;
  distinctFindings: number;
  /** Outcome (error code or accepted) → count, per sub-target. */
  outcomes: Record<string, Record<string, number>>;
  corpusAdded: number;
  corpusLoaded: number;
  /** A digest of the case outcomes in order: equal for equal seeds and case counts. */
  sequenceDigest: string;
}

export interface FuzzReport {
  seed: number;
  canary: boolean;
  targets: TargetReport[];
  findings: SavedFinding[];
  distinctErrorCodes: string[];
}

export function runCommandFor(seed: number, targets: readonly TargetName[], seconds: number, canary: boolean): string {
  return `npx latchkey fuzz --seed ${seed} --target ${targets.length === 3 ? 'all' : targets.join(',')} --seconds ${seconds}${canary ? ' --canary' : ''}`;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  // Refusals are exceptions: capturing a stack for each of them was ~10 % of a credential case's
  // CPU (--cpu-prof). Cases run without stack capture; a case that yields a finding is run again
  // with `findingStackFrames` frames so its description names where it failed (runTarget).
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await runTargets(options);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

async function runTargets(options: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { seed: options.seed, canary: options.canary, targets: [], findings: [], distinctErrorCodes: [] };
  const codes = new Set<string>();
  for (const name of options.targets) {
    const target = await createTarget(name, { seed: options.seed, canary: options.canary });
    const corpus = options.corpusDir === undefined ? undefined : loadCorpus(target, join(options.corpusDir, name));
    const targetReport = await runTarget(target, options, report.findings, corpus?.outcomes ?? new Set());
    for (const outcomes of Object.values(targetReport.outcomes)) for (const code of Object.keys(outcomes)) codes.add(code);
    report.targets.push({ ...targetReport, corpusLoaded: corpus?.files ?? 0 });
  }
  report.distinctErrorCodes = [...codes].filter((code) => Object.hasOwn(errorCodes, code)).sort();
  return report;
}

/** `inCorpus`: `sub/outcome` pairs the on-disk corpus already has an input for. */
async function runTarget(target: FuzzTarget, options: FuzzOptions, findings: SavedFinding[], inCorpus: Set<string>): Promise<Omit<TargetReport, 'corpusLoaded'>> {
  const outcomes: Record<string, Record<string, number>> = {};
  const signatures = new Map<string, number>();
  let findingCount = 0;
  let corpusAdded = 0;
  let digest = 0x811c9dc5;
  const startMs = performance.now();
  const startCpu = process.cpuUsage();
  let lastProgressMs = startMs;
  let cases = 0;
  for (;;) {
    const nowMs = performance.now();
    if (nowMs - startMs >= options.durationMsPerTarget || (options.casesMaxPerTarget !== undefined && cases >= options.casesMaxPerTarget)) break;
    if (options.onProgress && nowMs - lastProgressMs >= 100) {
      lastProgressMs = nowMs;
      options.onProgress({ target: target.name, cases, elapsedMs: nowMs - startMs, budgetMs: options.durationMsPerTarget, findings: findingCount });
      await new Promise((resolve) => setImmediate(resolve)); // let the progress bar draw
    }
    const caseIndex = cases++;
    const random = caseRandom(options.seed, target.name, caseIndex);
    const caseStartMs = performance.now();
    const pending = target.runCase(random);
    let run = pending instanceof Promise ? await pending : pending;
    const caseMs = performance.now() - caseStartMs;
    if (run.result.finding !== undefined && run.result.finding.kind !== 'hang') run = await withStacks(target, options.seed, caseIndex, run);
    let result: CaseResult = run.result;
    if (result.finding === undefined && caseMs > caseTimeMsMax) result = { ...result, finding: { kind: 'hang', detail: `case took ${Math.round(caseMs)} ms (bound ${caseTimeMsMax} ms)` } };
    const bySub = (outcomes[result.sub] ??= {});
    const isNew = bySub[result.outcome] === undefined;
    bySub[result.outcome] = (bySub[result.outcome] ?? 0) + 1;
    digest = fnv(digest, `${result.sub}/${result.outcome}`);
    if (result.finding !== undefined) {
      findingCount++;
      const signature = `${result.sub}/${result.finding.kind}/${normalize(result.finding.detail)}`;
      const seen = signatures.get(signature) ?? 0;
      signatures.set(signature, seen + 1);
      if (seen === 0 && findings.length < findingFilesMax) findings.push(saveFinding(target.name, options, caseIndex, result, run.input()));
      if (options.stopOnFinding) break;
      continue;
    }
    if (isNew && run.poolBytes !== undefined) {
      target.keep(result.sub, run.poolBytes);
      const key = `${result.sub}/${result.outcome}`;
      if (options.corpusDir !== undefined && !inCorpus.has(key)) {
        inCorpus.add(key);
        saveCorpus(join(options.corpusDir, target.name), result, run.poolBytes);
        corpusAdded++;
      }
    }
  }
  const elapsedMs = performance.now() - startMs;
  const cpu = process.cpuUsage(startCpu);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  options.onProgress?.({ target: target.name, cases, elapsedMs, budgetMs: options.durationMsPerTarget, findings: findingCount });
  return {
    target: target.name,
    cases,
    elapsedMs: Math.round(elapsedMs),
    casesPerS: Math.round((cases * 1000) / Math.max(elapsedMs, 1)),
    casesPerCpuS: Math.round((cases * 1000) / Math.max(cpuMs, 1)),
    findings: findingCount,
    distinctFindings: signatures.size,
    outcomes,
    corpusAdded,
    sequenceDigest: (digest >>> 0).toString(16).padStart(8, '0'),
  };
}

/** Frames captured when a finding's case is run again (describeError prints two). */
export const findingStackFrames = 4;

/**
 * Runs a case that yielded a finding again with stack capture on, so the finding's description
 * carries the frames it would have had; cases are pure functions of (seed, target, index), so the
 * re-run meets the same finding. If it somehow does not, the first run stands.
 */
export async function withStacks(target: FuzzTarget, seed: number, caseIndex: number, first: CaseRun): Promise<CaseRun> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = findingStackFrames;
  try {
    const pending = target.runCase(caseRandom(seed, target.name, caseIndex));
    const again = pending instanceof Promise ? await pending : pending;
    return again.result.finding !== undefined ? again : first;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function fnv(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Numbers and hex vary between occurrences of one bug; strip them to group findings. */
function normalize(detail: string): string {
  return detail.replace(/[0-9a-f]{16,}/g, 'H').replace(/\d+/g, 'N').slice(0, 200);
}

function saveFinding(target: TargetName, options: FuzzOptions, caseIndex: number, result: CaseResult, input: unknown): SavedFinding {
  const name = `${target}-${options.seed}-${caseIndex}.json`;
  const file = options.findingsDir === undefined ? undefined : join(options.findingsDir, name);
  const finding: SavedFinding = {
    target,
    seed: options.seed,
    caseIndex,
    sub: result.sub,
    kind: result.finding!.kind,
    detail: result.finding!.detail,
    input,
    file,
    replay: `npx latchkey fuzz --replay ${file ?? join('findings', name)}`,
  };
  if (file !== undefined) {
    mkdirSync(options.findingsDir!, { recursive: true });
    writeFileSync(file, `${JSON.stringify({ ...finding, file: undefined, canary: options.canary }, null, 2)}\n`);
  }
  return finding;
}

/**
 * Corpus files: `<sub>-<outcome>-<FNV-1a of the bytes>.hex`, one hex line each. An input is kept
 * when it reaches a sub-target/outcome pair the corpus has no input for yet, so the corpus stays
 * bounded by (sub-targets × outcomes) across runs.
 */
function saveCorpus(dir: string, result: CaseResult, bytes: Uint8Array): void {
  const name = `${result.sub}-${result.outcome}-${digestHex(bytes)}.hex`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `${toHex(bytes)}\n`);
}

function digestHex(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Loads `<sub>-<outcome>-*.hex` files in name order (sorted, so a given corpus gives a given run). */
function loadCorpus(target: FuzzTarget, dir: string): { files: number; outcomes: Set<string> } {
  const outcomes = new Set<string>();
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.hex')).sort();
  } catch {
    return { files: 0, outcomes };
  }
  for (const name of names) {
    const [sub, outcome] = name.split('-');
    const hex = readFileSync(join(dir, name), 'utf8').trim();
    if (sub === undefined || outcome === undefined || !/^([0-9a-f]{2})*$/.test(hex)) continue;
    target.keep(sub, fromHex(hex));
    outcomes.add(`${sub}/${outcome}`);
  }
  return { files: names.length, outcomes };
}

/** Runs a saved finding's input again; the result says whether it still reproduces. */
export async function replayFinding(path: string): Promise<{ finding: SavedFinding; result: CaseResult }> {
  const finding = JSON.parse(readFileSync(path, 'utf8')) as SavedFinding & { canary?: boolean };
  const target = await createTarget(finding.target, { seed: finding.seed, canary: finding.canary ?? false });
  const result = await target.replay(finding.input);
  return { finding, result };
}
