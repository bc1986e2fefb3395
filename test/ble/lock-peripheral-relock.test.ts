/**
 * The bleno lock peripheral's relock timer mixed two clocks: the bolt's deadline is on the lock's
 * monotonic tick (the clock `step` is given), but the timer subtracted the lock's RTC (drifting,
 * settable). With the RTC an hour ahead the timer fired at once, found nothing due and was never
 * set again: the door stayed open. Now the timer runs on the tick clock and re-arms while the bolt
 * is open (`relockDelayMs` = the lock's unlockMs from its options). Drives createPeripheral
 * directly, without bleno, on fake timers (no real time passes).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPeripheral, trustedIssuerToHex, type LockPeripheralReport } from '../../src/ble/lock-peripheral.ts';
import { toHex } from '../../src/protocol/bytes.ts';
import { characteristicUuids, shortUuid, type CharacteristicName } from '../../src/protocol/gatt.ts';
import { UnlockClient } from '../../src/phone/unlock-client.ts';
import { AttError, type GattConnection, type Transport } from '../../src/radio/transport.ts';
import type { PeripheralDefinition } from '../../src/hci/peripheral/definition.ts';
import { World } from '../../src/sim/world.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

/** The unlock client's transport straight onto a peripheral definition's GATT handlers. */
function directTransport(definition: PeripheralDefinition, lockId: Uint8Array): Transport {
  const handler = (name: CharacteristicName) => definition.characteristics.find((characteristic) => characteristic.uuid === shortUuid(characteristicUuids[name]))!;
  const connection: GattConnection = {
    deviceId: 'door',
    mtu: 247,
    read: async (name) => {
      const result = await handler(name).onRead!({ peerAddress: null });
      if (!result.ok) throw new AttError(result.attErrorCode);
      return result.value;
    },
    write: async (name, value, withResponse) => {
      const result = await handler(name).onWrite!({ value, withoutResponse: !withResponse, offset: 0, peerAddress: null } as never);
      if (!result.ok && withResponse) throw new AttError(result.attErrorCode);
    },
    disconnect: async () => definition.onDisconnect?.('00:00:00:00:00:01'),
    stats: () => ({ roundTrips: 0, commands: 0, bytesOnAir: 0, packets: 0 }),
  };
  return {
    now: () => Date.now(),
    scan: async () => [{ deviceId: 'door', lockId, rssiDbm: -40 }],
    connect: async () => {
      definition.onConnect?.('00:00:00:00:00:01');
      return connection;
    },
  };
}

describe('bleno lock peripheral relock timer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const clockOffsetMs of [3_600_000, -3_600_000]) {
    it(`relocks after unlockMs on the tick clock with the RTC ${clockOffsetMs > 0 ? 'an hour ahead' : 'an hour behind'}`, async () => {
      const epochMs = Date.now(); // the fake timers' clock, so the World's RTC and the peripheral's agree
      const w = new World({ seed: 4, crypto: nodeCrypto, radio: { epochMs } });
      const entry = w.addLock('door', 'Door', { xM: 0, yM: 0 });
      const phone = w.addPhone('phone', { xM: 1, yM: 0 });
      w.grant(phone, ['door'], { subject: 'guest', fromS: w.nowS() - 7200 }); // valid on an RTC an hour behind too
      const { identity } = entry.provisioned;
      const reports: LockPeripheralReport[] = [];
      const unlockMs = 5000;
      const definition = await createPeripheral({
        label: 'door',
        options: {
          lockIdHex: toHex(identity.lockId),
          signingSecretHex: toHex(identity.signingSecret),
          agreementSecretHex: toHex(identity.agreementSecret),
          trustedIssuers: w.issuer.trusted.map(trustedIssuerToHex),
          updateKeys: w.issuer.updateKeys.map(trustedIssuerToHex),
          seed: 4,
          deterministicRandom: true,
          config: { clockOffsetMs, unlockMs },
        },
        report: (message) => reports.push(message as LockPeripheralReport),
        onControl: () => undefined,
      });
      const client = new UnlockClient({ wallet: phone.wallet, crypto: nodeCrypto, random: (n) => new Uint8Array(n).fill(3), transport: directTransport(definition, identity.lockId) });
      const outcome = await client.unlock({ mtu: 247 });
      expect(outcome.outcome).toBe('unlocked');
      expect(reports.filter((report) => report.type === 'actuate')).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(unlockMs - 100);
      expect(reports.some((report) => report.type === 'relock')).toBe(false); // not early
      await vi.advanceTimersByTimeAsync(200);
      expect(reports.filter((report) => report.type === 'relock')).toHaveLength(1);
    });
  }
});
