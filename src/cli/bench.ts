/**
 * `latchkey bench [--quick] [--json] [--out bench/results.json]`: runs the benchmark suite
 * (src/harness/bench/suite.ts), writes the results file and, for a full run, BENCHMARKS.md and the
 * charts under docs/. `--quick` is the smoke `npm test` runs: tiny sizes, figures meaningless.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { renderBenchmarksMarkdown, renderCharts } from '../harness/bench/report.ts';
import { runBenchSuite } from '../harness/bench/suite.ts';
import { rejectUnknownFlags, stringFlag, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';

export async function benchCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  rejectUnknownFlags(args, ['quick', 'json', 'out', 'log-level']);
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
    writeFileSync('BENCHMARKS.md', markdown);
  }
  context.log.info({ outPath }, 'bench written');
  context.out(args.flags.has('json') ? JSON.stringify(results, null, 2) : `${markdown}\nwritten to ${outPath}${quick ? '' : ', BENCHMARKS.md, docs/bench-*.svg'}`);
  return exitCodes.ok;
}
