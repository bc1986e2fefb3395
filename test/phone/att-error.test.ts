/**
 * From the independent attack on issue 15 (F1): the unlock client threw on an ATT Error Response
 * to a Read (the lock's challenge key budget refusal, 0x80) instead of returning an outcome. Now
 * 0x80 on a challenge Read is `refused` / `rate_limited`, and any other ATT error is `error` /
 * `transport_att_error` with the ATT code in the detail — on the virtual radio and on any other
 * transport (noble over HCI throws the same AttError), checked here with a scripted transport.
 */
import { describe, expect, it } from 'vitest';
import { lockConfigDefaults } from '../../firmware-model/config.ts';
import { nrf52840 } from '../../firmware-model/hardware/profiles.ts';
import { AttError, type GattConnection, type Transport } from '../../src/radio/transport.ts';
import { UnlockClient } from '../../src/phone/unlock-client.ts';
import { World } from '../../src/sim/world.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

/** A transport whose lock answers every Read with ATT error `code` (as noble-transport rejects). */
function refusingTransport(lockId: Uint8Array, code: number): Transport {
  const connection: GattConnection = {
    deviceId: 'door',
    mtu: 247,
    read: async () => {
      throw new AttError(code);
    },
    write: async () => undefined,
    disconnect: async () => undefined,
    stats: () => ({ roundTrips: 1, commands: 0, bytesOnAir: 0, packets: 0 }),
  };
  return { now: () => 1_700_000_000_000, scan: async () => [{ deviceId: 'door', lockId, rssiDbm: -40 }], connect: async () => connection };
}

describe('ATT errors become outcomes', () => {
  it('the lock refusing a challenge Read past its key budget (0x80) is refused / rate_limited on the virtual radio', async () => {
    const w = new World({ seed: 5, crypto: nodeCrypto, radio: { rssiNoiseDb: 0 }, hardware: nrf52840 });
    const door = w.addLock('door', 'Door', { xM: 0, yM: 0 }, { challengeKeysBurstMax: 1 });
    const phone = w.addPhone('phone', { xM: 1, yM: 0 });
    w.grant(phone, ['door'], { subject: 'guest' });
    // A stranger takes the precomputed key and the one token, then the bucket is empty.
    for (const id of [900, 901]) {
      w.radio.stepLock('door', { type: 'connect', connectionId: id });
      w.radio.stepLock('door', { type: 'read', connectionId: id, characteristic: 'challenge_signed', offset: 0 });
      w.radio.stepLock('door', { type: 'disconnect', connectionId: id });
    }
    expect(lockConfigDefaults.challengeKeyRefillMs).toBeGreaterThan(1000);
    const outcome = await w.radio.runUntil(phone.client.unlock({ mtu: 247 }));
    expect(outcome).toMatchObject({ outcome: 'refused', code: 'rate_limited', authenticated: false });
    expect(door.lock.actuations).toBe(0);
  });

  it('on any transport: 0x80 → refused / rate_limited; another ATT error → error / transport_att_error naming the code', async () => {
    const w = new World({ seed: 5, crypto: nodeCrypto });
    w.addLock('door', 'Door', { xM: 0, yM: 0 });
    const phone = w.addPhone('phone', { xM: 1, yM: 0 });
    const lockId = w.locks.get('door')!.provisioned.identity.lockId;
    w.grant(phone, ['door'], { subject: 'guest' });
    const client = (code: number) => new UnlockClient({ wallet: phone.wallet, crypto: nodeCrypto, random: (n) => new Uint8Array(n).fill(7), transport: refusingTransport(lockId, code) });
    expect(await client(0x80).unlock()).toMatchObject({ outcome: 'refused', code: 'rate_limited' });
    const other = await client(0x0e).unlock();
    expect(other).toMatchObject({ outcome: 'error', code: 'transport_att_error', detail: 'ATT error 0x0e' });
  });
});
