/**
 * The scenario files over bleno + noble (`--transport ble`): every scenario that does not need
 * the virtual radio's physics runs with bleno lock workers and noble phones on the virtual HCI
 * controller and passes; the others are reported as not applicable, with the reason, never
 * silently passed; nothing is left running afterwards.
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { bleBackend, bleNotApplicable } from '../../src/harness/scenario/ble-backend.ts';
import { loadScenarios, scenarioFiles } from '../../src/harness/scenario/load.ts';
import { runScenario } from '../../src/harness/scenario/runner.ts';
import type { ScenarioResult } from '../../src/harness/scenario/runner.ts';
import { parseScenario } from '../../src/harness/scenario/schema.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';

const crypto = createNodeProvider();
const scenarios = loadScenarios(scenarioFiles(['scenarios']));
const applicable = scenarios.filter((scenario) => bleNotApplicable(scenario) === undefined);
const mustRun = [
  'scenarios/attacks/01-replay-full-exchange.yaml',
  'scenarios/attacks/02-replay-resume-exchange.yaml',
  'scenarios/attacks/15-cross-lock-proof.yaml',
  'scenarios/attacks/16-expired-and-not-yet-valid.yaml',
  'scenarios/attacks/18-revoked-credential.yaml',
  'scenarios/attacks/19-revocation-rollback.yaml',
  'scenarios/attacks/20-superseded-guest.yaml',
  'scenarios/flows/hotel-stay.yaml',
  'scenarios/ble/chunk-faults.yaml',
];
const junitPath = 'artifacts/scenarios-ble-not-applicable.junit.xml';
let resourcesBefore: string[] = [];
const results: ScenarioResult[] = [];

beforeAll(() => {
  resourcesBefore = process.getActiveResourcesInfo();
});

afterAll(() => {
  rmSync(junitPath, { force: true });
});

describe('scenarios over --transport ble', () => {
  it('the BLE subset covers the replay, cross-lock, validity, revocation, supersede and chunk-fault scenarios', () => {
    expect(applicable.map((scenario) => scenario.file)).toEqual(expect.arrayContaining(mustRun));
    expect(applicable.length).toBeGreaterThanOrEqual(20);
  });

  it('every applicable scenario passes over bleno + noble', { timeout: 120_000 }, async () => {
    const started = performance.now();
    for (const scenario of applicable) results.push(await runScenario(scenario, { seed: 1, crypto, backend: bleBackend }));
    const failures = results.filter((result) => !result.passed).map((result) => `${result.file}:${result.failure!.line}: ${result.failure!.message}`);
    expect(failures).toEqual([]);
    expect(results.every((result) => result.skipped === undefined && result.checks > 0)).toBe(true);
    expect(results.every((result) => result.replay.endsWith('--seed 1 --transport ble'))).toBe(true);
    console.log(`${results.length} scenarios over bleno + noble in ${Math.round(performance.now() - started)} ms`);
  });

  it('a wrong expectation fails over BLE at its line, with the BLE replay command', async () => {
    const scenario = parseScenario('inline.yaml', 'name: t\ndoors:\n  - { id: d, position: [0, 0] }\nphones:\n  - { id: p, position: [0, 1] }\nsteps:\n  - grant: { phone: p, doors: [d] }\n  - unlock: { phone: p, door: d, expect: { refused: credential_expired } }\n');
    const result = await runScenario(scenario, { seed: 3, crypto, backend: bleBackend });
    expect(result.passed).toBe(false);
    expect(result.failure).toMatchObject({ line: 8 });
    expect(result.failure!.message).toContain('expected refused (credential_expired), got unlocked');
    expect(result.replay).toBe('npx latchkey scenario run inline.yaml --seed 3 --transport ble');
  });

  it('a scenario that needs radio physics is reported as not applicable, with why — not run, not passed', async () => {
    const [fakeLock] = loadScenarios(['scenarios/attacks/27-fake-lock.yaml']);
    const result = await runScenario(fakeLock!, { seed: 1, crypto, backend: bleBackend });
    expect(result.skipped).toMatch(/attack fake_lock .* \(line 13\)/);
    expect(result.checks).toBe(0);
    const moved = parseScenario('moved.yaml', 'name: m\ndoors:\n  - { id: d, position: [0, 0] }\nphones:\n  - { id: p, position: [0, 1] }\nsteps:\n  - move: { phone: p, to: [90, 0] }\n');
    expect(bleNotApplicable(moved)).toBe("step move needs the virtual radio's physics (line 7)");
  });

  it('the CLI lists the scenarios it did not run and why; JUnit marks them <skipped>', { timeout: 30_000 }, async () => {
    let out = '';
    const code = await main(['scenario', 'run', 'scenarios/attacks/01-replay-full-exchange.yaml', 'scenarios/attacks/26-concurrent-connections.yaml', 'scenarios/flows/out-of-range.yaml', '--transport', 'ble', '--junit', junitPath], (text) => {
      out += text;
    });
    expect(code).toBe(0);
    expect(out).toContain('1 passed, 0 failed, 2 not applicable to ble (seed 1)');
    expect(out).toContain('not applicable to --transport ble (not run):');
    expect(out).toMatch(/scenarios\/attacks\/26-concurrent-connections\.yaml: attack concurrent .*\(line 13\)/);
    expect(out).toMatch(/scenarios\/flows\/out-of-range\.yaml: step move needs the virtual radio's physics \(line 12\)/);
    const xml = readFileSync(junitPath, 'utf8');
    expect(xml).toContain('tests="3" failures="0" errors="0" skipped="2"');
    expect(xml.match(/<skipped message="not applicable to this transport: [^"]+"\/>/g)).toHaveLength(2);
  });

  it('leaves nothing running: lock workers, ports and timers gone', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const count = (resources: string[], kind: string) => resources.filter((resource) => resource === kind).length;
    const after = process.getActiveResourcesInfo();
    for (const kind of ['MessagePort', 'Timeout', 'Worker']) expect(count(after, kind), kind).toBeLessThanOrEqual(count(resourcesBefore, kind));
  });
});
