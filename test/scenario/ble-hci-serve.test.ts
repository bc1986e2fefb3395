/**
 * Issue 16, per-role controllers for scenarios: `latchkey scenario run --transport ble
 * --lock-hci tcp:… --phone-hci tcp:…` runs existing scenario files with the bleno locks and the
 * noble phones and attacker attached over TCP-H4 to controllers served by `latchkey hci serve` in
 * another process (27-octet ACL buffers: the hosts fragment), and they pass. The server's own
 * counters show every controller was used, each by one host at a time; the replay command names
 * the controllers. The test helper (`bleBackendOn`) takes the same lists.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { bleBackendOn } from '../../src/harness/scenario/ble-backend.ts';
import { loadScenarios } from '../../src/harness/scenario/load.ts';
import { runScenario } from '../../src/harness/scenario/runner.ts';
import { parseHciTransportSpec } from '../../src/hci/index.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';

let server: ChildProcess;
let tcp: string[];
const serverLog: string[] = [];

beforeAll(async () => {
  server = spawn(process.execPath, ['bin/latchkey.js', 'hci', 'serve', '--controllers', '6', '--acl-buffer', '27:4', '--seed', '16', '--json', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: server.stderr! }).on('line', (line) => serverLog.push(line));
  const [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
  tcp = (JSON.parse(line) as { controllers: { tcp: string }[] }).controllers.map((controller) => controller.tcp);
}, 20_000);

afterAll(async () => {
  if (server.exitCode === null && server.signalCode === null) {
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  }
});

describe('scenario run --transport ble on controllers served by latchkey hci serve (another process)', () => {
  it('two scenario files pass with locks on --lock-hci and phones + attacker on --phone-hci', { timeout: 120_000 }, async () => {
    const lockHci = tcp.slice(0, 3).join(',');
    const phoneHci = tcp.slice(3, 6).join(',');
    let out = '';
    // 01: 2 doors, 2 phones + the attacker (uses 2 of the 3 lock controllers); hotel-stay: 3 doors.
    const code = await main(['scenario', 'run', 'scenarios/attacks/01-replay-full-exchange.yaml', 'scenarios/flows/hotel-stay.yaml', '--transport', 'ble', '--lock-hci', lockHci, '--phone-hci', phoneHci, '--json', '--log-level', 'silent'], (text) => {
      out += text;
    });
    const report = JSON.parse(out) as { passed: number; failed: number; results: { file: string; passed: boolean; checks: number; failure?: unknown; replay: string }[] };
    expect(report.results.map((result) => [result.file, result.passed, result.failure])).toEqual([
      ['scenarios/attacks/01-replay-full-exchange.yaml', true, undefined],
      ['scenarios/flows/hotel-stay.yaml', true, undefined],
    ]);
    expect(code).toBe(0);
    expect(report.results.every((result) => result.checks > 0)).toBe(true);
    expect(report.results[0]!.replay).toBe(`npx latchkey scenario run scenarios/attacks/01-replay-full-exchange.yaml --seed 1 --transport ble --lock-hci ${lockHci} --phone-hci ${phoneHci}`);
  });

  it('the test helper takes the same lists: a one-door scenario on a lock and phone controller of their own', { timeout: 60_000 }, async () => {
    const [scenario] = loadScenarios(['scenarios/ble/chunk-faults.yaml']);
    const backend = bleBackendOn({ lockHci: [parseHciTransportSpec(tcp[2]!)], phoneHci: [tcp[3]!, tcp[4]!].map(parseHciTransportSpec) });
    const result = await runScenario(scenario!, { seed: 2, crypto: createNodeProvider(), backend });
    expect(result.failure).toBeUndefined();
    expect(result.passed).toBe(true);
    expect(result.skipped).toBeUndefined();
  });

  it('every served controller had hosts, one at a time (the server\'s counters)', async () => {
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    await exited;
    const stopped = serverLog.map((line) => JSON.parse(line) as { msg: string; stats?: { clientsServed: number; clientsRefused: number }[] }).find((entry) => entry.msg === 'hci serve stopped');
    expect(stopped?.stats?.map((counters) => counters.clientsServed)).toEqual([2, 2, 2, 3, 3, 2]);
    expect(stopped!.stats!.every((counters) => counters.clientsRefused === 0)).toBe(true);
  });
});
