/**
 * Every fast-check property in the test tree runs from the run's one seed (test/setup/): this test
 * greps the test tree for `fc.assert` / `fc.check` calls and fails on any that bypass the seeding
 * (its own `seed`, a seed from the wall clock or Math.random, another configureGlobal), checks that
 * vitest loads the seed setup, and that the seed actually reaches fast-check at run time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { fcSeedDefault, replayCommand, resolveFcSeed } from '../setup/seed.ts';

const root = join(import.meta.dirname, '..', '..');
const testTree = join(root, 'test');
const setupFile = 'test/setup/fast-check-seed.ts';

interface PropertyCall {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** The `fc.assert(…)` / `fc.check(…)` calls in `source`, each with its full argument text (parentheses balanced, strings skipped). */
export function propertyCalls(file: string, source: string): PropertyCall[] {
  const calls: PropertyCall[] = [];
  const start = /\bfc\s*\.\s*(assert|check)\s*\(/g;
  for (let match = start.exec(source); match !== null; match = start.exec(source)) {
    let depth = 0;
    let end = match.index + match[0].length - 1;
    let quote: string | undefined;
    for (; end < source.length; end++) {
      const char = source[end]!;
      if (quote !== undefined) {
        if (char === '\\') end++;
        else if (char === quote) quote = undefined;
        continue;
      }
      if (char === "'" || char === '"' || char === '`') quote = char;
      else if (char === '(') depth++;
      else if (char === ')' && --depth === 0) break;
    }
    calls.push({ file, line: source.slice(0, match.index).split('\n').length, text: source.slice(match.index, end + 1) });
  }
  return calls;
}

/** Why a call bypasses the run's seed, or undefined when it runs from it. */
export function bypassOf(call: PropertyCall): string | undefined {
  if (/\bseed\s*[:,}]/.test(call.text)) return 'passes its own seed (the run seed comes from fc.configureGlobal in the setup file)';
  if (/Date\.now|Math\.random|performance\.now|randomInt|randomBytes/.test(call.text)) return 'draws from the clock or an unseeded random source';
  return undefined;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' || entry.name === 'vectors' ? [] : sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

const files = sourceFiles(testTree).map((path) => ({ path: relative(root, path), source: readFileSync(path, 'utf8') }));

describe('seeded properties', () => {
  it('no fc.assert / fc.check in the test tree bypasses the run seed', () => {
    const calls = files.flatMap(({ path, source }) => propertyCalls(path, source));
    // Not vacuous: the issue counted twelve unseeded calls plus the server fuzz; all are still found.
    expect(calls.length).toBeGreaterThanOrEqual(13);
    const bypassing = calls.flatMap((call) => {
      const why = bypassOf(call);
      return why === undefined ? [] : [`${call.file}:${call.line} ${why}`];
    });
    expect(bypassing).toEqual([]);
  });

  it('only the setup file configures fast-check globally, and no test seeds from the wall clock', () => {
    const configuring = files.filter(({ source }) => /\bconfigureGlobal\s*\(/.test(source)).map(({ path }) => path);
    expect(configuring).toEqual([setupFile]);
    const clockSeeded = files.filter(({ source }) => /seed[^\n]*Date\.now\(\)/i.test(source)).map(({ path }) => path);
    expect(clockSeeded).toEqual([]);
    // The check can fail: the line test/server/fuzz.test.ts had before issue 14.
    expect(/seed[^\n]*Date\.now\(\)/i.test("const seed = Number(process.env['LATCHKEY_FUZZ_SEED'] ?? " + 'Date' + '.now() % 2 ** 31);')).toBe(true);
  });

  it('vitest loads the seed setup for every test file', () => {
    const config = readFileSync(join(root, 'vitest.config.ts'), 'utf8');
    expect(config).toMatch(/setupFiles:\s*\[[^\]]*'test\/setup\/fast-check-seed\.ts'/);
    expect(config).toMatch(/globalSetup:\s*\[[^\]]*'test\/setup\/global-seed\.ts'/);
  });

  it('the run seed reaches fast-check: a property reports it and replays the same cases', () => {
    const seed = inject('fcSeed');
    expect(fc.readConfigureGlobal().seed).toBe(seed);
    const drawn: number[][] = [[], []];
    for (const run of [0, 1]) {
      const details = fc.check(fc.property(fc.integer(), (value) => { drawn[run]!.push(value); }), { numRuns: 20 });
      expect(details.seed).toBe(seed);
    }
    expect(drawn[0]).toHaveLength(20);
    expect(drawn[1]).toEqual(drawn[0]);
  });

  it('the grep itself catches a bypass (it can fail)', () => {
    const call = 'fc.' + 'assert';
    const sample = [
      `${call}(fc.property(fc.nat(), (n) => n >= 0));`,
      `${call}(fc.property(fc.nat(), (n) => n >= 0), { seed: ${'Date'}.now() });`,
      `${call}(fc.property(fc.string(), (s) => s !== ')'), { numRuns: 5, seed });`,
      `await fc.` + `check(fc.asyncProperty(fc.nat(), async () => {}), { numRuns: Math.random() > 2 ? 1 : 2 });`,
    ].join('\n');
    const found = propertyCalls('sample.ts', sample);
    expect(found.map((entry) => entry.line)).toEqual([1, 2, 3, 4]);
    expect(found.map((entry) => bypassOf(entry) !== undefined)).toEqual([false, true, true, true]);
  });

  it('the seed variable: default, integer, random, and a stable error for anything else', () => {
    expect(resolveFcSeed(undefined)).toBe(fcSeedDefault);
    expect(resolveFcSeed('12345')).toBe(12345);
    expect(resolveFcSeed('random', () => 77)).toBe(77);
    expect(() => resolveFcSeed('12x')).toThrow(/^fc_seed_invalid/);
    expect(() => resolveFcSeed('99999999999')).toThrow(/^fc_seed_invalid/);
    expect(replayCommand(42, 'test/a.test.ts', 'x (y) [z]')).toBe(String.raw`LATCHKEY_FC_SEED=42 npx vitest run test/a.test.ts -t 'x \(y\) \[z\]'`);
  });
});
