/**
 * `npm run bench:web`: the guest page under a slow phone network (test/web/page-load-bench.ts, issue 17):
 * first visit on slow 3G, return visits on slow 3G and on lie-fi, each with the time until the doors
 * are unlockable and the bytes the server sent. Writes bench/web.json and the section between the
 * web markers of BENCHMARKS.md. `--label before|after` names the run (the file keeps one of each).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { lieFi, runPageLoadBench, slow3g, webBenchSectionBegin as begin, webBenchSectionEnd as end, renderWebBenchMarkdown, type WebBenchFile } from '../test/web/page-load-bench.ts';

const labelIndex = process.argv.indexOf('--label');
const label = labelIndex >= 0 ? process.argv[labelIndex + 1]! : 'after';
if (label !== 'before' && label !== 'after') throw new Error('--label must be before or after');
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const figures = await runPageLoadBench();
const file: WebBenchFile = existsSync('bench/web.json') ? (JSON.parse(readFileSync('bench/web.json', 'utf8')) as WebBenchFile) : { profiles: { slow: slow3g, lieFi } };
file[label] = { measuredAt: new Date().toISOString(), commit, ...figures };
writeFileSync('bench/web.json', `${JSON.stringify(file, null, 2)}\n`);
const section = `${begin}\n${renderWebBenchMarkdown(file)}\n${end}`;
const current = readFileSync('BENCHMARKS.md', 'utf8');
const from = current.indexOf(begin);
const to = current.indexOf(end);
writeFileSync('BENCHMARKS.md', from >= 0 && to > from ? `${current.slice(0, from)}${section}${current.slice(to + end.length)}` : `${current.trimEnd()}\n\n${section}\n`);
process.stdout.write(`${renderWebBenchMarkdown(file)}\nwritten to bench/web.json and BENCHMARKS.md\n`);
