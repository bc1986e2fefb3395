/**
 * `latchkey fuzz`: runs the fuzz targets (src/harness/fuzz) for a time budget, or replays one
 * saved finding. The seed and the command that replays the run go to stderr first; a progress bar
 * (cases/s, findings) follows on stderr when it is a terminal; the summary goes to stdout (one
 * JSON object with --json). Exit 1 when there is a finding (or a replayed one still reproduces).
 */
import { caseTimeMsMax, replayFinding, runCommandFor, runFuzz, type FuzzProgress, type FuzzReport } from '../harness/fuzz/runner.ts';
import { targetNames, type TargetName } from '../harness/fuzz/types.ts';
import { intFlag, rejectUnknownFlags, stringFlag, UsageError, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';

export const fuzzFlags = ['seconds', 'seed', 'target', 'json', 'canary', 'cases', 'replay', 'findings', 'corpus', 'log-level'] as const;

export async function fuzzCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  rejectUnknownFlags(args, fuzzFlags);
  const json = args.flags.has('json');
  const replay = args.flags.get('replay');
  if (replay !== undefined) {
    if (replay === true) throw new UsageError('--replay needs a finding file');
    return replayCommand(replay, json, context);
  }
  const seconds = intFlag(args, 'seconds', 10, 1, 24 * 3600);
  const seed = intFlag(args, 'seed', Math.floor(Math.random() * 0x100000000), 0, 0xffffffff);
  const targetFlag = stringFlag(args, 'target', 'all', ['all', ...targetNames]);
  const targets: readonly TargetName[] = targetFlag === 'all' ? targetNames : [targetFlag as TargetName];
  // `--canary` (boolean) or `--canary=1`; `--canary=0|false` turns it off.
  const canaryFlag = args.flags.get('canary');
  const canary = canaryFlag !== undefined && canaryFlag !== '0' && canaryFlag !== 'false';
  const casesMax = args.flags.has('cases') ? intFlag(args, 'cases', 1, 1, Number.MAX_SAFE_INTEGER) : undefined;
  const findingsDir = stringFlag(args, 'findings', 'findings');
  const corpusDir = stringFlag(args, 'corpus', 'fuzz/corpus');

  process.stderr.write(`latchkey fuzz: seed ${seed}, targets ${targets.join(', ')}, ${seconds} s${canary ? ', CANARY (a finding is expected)' : ''}; replay this run with: ${runCommandFor(seed, targets, seconds, canary)}\n`);
  context.log.info({ seed, targets, seconds, canary, casesMax, findingsDir, corpusDir, caseTimeMsMax }, 'fuzz starting');
  const progress = process.stderr.isTTY ? progressBar() : undefined;
  const startCpu = process.cpuUsage();
  const report = await runFuzz({
    seed,
    targets,
    durationMsPerTarget: (seconds * 1000) / targets.length,
    ...(casesMax !== undefined ? { casesMaxPerTarget: casesMax } : {}),
    canary,
    stopOnFinding: canary,
    findingsDir,
    ...(canary ? {} : { corpusDir }),
    ...(progress ? { onProgress: progress.update } : {}),
  });
  progress?.done();
  const cpu = process.cpuUsage(startCpu);
  context.log.info({ cpuUserMs: Math.round(cpu.user / 1000), cpuSystemMs: Math.round(cpu.system / 1000) }, 'fuzz finished');
  context.out(json ? JSON.stringify({ ...report, replay: runCommandFor(seed, targets, seconds, canary) }, null, 2) : formatReport(report, seconds));
  return report.findings.length > 0 || report.targets.some((target) => target.findings > 0) ? exitCodes.failed : exitCodes.ok;
}

async function replayCommand(path: string, json: boolean, context: CommandContext): Promise<number> {
  const { finding, result } = await replayFinding(path);
  context.log.info({ path, target: finding.target, seed: finding.seed, caseIndex: finding.caseIndex }, 'replaying finding');
  const reproduced = result.finding !== undefined;
  if (json) context.out(JSON.stringify({ file: path, target: finding.target, seed: finding.seed, caseIndex: finding.caseIndex, recorded: { kind: finding.kind, detail: finding.detail }, replayed: result, reproduced }, null, 2));
  else {
    context.out(`replayed ${path} (${finding.target}, seed ${finding.seed}, case ${finding.caseIndex})`);
    context.out(`  recorded: ${finding.kind}: ${finding.detail}`);
    context.out(reproduced ? `  replayed: ${result.finding!.kind}: ${result.finding!.detail}` : `  replayed: no finding (outcome ${result.outcome}) — fixed?`);
  }
  return reproduced ? exitCodes.failed : exitCodes.ok;
}

/** One self-overwriting stderr line; no dependency. */
function progressBar(): { update: (progress: FuzzProgress) => void; done: () => void } {
  let findingsBefore = 0;
  let current: TargetName | undefined;
  let lastFindings = 0;
  return {
    update(progress) {
      if (current !== progress.target) {
        if (current !== undefined) process.stderr.write('\n');
        findingsBefore += lastFindings;
        current = progress.target;
      }
      lastFindings = progress.findings;
      const rate = Math.round((progress.cases * 1000) / Math.max(progress.elapsedMs, 1));
      const width = 20;
      const filled = Math.min(width, Math.round((progress.elapsedMs / Math.max(progress.budgetMs, 1)) * width));
      process.stderr.write(`\r${progress.target.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(progress.cases).padStart(9)} cases  ${String(rate).padStart(7)} cases/s  findings ${findingsBefore + progress.findings}   `);
    },
    done() {
      if (current !== undefined) process.stderr.write('\n');
    },
  };
}

function formatReport(report: FuzzReport, seconds: number): string {
  const lines = [`latchkey fuzz — seed ${report.seed}${report.canary ? ' (canary)' : ''}`, ''];
  lines.push('target       cases   seconds   cases/s   cases/CPU-s   findings (distinct)   outcomes');
  for (const target of report.targets) {
    const outcomes = Object.values(target.outcomes).reduce((count, bySub) => count + Object.keys(bySub).length, 0);
    lines.push(`${target.target.padEnd(10)} ${String(target.cases).padStart(7)}   ${(target.elapsedMs / 1000).toFixed(1).padStart(7)}   ${String(target.casesPerS).padStart(7)}   ${String(target.casesPerCpuS).padStart(11)}   ${`${target.findings} (${target.distinctFindings})`.padStart(19)}   ${outcomes}`);
  }
  lines.push('', `distinct error codes seen (${report.distinctErrorCodes.length}): ${report.distinctErrorCodes.join(', ')}`);
  if (report.findings.length === 0) lines.push('', 'no findings');
  for (const finding of report.findings) {
    lines.push('', `FINDING ${finding.kind} in ${finding.target}/${finding.sub} (case ${finding.caseIndex}): ${finding.detail}`);
    if (finding.file) lines.push(`  saved to ${finding.file}`);
    lines.push(`  replay: ${finding.replay}`);
  }
  lines.push('', `replay this run: ${runCommandFor(report.seed, report.targets.map((target) => target.target), seconds, report.canary)}`);
  return lines.join('\n');
}
