/**
 * `npm run bench:hardware`: the hardware table (src/harness/bench/hardware.ts) into
 * bench/hardware.json, the section between the hardware markers of BENCHMARKS.md, and
 * docs/bench-hardware.svg. Virtual time only: the figures do not depend on this machine.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createNodeProvider } from '../src/protocol/crypto/node.ts';
import { hardwareSectionBegin as begin, hardwareSectionEnd as end, renderHardwareMarkdown, renderHardwareSvg, runHardwareBench } from '../src/harness/bench/hardware.ts';

const results = await runHardwareBench(createNodeProvider());
writeFileSync('bench/hardware.json', `${JSON.stringify(results, null, 2)}\n`);
writeFileSync('docs/bench-hardware.svg', `${renderHardwareSvg(results)}\n`);
const section = `${begin}\n${renderHardwareMarkdown(results)}\n${end}`;
const current = readFileSync('BENCHMARKS.md', 'utf8');
const from = current.indexOf(begin);
const to = current.indexOf(end);
const next = from >= 0 && to > from ? `${current.slice(0, from)}${section}${current.slice(to + end.length)}` : `${current.trimEnd()}\n\n${section}\n`;
writeFileSync('BENCHMARKS.md', next);
process.stdout.write(`${renderHardwareMarkdown(results)}\nwritten to bench/hardware.json, BENCHMARKS.md, docs/bench-hardware.svg\n`);
