/**
 * `latchkey bench [--quick] [--json] [--out bench/results.json]`: runs the benchmark suite
 * (src/harness/bench/suite.ts), writes the results file and, for a full run, BENCHMARKS.md and the
 * charts under docs/. `--quick` is the smoke `npm test` runs: tiny sizes, figures meaningless.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { renderBenchmarksMarkdown, renderCharts } from '../harness/bench/report.ts';
import { runBenchSuite } from '../harness/bench/suite.ts';
import { rejectUnknownFlags, stringFlag, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';
import { hardwareFlag } from './hardware-flag.ts';
import { hardwareSectionBegin, hardwareSectionEnd, renderHardwareMarkdown, runHardwareBench } from '../harness/bench/hardware.ts';
import { createNodeProvider } from '../protocol/crypto/node.ts';

/** The hardware table (npm run bench:hardware) lives between markers in BENCHMARKS.md: a full bench keeps it. */
function keepHardwareSection(markdown: string): string {
  if (!existsSync('BENCHMARKS.md')) return markdown;
  const current = readFileSync('BENCHMARKS.md', 'utf8');
  const from = current.indexOf(hardwareSectionBegin);
  const to = current.indexOf(hardwareSectionEnd);
  if (from < 0 || to < from) return markdown;
  return `${markdown.trimEnd()}\n\n${current.slice(from, to + hardwareSectionEnd.length)}\n`;
}

export async function benchCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  rejectUnknownFlags(args, ['quick', 'json', 'out', 'hardware', 'log-level']);
  const hardware = hardwareFlag(args);
  if (hardware !== undefined) {
    // One profile's row of the hardware table (virtual time; npm run bench:hardware writes them all).
    const results = await runHardwareBench(createNodeProvider(), [hardware], hardware.name === 'ideal' ? [] : ['ideal']);
    const outPath = stringFlag(args, 'out', `bench/hardware-${hardware.name}.json`);
    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(outPath, `${JSON.stringify(results, null, 2)}\n`);
    context.out(args.flags.has('json') ? JSON.stringify(results, null, 2) : `${renderHardwareMarkdown(results)}\nwritten to ${outPath}`);
    return exitCodes.ok;
  }
  const quick = args.flags.has('quick');
  const outPath = stringFlag(args, 'out', quick ? 'bench/results.quick.json' : 'bench/results.json');
  const results = await runBenchSuite({ quick, log: (message) => process.stderr.write(`bench: ${message}\n`) });
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = renderBenchmarksMarkdown(results);
  if (!quick) {
    const charts = renderCharts(results);
    mkdirSync('docs', { recursive: true });
    writeFileSync('docs/bench-latency.svg', charts.latencySvg);
    writeFileSync('docs/bench-verify.svg', charts.verifySvg);
    writeFileSync('BENCHMARKS.md', keepHardwareSection(markdown));
  }
  context.log.info({ outPath }, 'bench written');
  context.out(args.flags.has('json') ? JSON.stringify(results, null, 2) : `${markdown}\nwritten to ${outPath}${quick ? '' : ', BENCHMARKS.md, docs/bench-*.svg'}`);
  return exitCodes.ok;
}
