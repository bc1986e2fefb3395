/**
 * `npm run bench:tap`: the corridor "unlock with tap" benchmark (src/harness/bench/tap.ts) into
 * bench/tap.json, the section between the tap markers of BENCHMARKS.md, and docs/bench-tap.svg.
 * Virtual time only: the figures do not depend on this machine. `--walks N` / `--seed S` override.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderTapMarkdown, renderTapSvg, runTapBench, tapBenchDefaults, tapSectionBegin as begin, tapSectionEnd as end } from '../src/harness/bench/tap.ts';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`bench_tap_invalid_argument: --${name} needs a positive integer\n`);
    process.exit(2);
  }
  return value;
}

const results = runTapBench({ walks: flag('walks', tapBenchDefaults.walks), seed: flag('seed', tapBenchDefaults.seed), sweepWalks: flag('sweep-walks', tapBenchDefaults.sweepWalks) });
writeFileSync('bench/tap.json', `${JSON.stringify(results, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`);
writeFileSync('docs/bench-tap.svg', `${renderTapSvg(results)}\n`);
const section = `${begin}\n${renderTapMarkdown(results)}\n${end}`;
const current = readFileSync('BENCHMARKS.md', 'utf8');
const from = current.indexOf(begin);
const to = current.indexOf(end);
const next = from >= 0 && to > from ? `${current.slice(0, from)}${section}${current.slice(to + end.length)}` : `${current.trimEnd()}\n\n${section}\n`;
writeFileSync('BENCHMARKS.md', next);
process.stdout.write(`${renderTapMarkdown(results)}\nwritten to bench/tap.json, BENCHMARKS.md, docs/bench-tap.svg\n`);
