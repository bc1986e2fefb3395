/**
 * End to end: three unmodified bleno peripherals (one worker thread each) and one unmodified
 * noble central, over the virtual controller with seeded loss and latency. Several rounds of
 * scan → connect (all three at once) → MTU exchange → discovery → read → write → write without
 * response → read back → disconnect; then the btsnoop capture is decoded by tshark and must
 * show exactly the reads and writes made; then nothing may be left running.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Characteristic, Peripheral } from '@abandonware/noble';
import {
  connectPeripheral,
  disconnectPeripheral,
  discoverCharacteristics,
  readCharacteristic,
  scanForPeripherals,
  startVirtualBle,
  waitForPoweredOn,
  writeCharacteristic,
} from '../../src/hci/index.ts';
import type { CentralHandle, PeripheralHandle, VirtualBle } from '../../src/hci/index.ts';
import { challengeCharacteristicUuid, exchangeCharacteristicUuid, latchkeyServiceUuid, shortUuid } from '../../src/protocol/gatt.ts';
import { challengeValue } from './fixtures/echo-peripheral.ts';
import type { EchoReport } from './fixtures/echo-peripheral.ts';

const seed = 20_240_601;
const labels = ['lock-a', 'lock-b', 'lock-c'] as const;
const rounds = 3;
const benchExchanges = 40;
const serviceUuid = shortUuid(latchkeyServiceUuid);
const challengeUuid = shortUuid(challengeCharacteristicUuid);
const exchangeUuid = shortUuid(exchangeCharacteristicUuid);
const handlerModule = new URL('./fixtures/echo-peripheral.ts', import.meta.url);

/** What the test itself did, to compare with the capture. */
const made = { challengeValues: [] as string[], writesWithResponse: [] as string[], writesWithoutResponse: [] as string[], connections: 0 };
const reports = new Map<string, EchoReport[]>();
const directory = mkdtempSync(join(tmpdir(), 'latchkey-hci-'));
const capturePath = join(directory, 'run.btsnoop');
let ble: VirtualBle;
let central: CentralHandle;
let peripherals: PeripheralHandle[] = [];
let resourcesBefore: string[] = [];

const hex = (text: string): string => Buffer.from(text).toString('hex');

function labelOf(peripheral: Peripheral): string {
  const name = peripheral.advertisement.localName ?? '';
  expect(name.startsWith('lk-')).toBe(true);
  return name.slice(3);
}

async function exchange(peripheral: Peripheral, round: number): Promise<void> {
  const label = labelOf(peripheral);
  const characteristics = await discoverCharacteristics(peripheral, [serviceUuid], [challengeUuid, exchangeUuid]);
  expect(peripheral.mtu).toBe(256);
  const challenge = characteristics.find((characteristic) => characteristic.uuid === challengeUuid) as Characteristic;
  const exchangeCharacteristic = characteristics.find((characteristic) => characteristic.uuid === exchangeUuid) as Characteristic;
  const readNumber = (reports.get(label) ?? []).filter((report) => report.kind === 'read').length + 1;
  const value = Buffer.from(await readCharacteristic(challenge)).toString();
  expect(value).toBe(challengeValue(label, readNumber));
  made.challengeValues.push(value);
  const request = `request ${label} round ${round} `.padEnd(120, '.'); // longer than 23: needs the 256 MTU
  await writeCharacteristic(exchangeCharacteristic, Buffer.from(request), false);
  made.writesWithResponse.push(hex(request));
  const chunk = `chunk ${label} ${round}`;
  await writeCharacteristic(exchangeCharacteristic, Buffer.from(chunk), true);
  made.writesWithoutResponse.push(hex(chunk));
  // The read is queued behind the Write Command on the same bearer, so it sees its value.
  expect(Buffer.from(await readCharacteristic(exchangeCharacteristic)).toString()).toBe(chunk);
}

beforeAll(async () => {
  resourcesBefore = process.getActiveResourcesInfo();
  ble = startVirtualBle({ seed, lossRatio: { numerator: 1, denominator: 50 }, latencyMs: 1, capturePath });
  console.log(ble.description);
  const started = performance.now();
  peripherals = await Promise.all(
    labels.map((label) => ble.spawnPeripheral(handlerModule, { label })),
  );
  for (const peripheral of peripherals) {
    reports.set(peripheral.label, []);
    peripheral.on('report', (message: { message: EchoReport }) => reports.get(peripheral.label)?.push(message.message));
  }
  central = ble.createCentral('phone');
  await waitForPoweredOn(central.noble);
  console.log(`3 peripherals advertising and central powered on in ${Math.round(performance.now() - started)} ms`);
});

