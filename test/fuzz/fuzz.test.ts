import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { replayFinding, runFuzz } from '../../src/harness/fuzz/runner.ts';
import type { TargetName } from '../../src/harness/fuzz/types.ts';

const scratch = mkdtempSync(join(tmpdir(), 'latchkey-fuzz-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Case counts for a smoke of about a second per target on a loaded CI machine. */
const smokeCases: Record<TargetName, number> = { credential: 3000, messages: 6000, lock: 60 };

function run(target: TargetName, seed: number, extra: Partial<Parameters<typeof runFuzz>[0]> = {}) {
  return runFuzz({ seed, targets: [target], durationMsPerTarget: 60_000, casesMaxPerTarget: smokeCases[target], canary: false, ...extra });
}

describe('fuzz smoke (fixed seed, zero findings)', () => {
  for (const target of ['credential', 'messages', 'lock'] as const) {
    it(`${target}: ${smokeCases[target]} cases, no finding, refusals spread over several codes`, async () => {
      const report = await run(target, 1);
      const [only] = report.targets;
      expect(report.findings).toEqual([]);
      expect(only!.findings).toBe(0);
      expect(only!.cases).toBe(smokeCases[target]);
      expect(report.distinctErrorCodes.length).toBeGreaterThanOrEqual(target === 'lock' ? 5 : 8);
    });
  }
});

describe('fuzz canary (a deliberately broken target must be caught)', () => {
  for (const target of ['credential', 'messages', 'lock'] as const) {
    it(`${target}: the canary produces a finding, saved to a file that replays it`, async () => {
      const findingsDir = join(scratch, `canary-${target}`);
      const report = await run(target, 2, { canary: true, stopOnFinding: true, findingsDir, casesMaxPerTarget: smokeCases[target] });
      expect(report.findings.length).toBe(1);
      const [finding] = report.findings;
      expect(finding!.replay).toMatch(/^npx latchkey fuzz --replay .*\.json$/);
      expect(readdirSync(findingsDir)).toEqual([`${target}-2-${finding!.caseIndex}.json`]);
      const replayed = await replayFinding(finding!.file!);
      expect(replayed.result.finding?.kind).toBe(finding!.kind);
    });
  }
});

describe('fuzz determinism', () => {
  it('the same seed gives the same case sequence; another seed a different one', async () => {
    for (const target of ['credential', 'messages'] as const) {
      const first = await run(target, 9, { casesMaxPerTarget: 1500 });
      const second = await run(target, 9, { casesMaxPerTarget: 1500 });
      const other = await run(target, 10, { casesMaxPerTarget: 1500 });
      expect(second.targets[0]!.sequenceDigest).toBe(first.targets[0]!.sequenceDigest);
      expect(second.targets[0]!.outcomes).toEqual(first.targets[0]!.outcomes);
      expect(other.targets[0]!.sequenceDigest).not.toBe(first.targets[0]!.sequenceDigest);
    }
    const lockFirst = await run('lock', 9, { casesMaxPerTarget: 20 });
    const lockSecond = await run('lock', 9, { casesMaxPerTarget: 20 });
    expect(lockSecond.targets[0]!.sequenceDigest).toBe(lockFirst.targets[0]!.sequenceDigest);
  });
});

describe('latchkey fuzz CLI', () => {
  async function cli(argv: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await main(argv, (text) => {
      out += `${text}\n`;
    });
    return { code, out };
  }

  it('--json prints one JSON object with the seed, per-target rates and the replay command; exit 0', async () => {
    const { code, out } = await cli(['fuzz', '--seconds', '1', '--seed', '5', '--target', 'messages', '--json', '--findings', join(scratch, 'f'), '--corpus', join(scratch, 'corpus')]);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.seed).toBe(5);
    expect(report.replay).toBe('npx latchkey fuzz --seed 5 --target messages --seconds 1');
    expect(report.targets[0].cases).toBeGreaterThan(100);
    expect(report.targets[0].casesPerS).toBeGreaterThan(0);
  });

  it('exits 1 on a canary finding and 2 on bad usage', async () => {
    expect((await cli(['fuzz', '--seconds', '5', '--seed', '3', '--target', 'credential', '--canary=1', '--findings', join(scratch, 'cli-canary')])).code).toBe(1);
    expect((await cli(['fuzz', '--target', 'nope'])).code).toBe(2);
    expect((await cli(['fuzz', '--seconds', '0'])).code).toBe(2);
    expect((await cli(['fuzz', '--bogus', '1'])).code).toBe(2);
  });
});
