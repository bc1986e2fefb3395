/**
 * `latchkey ble run`: bleno locks and noble phones over the virtual HCI controller (or a real
 * adapter), M attempts valid and invalid mixed, a summary or one JSON object. Wiring only: the
 * run itself is src/ble/run.ts.
 */
import { parseControllerSetting } from '../hci/host/require-hook.ts';
import { bleAttemptsMax, bleDoorsMax, runBle, type BleRunReport, type Distribution } from '../ble/run.ts';
import { intFlag, rejectUnknownFlags, stringFlag, UsageError, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';
import { hardwareFlag } from './hardware-flag.ts';
import { hciControllerFailure, hciRoleFlags } from './hci-flags.ts';

export const bleFlags = ['doors', 'attempts', 'seed', 'capture', 'hci', 'lock-hci', 'phone-hci', 'json', 'provider', 'mtu', 'scan-ms', 'timeout-ms', 'relay-bound-ms', 'hardware', 'log-level'] as const;

export async function bleCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [sub, ...rest] = args.positionals;
  if (sub !== 'run' || rest.length > 0) throw new UsageError('usage: latchkey ble run --doors N --attempts M [--seed N] [--capture FILE] [--lock-hci SPEC[,SPEC…]] [--phone-hci SPEC[,SPEC…]] [--hci virtual|hciX] [--json]');
  rejectUnknownFlags(args, bleFlags);
  const doors = intFlag(args, 'doors', 3, 1, bleDoorsMax);
  const attempts = intFlag(args, 'attempts', 50, 1, bleAttemptsMax);
  const seed = intFlag(args, 'seed', 1, 0, 0xffffffff);
  const capture = args.flags.get('capture');
  if (capture === true) throw new UsageError('--capture needs a file name');
  let controller;
  try {
    controller = parseControllerSetting(stringFlag(args, 'hci', 'virtual'));
  } catch (error) {
    throw new UsageError(`--hci: ${(error as Error).message}`);
  }
  const roles = hciRoleFlags(args);
  if ((roles.lockHci || roles.phoneHci) && args.flags.has('hci')) throw new UsageError('--hci sets both roles: use either it or --lock-hci/--phone-hci');
  let report: BleRunReport;
  try {
    report = await runBle({
    doors,
    ...roles,
    attempts,
    seed,
    capturePath: capture ?? null,
    controller,
    provider: stringFlag(args, 'provider', 'node', ['node', 'noble']) as 'node' | 'noble',
    mtu: intFlag(args, 'mtu', 247, 23, 517),
    scanMs: intFlag(args, 'scan-ms', 60, 10, 10_000),
    timeoutMs: intFlag(args, 'timeout-ms', 3000, 100, 60_000),
    ...((hardware) => (hardware ? { hardware } : {}))(hardwareFlag(args)),
    ...(args.flags.has('relay-bound-ms') ? { relayBoundMs: intFlag(args, 'relay-bound-ms', 500, 1, 60_000) } : {}),
    log: context.log,
    });
  } catch (error) {
    const code = hciControllerFailure(error, args, context);
    if (code === undefined) throw error;
    return code;
  }
  context.log.info({ passed: report.passed, failed: report.failed, attemptsPerSecond: report.attemptsPerSecond }, 'ble run finished');
  context.out(args.flags.has('json') ? JSON.stringify(report, null, 2) : formatSummary(report, capture ?? null));
  return report.failed === 0 ? exitCodes.ok : exitCodes.failed;
}

function formatDistribution(name: string, value: Distribution): string {
  return `${name}: p50 ${value.p50} · p90 ${value.p90} · p99 ${value.p99} · max ${value.max} ms (n=${value.count})`;
}

function formatSummary(report: BleRunReport, capture: string | null): string {
  const byKind = new Map<string, { total: number; passed: number; expected: string; seen: Map<string, number> }>();
  for (const attempt of report.attempts) {
    const entry = byKind.get(attempt.kind) ?? { total: 0, passed: 0, expected: attempt.expected.code ? `${attempt.expected.outcome} (${attempt.expected.code})` : attempt.expected.outcome, seen: new Map() };
    entry.total += 1;
    if (attempt.pass) entry.passed += 1;
    const actual = attempt.actual.code ? `${attempt.actual.outcome} (${attempt.actual.code})` : attempt.actual.outcome;
    entry.seen.set(actual, (entry.seen.get(actual) ?? 0) + 1);
    byKind.set(attempt.kind, entry);
  }
  const rows = [...byKind.entries()].map(([kind, entry]) => {
    const seen = [...entry.seen.entries()].map(([actual, count]) => `${count}× ${actual}`).join(', ');
    return `  ${kind.padEnd(25)} ${`${entry.passed}/${entry.total}`.padStart(7)}  expected ${entry.expected}; got ${seen}`;
  });
  const failures = report.attempts.filter((attempt) => !attempt.pass).slice(0, 10);
  return [
    `latchkey ble run — ${report.description}`,
    `${report.doors} bleno locks (one worker each), ${report.doors} noble phones; real time (wall clock); startup ${report.startupMs} ms`,
    '',
    ...rows,
    '',
    `${report.attempts.length} attempts in ${report.elapsedMs} ms: ${report.attemptsPerSecond} attempts/s`,
    formatDistribution('unlock latency (whole unlock: scan + connect + exchange)', report.unlockLatencyMs),
    formatDistribution('connected → verified result', report.connectedToVerifiedMs),
    formatDistribution(`modelled lock compute on ${report.hardware} (not in the wall times above)`, report.modelledComputeMs),
    `ATT round trips: ${report.attRoundTrips.total} (${report.attRoundTrips.perAttempt} per attempt, after discovery); bytes on air ${report.bytesOnAir.total} (${report.bytesOnAir.source ?? 'n/a'})`,
    `actuations reported by the locks: ${report.actuations.reported} (expected ${report.actuations.expected})`,
    ...(capture ? [`capture: ${capture} — tshark -r ${capture} -Y btatt`] : []),
    ...failures.map((attempt) => `  MISMATCH #${attempt.index} door ${attempt.door} ${attempt.kind}: expected ${attempt.expected.outcome}${attempt.expected.code ? ` (${attempt.expected.code})` : ''}, got ${attempt.actual.outcome}${attempt.actual.code ? ` (${attempt.actual.code})` : ''}`),
    '',
    `${report.passed} passed, ${report.failed} failed; replay with: ${report.replay}`,
  ].join('\n');
}
