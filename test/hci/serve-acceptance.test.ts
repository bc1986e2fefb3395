/**
 * Issue 16 acceptance: `latchkey hci serve` in another process serves six controllers of
 * latchkey's virtual air with small buffers (LE_ACL_Data_Packet_Length 27, 4 packets: every
 * L2CAP frame longer than 27 octets is fragmented by the sending host) and `--reassemble` (the
 * receiving host gets whole frames, longer than the buffer, as real controllers deliver them).
 * Against it:
 * - bleno locks and noble phones (this process; bleno in a worker thread) run ≥ 20 planned
 *   unlock attempts over tcp:, then ≥ 20 over the pseudo-terminals (the serial: path);
 * - a foreign host — test/hci/fixtures/foreign-h4-host.ts, written from the Core specification's
 *   packet formats, nothing of latchkey's — scans, connects, discovers the lock's GATT service,
 *   reads its challenge and gets the lock's refusal for a bogus Write Request;
 * - the server's btsnoop capture of all of it decodes in tshark with no malformed packet.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustedIssuerToHex } from '../../src/ble/lock-peripheral.ts';
import { runBle } from '../../src/ble/run.ts';
import type { BleRunReport } from '../../src/ble/run.ts';
import { parseHciTransportSpec, startVirtualBle } from '../../src/hci/index.ts';
import { startHciServer } from '../../src/hci/serve/serve.ts';
import { toHex } from '../../src/protocol/bytes.ts';
import { challengeCharacteristicUuid, exchangeCharacteristicUuid, latchkeyServiceUuid } from '../../src/protocol/gatt.ts';
import { makeIssuer, makeLockIdentity, nodeCrypto, seeded, trustedOf } from '../helpers/fixtures.ts';
import { adStructures, ForeignH4Host, uuidBytes } from './fixtures/foreign-h4-host.ts';

interface Served {
  readonly publicAddress: string;
  readonly tcp: string;
  readonly pty: string;
}

const directory = mkdtempSync(join(tmpdir(), 'latchkey-hci-serve-'));
const capturePath = join(directory, 'serve.btsnoop');
const attempts = 20;
let server: ChildProcess;
let controllers: Served[];
const reports: BleRunReport[] = [];

beforeAll(async () => {
  server = spawn(process.execPath, ['bin/latchkey.js', 'hci', 'serve', '--controllers', '6', '--pty', '--acl-buffer', '27:4', '--reassemble', '--seed', '16', '--capture', capturePath, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
  controllers = (JSON.parse(line) as { controllers: Served[] }).controllers;
}, 20_000);

afterAll(async () => {
  if (server.exitCode === null && server.signalCode === null) {
    // SIGTERM first: the server stops its socat children and removes its pty directory.
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  }
  rmSync(directory, { recursive: true, force: true });
});

function expectAllAsExpected(report: BleRunReport): void {
  const mismatches = report.attempts.filter((attempt) => !attempt.pass).map((attempt) => `#${attempt.index} ${attempt.kind}: ${attempt.actual.outcome} ${attempt.actual.code ?? ''}`);
  expect(mismatches).toEqual([]);
  expect(report.failed).toBe(0);
  expect(report.attempts).toHaveLength(attempts);
  const outcomes = new Set(report.attempts.map((attempt) => attempt.actual.outcome));
  expect(outcomes).toEqual(new Set(['unlocked', 'refused'])); // granted and refused, mixed
  expect(report.actuations.reported).toBe(report.actuations.expected);
  expect(report.phoneAtt.connections).toBe(attempts);
}

describe('bleno and noble on controllers served by latchkey hci serve (another process), 27-octet buffers', () => {
  it(`over tcp: ${attempts} attempts, every outcome as expected`, async () => {
    const report = await runBle({ doors: 1, attempts, seed: 1601, relayBoundMs: 3000, lockHci: [parseHciTransportSpec(controllers[0]!.tcp)], phoneHci: [parseHciTransportSpec(controllers[1]!.tcp)] });
    console.log(`tcp: ${report.description}: ${report.attemptsPerSecond} attempts/s, unlock p50 ${report.unlockLatencyMs.p50} ms`);
    expectAllAsExpected(report);
    expect(report.description).toContain(`lock-hci=${controllers[0]!.tcp}`);
    reports.push(report);
  }, 60_000);

  it(`over the pseudo-terminals (serial:): ${attempts} attempts, every outcome as expected`, async () => {
    const lock = parseHciTransportSpec(controllers[2]!.pty);
    expect(lock.kind).toBe('serial');
    const report = await runBle({ doors: 1, attempts, seed: 1602, relayBoundMs: 3000, lockHci: [lock], phoneHci: [parseHciTransportSpec(controllers[3]!.pty)] });
    console.log(`pty: ${report.description}: ${report.attemptsPerSecond} attempts/s, unlock p50 ${report.unlockLatencyMs.p50} ms`);
    expectAllAsExpected(report);
    reports.push(report);
  }, 60_000);
});

describe('controllers without a public address (stock Bumble; Zephyr dongles without a stored one)', () => {
  it('bleno and noble are moved to random static addresses and unlock as expected', async () => {
    const zero = await startHciServer({ controllers: 2, zeroAddress: true, buffers: { aclDataPacketLength: 27, totalNumAclDataPackets: 4 } });
    try {
      const logged: object[] = [];
      const log = { info: (fields: object) => void logged.push(fields) };
      const report = await runBle({ doors: 1, attempts: 9, seed: 1603, relayBoundMs: 3000, lockHci: [parseHciTransportSpec(zero.controllers[0]!.tcp)], phoneHci: [parseHciTransportSpec(zero.controllers[1]!.tcp)], log });
      expect(report.failed).toBe(0);
      const ready = logged.find((fields) => 'controllers' in fields) as { controllers: { addressFix: string; addressType: string }[] };
      expect(ready.controllers.map((info) => [info.addressFix, info.addressType])).toEqual([['random_static', 'random'], ['random_static', 'random']]);
      expect(zero.link.controllers.every((controller) => controller.publicAddress === '00:00:00:00:00:00')).toBe(true);
    } finally {
      await zero.close();
    }
  }, 60_000);
});

describe('a foreign host stack (Core-spec H4 host in the test) finds a latchkey lock through hci serve', () => {
  it('scans, connects, reads the challenge over ATT and gets the lock\'s refusal for a bogus write', async () => {
    const random = seeded(16, 'foreign');
    const identity = makeLockIdentity(random.fork('lock'));
    const issuer = makeIssuer(nodeCrypto, 'EdDSA', random.fork('issuer'));
    const ble = startVirtualBle({ seed: 16, lockController: parseHciTransportSpec(controllers[4]!.tcp) });
    const tcp = parseHciTransportSpec(controllers[5]!.tcp);
    if (tcp.kind !== 'tcp') throw new Error('tcp');
    const host = await ForeignH4Host.open(tcp.host, tcp.port);
    try {
      await ble.spawnPeripheral(new URL('../../src/ble/lock-peripheral.ts', import.meta.url), {
        label: 'door',
        options: { lockIdHex: toHex(identity.lockId), signingSecretHex: toHex(identity.signingSecret), agreementSecretHex: toHex(identity.agreementSecret), trustedIssuers: trustedOf(issuer).map(trustedIssuerToHex), seed: 16 },
      });
      expect((await host.command(0x0c03))[3]).toBe(0x00); // HCI_Reset
      await host.command(0x0c01, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]); // Set_Event_Mask, LE Meta (bit 61) on
      await host.command(0x200b, [0x01, 0x10, 0x00, 0x10, 0x00, 0x00, 0x00]); // active scan, 10 ms interval/window
      await host.command(0x200c, [0x01, 0x00]); // scan on, no duplicate filter
      const service = uuidBytes(latchkeyServiceUuid);
      const report = (code: number, p: Buffer) => code === 0x3e && p[0] === 0x02;
      const adsOf = (p: Buffer) => adStructures(p.subarray(11, 11 + p[10]!));
      // Other locks may share the air: ours is the one whose scan response carries its lock id.
      const lockIdOf = (p: Buffer) => adsOf(p).find((ad) => ad.type === 0xff && ad.value.readUInt16LE(0) === 0xffff)?.value.subarray(2).toString('hex');
      const scanResponse = await host.event((code, p) => report(code, p) && p[2] === 0x04 && lockIdOf(p) === toHex(identity.lockId), 'the lock\'s scan response', 5000);
      const addressType = scanResponse[3]!;
      const address = [...scanResponse.subarray(4, 10)];
      const advertising = await host.event((code, p) => report(code, p) && p[2] === 0x00 && Buffer.compare(p.subarray(4, 10), Buffer.from(address)) === 0, 'its advertising');
      expect(adsOf(advertising).some((ad) => (ad.type === 0x06 || ad.type === 0x07) && ad.value.includes(service))).toBe(true); // ADV_IND with the service UUID
      await host.command(0x200c, [0x00, 0x00]);
      const status = await host.command(0x200d, [0x10, 0x00, 0x10, 0x00, 0x00, addressType, ...address, 0x00, 0x18, 0x00, 0x28, 0x00, 0x00, 0x00, 0xf4, 0x01, 0x00, 0x00, 0x00, 0x00]);
      expect(status[0]).toBe(0x00); // Command_Status: pending
      const complete = await host.event((code, p) => code === 0x3e && p[0] === 0x01, 'LE Connection Complete');
      expect(complete[1]).toBe(0x00);
      expect(complete[4]).toBe(0x00); // we are central
      const handle = complete.readUInt16LE(2) & 0x0fff;

      // Primary services (Read By Group Type, 0x2800), then characteristics (Read By Type, 0x2803).
      let range: [number, number] | null = null;
      for (let start = 1; start <= 0xffff && range === null; ) {
        const response = await host.attRequest(handle, [0x10, start & 0xff, start >> 8, 0xff, 0xff, 0x00, 0x28]);
        if (response[0] === 0x01) break; // Attribute Not Found: no more services
        expect(response[0]).toBe(0x11);
        const length = response[1]!;
        for (let offset = 2; offset + length <= response.length; offset += length) {
          const end = response.readUInt16LE(offset + 2);
          if (response.subarray(offset + 4, offset + length).equals(service)) range = [response.readUInt16LE(offset), end];
          start = end + 1;
        }
      }
      expect(range).not.toBeNull();
      const valueHandles = new Map<string, number>();
      for (let start = range![0]; start <= range![1]; ) {
        const response = await host.attRequest(handle, [0x08, start & 0xff, start >> 8, range![1] & 0xff, range![1] >> 8, 0x03, 0x28]);
        if (response[0] === 0x01) break;
        expect(response[0]).toBe(0x09);
        const length = response[1]!;
        for (let offset = 2; offset + length <= response.length; offset += length) {
          valueHandles.set(Buffer.from(response.subarray(offset + 5, offset + length)).reverse().toString('hex'), response.readUInt16LE(offset + 3));
          start = response.readUInt16LE(offset) + 1;
        }
      }
      const challengeHandle = valueHandles.get(challengeCharacteristicUuid.replaceAll('-', ''));
      const exchangeHandle = valueHandles.get(exchangeCharacteristicUuid.replaceAll('-', ''));
      expect(challengeHandle).toBeDefined();
      expect(exchangeHandle).toBeDefined();

      const read = await host.attRequest(handle, [0x0a, challengeHandle! & 0xff, challengeHandle! >> 8]);
      expect(read[0]).toBe(0x0b); // Read Response
      expect(read.length - 1).toBe(21); // challenge form 1: 21 octets (fits ATT_MTU 23)
      expect(read.subarray(1).some((octet) => octet !== 0)).toBe(true);

      const bogus = Array.from({ length: 16 }, (_, index) => (index * 37 + 5) & 0xff);
      const refusal = await host.attRequest(handle, [0x12, exchangeHandle! & 0xff, exchangeHandle! >> 8, ...bogus]);
      // Error Response to the Write Request on the exchange handle, with latchkey's refusal code 0x80.
      expect([...refusal]).toEqual([0x01, 0x12, exchangeHandle! & 0xff, exchangeHandle! >> 8, 0x80]);

      expect((await host.command(0x0406, [handle & 0xff, handle >> 8, 0x13]))[0]).toBe(0x00);
      const disconnected = await host.event((code) => code === 0x05, 'Disconnection Complete');
      expect(disconnected.readUInt16LE(1)).toBe(handle);
    } finally {
      host.close();
      await ble.close();
    }
  }, 30_000);
});

describe('the server\'s capture', () => {
  it('stops on SIGTERM, and tshark decodes the capture with no malformed packet; host ACL is fragmented to 27 octets', async () => {
    server.kill('SIGTERM');
    const [code] = (await once(server, 'exit')) as [number | null];
    expect(code).toBe(0);
    // One tshark pass (it is the slow part): every frame with the fields the checks need.
    const names = ['_ws.malformed', '_ws.expert.severity', 'hci_h4.direction', 'bthci_acl.length', 'bthci_acl.pb_flag', 'btatt.opcode', 'btatt.req_opcode_in_error', 'btatt.error_code'] as const;
    const frames = execFileSync('tshark', ['-r', capturePath, '-T', 'fields', '-E', 'occurrence=f', ...names.flatMap((name) => ['-e', name])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 })
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => Object.fromEntries(line.split('\t').map((value, index) => [names[index]!, value])) as Record<(typeof names)[number], string>);
    expect(frames.length).toBeGreaterThan(1000);
    expect(frames.filter((frame) => frame['_ws.malformed'] !== '')).toEqual([]);
    const errors = execFileSync('tshark', ['-r', capturePath, '-Y', '_ws.malformed || _ws.expert.severity == "Error"', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(errors.trim()).toBe(''); // no malformed packet, no expert error
    const fromHosts = frames.filter((frame) => frame['hci_h4.direction'] === '0x00');
    const hostAcl = fromHosts.filter((frame) => frame['bthci_acl.length'] !== '');
    expect(hostAcl.every((frame) => Number(frame['bthci_acl.length']) <= 27)).toBe(true);
    expect(hostAcl.filter((frame) => frame['bthci_acl.pb_flag'] === '0x1' || frame['bthci_acl.pb_flag'] === '1').length).toBeGreaterThan(attempts); // continuation fragments
    // --reassemble: hosts receive whole L2CAP frames, longer than the 27-octet buffer they were told.
    const toHosts = frames.filter((frame) => frame['hci_h4.direction'] === '0x01' && frame['bthci_acl.length'] !== '');
    expect(toHosts.some((frame) => Number(frame['bthci_acl.length']) > 27)).toBe(true);
    expect(toHosts.some((frame) => frame['bthci_acl.pb_flag'] === '0x1' || frame['bthci_acl.pb_flag'] === '1')).toBe(false);
    // One final Write Request per bleno/noble attempt, plus the foreign host's bogus one.
    const sum = (key: 'writeRequests' | 'writeRequestsRefused'): number => reports.reduce((total, report) => total + report.phoneAtt[key], 0) + 1;
    expect(fromHosts.filter((frame) => frame['btatt.opcode'] === '0x12').length).toBe(sum('writeRequests'));
    const refusals = fromHosts.filter((frame) => frame['btatt.opcode'] === '0x01' && frame['btatt.req_opcode_in_error'] === '0x12');
    expect(refusals.length).toBe(sum('writeRequestsRefused'));
    expect(refusals.every((frame) => frame['btatt.error_code'] === '0x80')).toBe(true);
  }, 30_000);
});