afterAll(async () => {
  await ble?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('unmodified bleno and noble over the virtual controller', () => {
  it(`runs ${rounds} rounds against ${labels.length} peripherals connected at once`, async () => {
    const started = performance.now();
    for (let round = 0; round < rounds; round += 1) {
      const found = await scanForPeripherals(central.noble, { serviceUuids: [serviceUuid], count: labels.length });
      expect(found.map(labelOf).sort()).toEqual([...labels]);
      await Promise.all(found.map((peripheral) => connectPeripheral(peripheral)));
      made.connections += found.length;
      for (const peripheral of found) await exchange(peripheral, round);
      await Promise.all(found.map((peripheral) => disconnectPeripheral(peripheral)));
    }
    const elapsedMs = performance.now() - started;
    console.log(`${rounds} rounds × ${labels.length} peripherals (scan, connect, MTU, discover, 2 reads, 2 writes, disconnect): ${Math.round(elapsedMs)} ms, ${((rounds * labels.length) / (elapsedMs / 1000)).toFixed(1)} sessions/s`);
    for (const label of labels) {
      const seen = reports.get(label) ?? [];
      expect(seen.filter((report) => report.kind === 'read')).toHaveLength(rounds);
      expect(seen.filter((report) => report.kind === 'write' && !report.withoutResponse)).toHaveLength(rounds);
      expect(seen.filter((report) => report.kind === 'write' && report.withoutResponse)).toHaveLength(rounds);
    }
    const stats = ble.link?.controllers.map((controller) => controller.stats);
    expect(stats?.every((controllerStats) => controllerStats.unknownCommands === 0 && controllerStats.invalidPackets === 0)).toBe(true);
    expect(ble.link?.stats.connectionsCreated).toBe(rounds * labels.length);
  });

  it(`measures read + write exchanges on one connection (${benchExchanges} attempts), then a refused write`, async () => {
    const [peripheral] = await scanForPeripherals(central.noble, { serviceUuids: [serviceUuid], count: 1 });
    if (peripheral === undefined) throw new Error('no peripheral');
    const label = labelOf(peripheral);
    await connectPeripheral(peripheral);
    made.connections += 1;
    const characteristics = await discoverCharacteristics(peripheral, [serviceUuid], [challengeUuid, exchangeUuid]);
    const challenge = characteristics.find((characteristic) => characteristic.uuid === challengeUuid) as Characteristic;
    const exchangeCharacteristic = characteristics.find((characteristic) => characteristic.uuid === exchangeUuid) as Characteristic;
    const started = performance.now();
    for (let attempt = 0; attempt < benchExchanges; attempt += 1) {
      made.challengeValues.push(Buffer.from(await readCharacteristic(challenge)).toString());
      const request = `bench ${label} ${attempt}`;
      await writeCharacteristic(exchangeCharacteristic, Buffer.from(request), false);
      made.writesWithResponse.push(hex(request));
    }
    const elapsedMs = performance.now() - started;
    console.log(`read + write exchanges: ${(benchExchanges / (elapsedMs / 1000)).toFixed(0)} attempts/s (${(elapsedMs / benchExchanges).toFixed(2)} ms each, latency 1 ms, loss 1/50)`);
    // noble never calls back a write answered by an ATT Error Response: only the deadline ends it.
    await expect(writeCharacteristic(exchangeCharacteristic, Buffer.from('reject me'), false, 300)).rejects.toMatchObject({ code: 'central_timeout' });
    made.writesWithResponse.push(hex('reject me'));
    made.challengeValues.push(Buffer.from(await readCharacteristic(challenge)).toString()); // the bearer still works
    await disconnectPeripheral(peripheral);
  });

  it('the btsnoop capture, decoded by tshark, shows exactly those reads and writes', async () => {
    await ble.close();
    const output = execFileSync('tshark', ['-r', capturePath, '-Y', 'btatt && hci_h4.direction == 0x00', '-T', 'fields', '-e', 'btatt.opcode', '-e', 'btatt.value'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const sent = output.trim().split('\n').map((line) => line.split('\t') as [string, string | undefined]);
    const valuesOf = (opcode: string): string[] => sent.filter(([code]) => code === opcode).map(([, value]) => (value ?? '').replaceAll(':', ''));
    const byValue = (values: string[]) => [...values].sort();
    expect(valuesOf('0x02')).toHaveLength(made.connections); // Exchange MTU Request, one per connection
    expect(byValue(valuesOf('0x12'))).toEqual(byValue(made.writesWithResponse)); // Write Request
    expect(byValue(valuesOf('0x52'))).toEqual(byValue(made.writesWithoutResponse)); // Write Command
    const readResponses = valuesOf('0x0b').map((value) => Buffer.from(value, 'hex').toString());
    for (const value of made.challengeValues) expect(readResponses).toContain(value); // Read Response from the lock
    expect(valuesOf('0x0a').length).toBe(made.challengeValues.length + rounds * labels.length); // + exchange read-backs
  });

  it('leaves nothing running: workers gone, ports and timers closed', async () => {
    for (const peripheral of peripherals) expect(peripheral.worker.threadId).toBe(-1);
    await new Promise((resolve) => setImmediate(resolve));
    const count = (resources: string[], kind: string) => resources.filter((resource) => resource === kind).length;
    const after = process.getActiveResourcesInfo();
    expect(count(after, 'MessagePort')).toBeLessThanOrEqual(count(resourcesBefore, 'MessagePort'));
    expect(count(after, 'Timeout')).toBeLessThanOrEqual(count(resourcesBefore, 'Timeout'));
  });
});
