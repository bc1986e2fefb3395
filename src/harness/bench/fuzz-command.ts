/**
 * The fuzz figures are those of the user's own command, run as a child process exactly as typed
 * (`latchkey fuzz --target T --seconds 10 --seed 5 --json`), with an empty corpus directory (what
 * a fresh checkout has). The published cases per CPU second are therefore reproducible by that
 * command: same seed, same case sequence, a cold process, one target at a time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TargetName } from '../fuzz/types.ts';

export const fuzzBenchSeed = 5;
export const fuzzBenchSeconds = 10;

export interface FuzzFigure {
  target: TargetName;
  /** The command a user runs to reproduce the figure. */
  command: string;
  cases: number;
  casesPerS: number;
  casesPerCpuS: number;
  findings: number;
  sequenceDigest: string;
}

export function fuzzCommand(target: TargetName, seconds: number, seed: number): string {
  return `npx latchkey fuzz --target ${target} --seconds ${seconds} --seed ${seed}`;
}

/** Parses `latchkey fuzz --json` output for one target. */
export function parseFuzzJson(output: string, target: TargetName, command: string): FuzzFigure {
  const report = JSON.parse(output) as { targets?: { target: string; cases: number; casesPerS: number; casesPerCpuS: number; findings: number; sequenceDigest: string }[] };
  const row = report.targets?.find((entry) => entry.target === target);
  if (row === undefined) throw new Error(`fuzz bench: no "${target}" row in the fuzz --json output`);
  return { target, command, cases: row.cases, casesPerS: row.casesPerS, casesPerCpuS: row.casesPerCpuS, findings: row.findings, sequenceDigest: row.sequenceDigest };
}

export function runFuzzCommand(target: TargetName, options: { seconds: number; seed: number; casesMax?: number }): FuzzFigure {
  const corpus = mkdtempSync(join(tmpdir(), 'latchkey-bench-corpus-'));
  const findings = mkdtempSync(join(tmpdir(), 'latchkey-bench-findings-'));
  const bin = fileURLToPath(new URL('../../../bin/latchkey.js', import.meta.url));
  const args = [bin, 'fuzz', '--target', target, '--seconds', String(options.seconds), '--seed', String(options.seed), '--json', '--corpus', corpus, '--findings', findings, ...(options.casesMax !== undefined ? ['--cases', String(options.casesMax)] : [])];
  try {
    // Exit status 1 means findings: the JSON is still printed, and the table reports them.
    let output: string;
    try {
      output = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: (options.seconds + 120) * 1000 });
    } catch (error) {
      const failed = error as { status?: number; stdout?: string };
      if (failed.status !== 1 || !failed.stdout) throw error;
      output = failed.stdout;
    }
    return parseFuzzJson(output, target, fuzzCommand(target, options.seconds, options.seed));
  } finally {
    rmSync(corpus, { recursive: true, force: true });
    rmSync(findings, { recursive: true, force: true });
  }
}
