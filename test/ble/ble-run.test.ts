/**
 * `ble run` end to end: three bleno locks (one worker each, a firmware-model Lock inside) and
 * three noble phones over the virtual controller, 54 attempts — first and repeat unlocks, a
 * credential for another door, an expired one, a revoked one (after staff carried the
 * revocation), a superseded guest and replays of recorded writes — each against its expected
 * outcome. Then tshark decodes the btsnoop capture and the ATT PDUs it shows must match what the
 * phones did; then nothing may be left running.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBle } from '../../src/ble/run.ts';
import type { BleRunReport } from '../../src/ble/run.ts';

const doors = 3;
const attempts = 54; // two whole cycles of nine per door
const directory = mkdtempSync(join(tmpdir(), 'latchkey-ble-'));
const capturePath = join(directory, 'run.btsnoop');
let report: BleRunReport;
let resourcesBefore: string[] = [];

beforeAll(async () => {
  resourcesBefore = process.getActiveResourcesInfo();
  // The relay bound is raised from the lock's 500 ms: this run is real time and shares two cores
  // with the rest of the test suite; a late final write would be refused as relay_suspected.
  report = await runBle({ doors, attempts, seed: 20_260_601, capturePath, relayBoundMs: 3000 });
  console.log(
    `${report.description}\n${attempts} attempts: ${report.attemptsPerSecond} attempts/s; unlock p50 ${report.unlockLatencyMs.p50} p90 ${report.unlockLatencyMs.p90} p99 ${report.unlockLatencyMs.p99} max ${report.unlockLatencyMs.max} ms; connected→verified p50 ${report.connectedToVerifiedMs.p50} p99 ${report.connectedToVerifiedMs.p99} ms; ${report.attRoundTrips.perAttempt} ATT round trips per attempt`,
  );
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** tshark fields of every ATT PDU in the capture, one array per packet. */
function tshark(filter: string, fields: string[]): string[][] {
  const output = execFileSync('tshark', ['-r', capturePath, '-Y', filter, '-T', 'fields', ...fields.flatMap((field) => ['-e', field])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return output
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

describe('latchkey ble run over bleno + noble on the virtual controller', () => {
  it('every outcome is the expected one', () => {
    const mismatches = report.attempts.filter((attempt) => !attempt.pass).map((attempt) => `#${attempt.index} ${attempt.kind}: ${attempt.actual.outcome} ${attempt.actual.code ?? ''}`);
    expect(mismatches).toEqual([]);
    expect(report.attempts).toHaveLength(attempts);
    expect(new Set(report.attempts.map((attempt) => attempt.kind)).size).toBe(9);
    expect(report.failed).toBe(0);
    expect(report.actuations.reported).toBe(report.actuations.expected);
    expect(report.attempts.filter((attempt) => attempt.kind === 'repeat_unlock').every((attempt) => attempt.path === 'resume')).toBe(true);
    expect(report.bytesOnAir.source).toBe('virtual_link');
  });

  it('the phones made one challenge read, one final Write Request and one result read per attempt', () => {
    expect(report.phoneAtt.connections).toBe(attempts);
    expect(report.phoneAtt.challengeReads).toBe(attempts);
    expect(report.phoneAtt.exchangeReads).toBe(attempts);
    expect(report.phoneAtt.writeRequests).toBe(attempts);
    const refused = report.attempts.filter((attempt) => attempt.expected.outcome === 'refused').length;
    expect(report.phoneAtt.writeRequestsRefused).toBe(refused);
  });

  it('tshark decodes the capture: its ATT reads and writes match the attempts', () => {
    const sent = tshark('btatt && hci_h4.direction == 0x00', ['btatt.opcode', 'btatt.handle']);
    const opcodes = countBy(sent.map(([opcode]) => opcode!));
    expect(opcodes.get('0x02')).toBe(report.phoneAtt.connections); // Exchange MTU Request (noble, per connection)
    expect(opcodes.get('0x12')).toBe(report.phoneAtt.writeRequests); // Write Request: the final chunk
    expect(opcodes.get('0x52') ?? 0).toBe(report.phoneAtt.writeCommands); // Write Command: the other chunks
    expect(opcodes.get('0x13')).toBe(report.phoneAtt.writeRequests - report.phoneAtt.writeRequestsRefused); // Write Response: unlocked
    expect(opcodes.get('0x0a')).toBe(report.phoneAtt.challengeReads + report.phoneAtt.exchangeReads); // Read Request
    expect(opcodes.get('0x0c') ?? 0).toBe(0); // no Read Blob: every value fits ATT_MTU − 1
    // Read Requests: one challenge and one result per attempt. A full unlock at MTU 247 reads the
    // signed challenge (form 3), a repeat unlock the 21-byte one (form 1): three handles in all.
    const readHandles = countBy(sent.filter(([opcode]) => opcode === '0x0a').map(([, handle]) => handle!));
    // (Repeat unlocks and replays read form 1; full unlocks form 3.)
    const [formOne, formThree, results] = [...readHandles.values()].sort((a, b) => a - b);
    expect(readHandles.size).toBe(3);
    expect([formOne! + formThree!, results]).toEqual([attempts, attempts]);
    expect(formOne).toBeGreaterThanOrEqual(report.attempts.filter((attempt) => attempt.path === 'resume').length);
    // Every refusal is an ATT Error Response to a Write Request with latchkey's code 0x80; the
    // other Error Responses (Attribute Not Found) end noble's discovery procedures.
    const errors = tshark('btatt.opcode == 0x01 && hci_h4.direction == 0x00', ['btatt.req_opcode_in_error', 'btatt.error_code']);
    const toWrites = errors.filter(([request]) => request === '0x12');
    expect(toWrites.length).toBe(report.phoneAtt.writeRequestsRefused);
    expect(toWrites.every(([, code]) => code === '0x80')).toBe(true);
    expect(errors.filter(([request]) => request !== '0x12').every(([, code]) => code === '0x0a')).toBe(true);
    expect(errors.some(([request]) => request === '0x0a' || request === '0x0c')).toBe(false); // no read was refused
    // Write Requests per HCI connection handle: exactly one final write per connection.
    const perConnection = countBy(tshark('btatt.opcode == 0x12 && hci_h4.direction == 0x00', ['bthci_acl.chandle']).map(([handle]) => handle!));
    expect(perConnection.size).toBe(attempts); // handles are unique across the link
    expect([...perConnection.values()].every((count) => count === 1)).toBe(true);
  });

  it('leaves nothing running: workers, ports and timers gone', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const count = (resources: string[], kind: string) => resources.filter((resource) => resource === kind).length;
    const after = process.getActiveResourcesInfo();
    for (const kind of ['MessagePort', 'Timeout', 'Worker']) expect(count(after, kind), kind).toBeLessThanOrEqual(count(resourcesBefore, kind));
  });
});

describe('ble run with a hardware profile', () => {
  it('reports the modelled lock compute beside the wall time (ideal models none)', async () => {
    const { nrf52840 } = await import('../../firmware-model/hardware/profiles.ts');
    const modelled = await runBle({ doors: 1, attempts: 3, seed: 20_260_602, relayBoundMs: 3000, hardware: nrf52840 });
    expect(modelled.hardware).toBe('nrf52840');
    expect(modelled.failed).toBe(0);
    const unlocked = modelled.attempts.filter((attempt) => attempt.actual.outcome === 'unlocked');
    expect(unlocked.length).toBeGreaterThan(0);
    expect(modelled.modelledComputeMs.max).toBeGreaterThan(0);
    expect(report.hardware).toBe('ideal');
    expect(report.modelledComputeMs.max).toBe(0);
  }, 60_000);
});
