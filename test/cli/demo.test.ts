import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileToJson } from '../../firmware-model/hardware/load.ts';
import { nrf52840 } from '../../firmware-model/hardware/profiles.ts';
import { main } from '../../src/cli/main.ts';
import { runDemo } from '../../src/harness/demo.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(argv, (text) => {
    out += `${text}\n`;
  });
  return { code, out };
}

describe('latchkey demo', () => {
  it('exits 0 with every expected outcome, and the same seed prints the same output', async () => {
    const first = await run(['demo', '--seed', '1']);
    const second = await run(['demo', '--seed', '1']);
    expect(first.code).toBe(0);
    expect(first.out).toContain('13 passed, 0 failed');
    expect(second.out).toBe(first.out);
  });

  it('--hardware file.json: the replay command names the file by its path and replays the same run (attack on issue 15, F6)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'latchkey-demo-hw-')), 'our-board.json');
    writeFileSync(path, profileToJson({ ...nrf52840, name: 'our-board', ed25519VerifyMicroseconds: 90_000 }));
    const first = await run(['demo', '--seed', '1', '--doors', '5', '--hardware', path]);
    expect(first.code).toBe(0);
    const replay = /replay with: npx latchkey (.*)$/m.exec(first.out)![1]!;
    expect(replay).toBe(`demo --seed 1 --doors 5 --hardware ${path}`);
    const again = await run(replay.split(' '));
    expect(again.out).toBe(first.out);
  });

  it('--json is one JSON object whose attempts cover unlocks and every refusal kind', async () => {
    const { code, out } = await run(['demo', '--seed', '5', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    const codes = report.attempts.map((a: { actual: { code?: string } }) => a.actual.code).filter(Boolean);
    for (const expected of ['credential_wrong_door', 'decrypt_failed', 'credential_revoked', 'credential_superseded', 'credential_expired']) expect(codes).toContain(expected);
    const unlocks = report.attempts.filter((a: { actual: { outcome: string } }) => a.actual.outcome === 'unlocked');
    expect(unlocks.length).toBeGreaterThanOrEqual(6);
    for (const attempt of report.attempts) {
      expect(attempt.pass).toBe(true);
      expect(attempt.roundTripsToDecision).toBeLessThanOrEqual(2);
    }
  });

  it('different seeds give different traces', async () => {
    const crypto = createNodeProvider();
    const a = await runDemo({ seed: 1, doors: 6, crypto });
    const b = await runDemo({ seed: 2, doors: 6, crypto });
    expect(a.traceDigest).not.toBe(b.traceDigest);
    expect(a.failed + b.failed).toBe(0);
  });

  it('works at MTU 23 with the noble provider (the decision still within 2 round trips)', async () => {
    const { code, out } = await run(['demo', '--seed', '3', '--mtu', '23', '--provider', 'noble', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.provider).toBe('noble');
    for (const attempt of report.attempts) expect(attempt.roundTripsToDecision).toBeLessThanOrEqual(2);
  });

  it('rejects bad usage with exit code 2', async () => {
    expect((await run(['demo', '--doors', '2'])).code).toBe(2);
    expect((await run(['demo', '--seed', 'x'])).code).toBe(2);
    expect((await run(['demo', '--bogus'])).code).toBe(2);
    expect((await run(['nope'])).code).toBe(2);
  });
});

describe('latchkey bench --quick (smoke; figures are not asserted)', () => {
  it('runs every section of the suite and writes a results file', async () => {
    const { code, out } = await run(['bench', '--quick', '--json', '--out', 'artifacts/bench-smoke.json']);
    expect(code).toBe(0);
    const results = JSON.parse(out);
    expect(results.crypto.verify).toHaveLength(4);
    for (const row of results.crypto.verify) expect(row.firstUnlockPerCpuS.median).toBeGreaterThan(0);
    expect(results.crypto.lockPaths.map((p: { path: string }) => p.path)).toEqual(['first', 'hashOnly', 'resume', 'first', 'hashOnly', 'resume']);
    expect(results.latency[0].first.roundTripsToDecision).toBe(2);
    expect(results.aliroShaped[0].roundTrips).toBeGreaterThanOrEqual(4); // 4 at MTU ≥ 120; Read Blobs add more at MTU 23
    expect(results.crypto.issuance).toHaveLength(2);
    expect(results.scale.wings[0].failed).toBe(0);
    expect(results.scale.wings[0].unlocks).toBeGreaterThan(0);
    expect(results.api.errors).toBe(0);
    expect(results.fuzz.map((f: { target: string }) => f.target)).toEqual(['credential', 'messages', 'lock']);
    for (const f of results.fuzz) expect(f.findings).toBe(0);
  });
});
