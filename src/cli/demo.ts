/** `latchkey demo`: runs the virtual-hotel demo and prints a table or one JSON object. */
import { createNodeProvider } from '../protocol/crypto/node.ts';
import { createNobleProvider } from '../protocol/crypto/noble.ts';
import { runDemo, type DemoReport } from '../harness/demo.ts';
import { intFlag, rejectUnknownFlags, stringFlag, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';
import { hardwareFlag } from './hardware-flag.ts';
import { hardwareReplayFlag } from '../../firmware-model/hardware/load.ts';
import type { HardwareProfile } from '../../firmware-model/hardware/profiles.ts';

export const demoFlags = ['seed', 'doors', 'json', 'provider', 'mtu', 'interval', 'hardware', 'log-level'] as const;

export async function demoCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  rejectUnknownFlags(args, demoFlags);
  const seed = intFlag(args, 'seed', 1, 0, 0xffffffff);
  const doors = intFlag(args, 'doors', 6, 5, 500);
  const mtu = intFlag(args, 'mtu', 247, 23, 517);
  const connIntervalMs = intFlag(args, 'interval', 15, 8, 4000);
  const crypto = stringFlag(args, 'provider', 'node', ['node', 'noble']) === 'noble' ? createNobleProvider() : createNodeProvider();
  const hardware = hardwareFlag(args);
  context.log.info({ seed, doors, mtu, connIntervalMs, provider: crypto.name, hardware: hardware?.name ?? 'ideal' }, 'demo starting');
  const report = await runDemo({ seed, doors, crypto, mtu, radio: { connIntervalMs }, ...(hardware ? { hardware } : {}) });
  context.log.info({ passed: report.passed, failed: report.failed, traceDigest: report.traceDigest }, 'demo finished');
  context.out(args.flags.has('json') ? JSON.stringify(report, null, 2) : formatTable(report, hardware));
  return report.failed === 0 ? exitCodes.ok : exitCodes.failed;
}

function formatTable(report: DemoReport, hardware: HardwareProfile | undefined): string {
  const header = ['#', 'actor', 'door', 'what', 'expected', 'actual', 'ok', 'path', 'RT→decision', 'RT total', 'decision ms', 'verified ms', 'bytes on air'];
  const rows = report.attempts.map((a) => [
    String(a.step),
    a.actor,
    a.door,
    a.description,
    a.expected.code ? `${a.expected.outcome} (${a.expected.code})` : a.expected.outcome,
    a.actual.code ? `${a.actual.outcome} (${a.actual.code})` : a.actual.outcome,
    a.pass ? 'yes' : 'NO',
    a.path,
    String(a.roundTripsToDecision),
    String(a.roundTripsTotal),
    a.decisionMs ? a.decisionMs.toFixed(1) : '-',
    a.verifiedMs ? a.verifiedMs.toFixed(1) : '-',
    String(a.bytesOnAir),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [
    `latchkey demo — seed ${report.seed}, ${report.doors} doors, ${report.provider} crypto, MTU ${report.radio.mtu}, connection interval ${report.radio.connIntervalMs} ms, lock hardware ${report.hardware} (virtual time)`,
    '',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    `${report.passed} passed, ${report.failed} failed — trace ${report.traceDigest}; replay with: npx latchkey demo --seed ${report.seed} --doors ${report.doors}${hardwareReplayFlag(hardware)}`,
  ].join('\n');
}
