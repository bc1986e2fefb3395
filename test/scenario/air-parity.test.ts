/**
 * One air, two transports: the same seeded scenario (10 % LL packet loss, RSSI noise off, the
 * phone 4 m from the door, then walking up to it) over the virtual radio and over bleno + noble on
 * latchkey's in-process HCI controllers. What "same physics" means here (docs/HIL.md, "One air
 * model"): the same RSSI for the same distance (exactly, noise off), the same loss ratio drawn per
 * LL packet (the lost fraction of each run within 4 σ of 10 %), and every unlock succeeding on
 * both. Not the same packets lost: the two event sequences differ (noble discovers services, the
 * wall clock decides which event a host's packet catches), so the seeded draws land on other packets.
 */
import { describe, expect, it } from 'vitest';
import { bleBackend, BleBackend, bleNotApplicable } from '../../src/harness/scenario/ble-backend.ts';
import type { BackendFactory, ScenarioBackend } from '../../src/harness/scenario/backend.ts';
import { runScenario } from '../../src/harness/scenario/runner.ts';
import { parseScenario } from '../../src/harness/scenario/schema.ts';
import { VirtualBackend, virtualBackend } from '../../src/harness/scenario/virtual-backend.ts';
import { toHex } from '../../src/protocol/bytes.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import type { AirTally } from '../../src/radio/air/connection-events.ts';

const crypto = createNodeProvider();
const unlocks = 12;
const scenario = parseScenario(
  'air-parity.yaml',
  [
    'name: air-parity',
    'radio: { lossNumerator: 100, lossDenominator: 1000, rssiNoiseDb: 0 }',
    'doors:',
    '  - { id: door, position: [0, 0] }',
    'phones:',
    '  - { id: guest, position: [4, 0] }',
    'steps:',
    '  - grant: { phone: guest, doors: [door] }',
    ...Array.from({ length: unlocks }, () => '  - unlock: { phone: guest, door: door, walk: false, expect: unlocked }'),
    '  - unlock: { phone: guest, door: door, expect: unlocked }',
    '',
  ].join('\n'),
);

/** A factory that hands back the backend it made, to read its air after the run. */
function capturing(factory: BackendFactory): { factory: BackendFactory; backend: () => ScenarioBackend } {
  let made: ScenarioBackend | undefined;
  return {
    factory: { ...factory, create: async (s, o) => (made = await factory.create(s, o)) },
    backend: () => made!,
  };
}

/** What the guest's scans heard of the door, in order. */
function rssiHeard(backend: ScenarioBackend): number[] {
  const lockId = toHex(backend.locks.get('door')!.identity.lockId);
  return backend.phones.get('guest')!.recorder.scans.flat().filter((advertisement) => toHex(advertisement.lockId) === lockId).map((advertisement) => advertisement.rssiDbm);
}

function expectLossNear(tally: AirTally, ratio: number): void {
  const sigma = Math.sqrt((ratio * (1 - ratio)) / tally.llPacketsAtRisk);
  expect(tally.llPacketsAtRisk).toBeGreaterThan(100);
  expect(Math.abs(tally.llPacketsLost / tally.llPacketsAtRisk - ratio)).toBeLessThanOrEqual(4 * sigma);
}

describe('the same scenario over both transports sees the same air', () => {
  it('runs on BLE: positions and the loss/noise options apply on the in-process air', () => {
    expect(bleNotApplicable(scenario)).toBeUndefined();
  });

  it('same RSSI for the same distance, same loss ratio, every unlock succeeds', { timeout: 120_000 }, async () => {
    const virtual = capturing(virtualBackend);
    const virtualResult = await runScenario(scenario, { seed: 5, crypto, backend: virtual.factory });
    expect(virtualResult.failure).toBeUndefined();
    const ble = capturing(bleBackend);
    const bleResult = await runScenario(scenario, { seed: 5, crypto, backend: ble.factory });
    expect(bleResult.failure).toBeUndefined();

    // RSSI: −59 dBm at 1 m, exponent 2.5: 4 m → −74 dBm; walking up (0.5 m off the door) → −51 dBm.
    const virtualRssi = rssiHeard(virtual.backend());
    const bleRssi = rssiHeard(ble.backend());
    expect(virtualRssi.length).toBe(unlocks + 1);
    expect(bleRssi.length).toBe(unlocks + 1);
    expect(virtualRssi).toEqual([...Array<number>(unlocks).fill(-74), -51]);
    expect(bleRssi).toEqual(virtualRssi);

    // Loss: the same 10 % per LL data packet on both airs.
    const virtualTally = (virtual.backend() as VirtualBackend).world.radio.airTally;
    const bleTally = (ble.backend() as BleBackend).ble.link!.stats;
    expectLossNear(virtualTally, 0.1);
    expectLossNear(bleTally, 0.1);
  });
});
