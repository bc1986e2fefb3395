/**
 * From the independent attack on issue 15 (finding 4): a stranger's connect / challenge Read /
 * disconnect churn cost the lock a fresh ephemeral key pair and its form-3 signature every round
 * (the idle precomputation refilled on each disconnect), with no budget. Now every challenge key
 * comes from a token bucket on the monotonic tick (config challengeKeysBurstMax, challengeKeyRefillMs);
 * past it the lock refuses the Read instead of computing, and a phone gets in again once it refills.
 */
import { describe, expect, it } from 'vitest';
import { lockConfigDefaults } from '../../firmware-model/config.ts';
import { computeMicroseconds, computeNanocoulombs, zeroCounts } from '../../firmware-model/hardware/meter.ts';
import { nrf52840 } from '../../firmware-model/hardware/profiles.ts';
import { World } from '../../src/sim/world.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

describe('challenge key budget', () => {
  it('a stranger churning connect/Read/disconnect gets at most the budget of key pairs and signatures; then a phone opens again', async () => {
    const w = new World({ seed: 9, crypto: nodeCrypto, radio: { rssiNoiseDb: 0 }, hardware: nrf52840 });
    const door = w.addLock('door', 'Door', { xM: 0, yM: 0 });
    const phone = w.addPhone('phone', { xM: 1, yM: 0 });
    w.grant(phone, ['door'], { subject: 'guest' });
    const { challengeKeysBurstMax: burst, challengeKeyRefillMs: refillMs } = lockConfigDefaults;
    const keysBefore = door.lock.meter.total.p256KeyGen;
    const signsBefore = door.lock.meter.total.ed25519Sign;
    const cryptoBefore = door.lock.batterySpent.crypto;
    const rounds = 300;
    const spacingMs = 100; // 30 s of churn
    let refused = 0;
    for (let i = 0; i < rounds; i++) {
      const id = 1000 + i;
      w.radio.stepLock('door', { type: 'connect', connectionId: id });
      const outputs = w.radio.stepLock('door', { type: 'read', connectionId: id, characteristic: 'challenge_signed', offset: 0 });
      if (outputs.some((output) => output.type === 'read_error' && output.attError === 0x80)) refused++;
      w.radio.stepLock('door', { type: 'disconnect', connectionId: id });
      await w.radio.advance(spacingMs);
    }
    const allowed = burst + Math.floor((rounds * spacingMs) / refillMs);
    const keys = door.lock.meter.total.p256KeyGen - keysBefore;
    expect(keys).toBeLessThanOrEqual(allowed);
    // One of the budget went to the key pair precomputed when the lock started (before keysBefore); one refill may fall after the last round.
    expect(keys).toBeGreaterThanOrEqual(allowed - 2);
    expect(door.lock.meter.total.ed25519Sign - signsBefore).toBeLessThanOrEqual(allowed);
    expect(refused).toBeGreaterThanOrEqual(rounds - allowed);
    // The battery bills what the budget let through, and no more.
    const perKey = computeNanocoulombs(nrf52840, computeMicroseconds(nrf52840, { ...zeroCounts(), p256KeyGen: 1, ed25519Sign: 1, sha256Calls: 1, sha256Blocks: 1 }));
    expect(door.lock.batterySpent.crypto - cryptoBefore).toBeLessThanOrEqual(allowed * perKey);
    // The refused Reads were counted, not committed.
    expect([...door.lock.audit.counters.values()].find((counter) => counter.code === 'rate_limited')?.count).toBe(refused);
    // One refill later the door's own phone opens it.
    await w.radio.advance(refillMs);
    const outcome = await w.radio.runUntil(phone.client.unlock({ mtu: 247 }));
    expect(outcome.outcome).toBe('unlocked');
  });

  it('the bucket is RAM: it starts full at every boot, whatever it held before the power cut (F6)', async () => {
    const burst = 3;
    const w = new World({ seed: 9, crypto: nodeCrypto, radio: { rssiNoiseDb: 0 }, hardware: nrf52840 });
    w.addLock('door', 'Door', { xM: 0, yM: 0 }, { challengeKeysBurstMax: burst });
    let id = 2000;
    /** Fresh-connection challenge Reads until the lock refuses one (at most 10): how many it served. */
    const served = (): number => {
      let count = 0;
      for (; count < 10; count++) {
        const connectionId = id++;
        w.radio.stepLock('door', { type: 'connect', connectionId });
        const outputs = w.radio.stepLock('door', { type: 'read', connectionId, characteristic: 'challenge_key', offset: 0 });
        w.radio.stepLock('door', { type: 'disconnect', connectionId });
        if (outputs.some((output) => output.type === 'read_error')) break;
      }
      return count;
    };
    expect(served()).toBe(burst); // the whole budget, then refused (no time passes: no refill)
    w.radio.stepLock('door', { type: 'power_lost' });
    await w.radio.advance(10); // far less than one refill
    w.radio.stepLock('door', { type: 'power_restored' });
    expect(served()).toBe(burst); // full again at boot: the precomputed key and the rest of the bucket
  });

  it('an empty budget does not shut the owner out: a form-1 Read gets a nonce-only challenge that a resume answers; a full exchange and the key forms are refused (F4)', async () => {
    const w = new World({ seed: 9, crypto: nodeCrypto, radio: { rssiNoiseDb: 0 }, hardware: nrf52840 });
    const door = w.addLock('door', 'Door', { xM: 0, yM: 0 }, { challengeKeysBurstMax: 2 });
    const phone = w.addPhone('phone', { xM: 1, yM: 0 });
    w.grant(phone, ['door'], { subject: 'owner' });
    expect((await w.radio.runUntil(phone.client.unlock({ mtu: 247 }))).outcome).toBe('unlocked'); // a ticket
    await w.radio.advance(6000);
    let id = 3000;
    const read = (characteristic: 'challenge' | 'challenge_key' | 'challenge_signed') => {
      const connectionId = id++;
      w.radio.stepLock('door', { type: 'connect', connectionId });
      const outputs = w.radio.stepLock('door', { type: 'read', connectionId, characteristic, offset: 0 });
      w.radio.stepLock('door', { type: 'disconnect', connectionId });
      return outputs;
    };
    // A stranger drains the bucket: the key forms are refused once it is empty.
    let refused = false;
    for (let i = 0; i < 10 && !refused; i++) refused = read('challenge_signed').some((output) => output.type === 'read_error' && output.attError === 0x80);
    expect(refused).toBe(true);
    const keysBefore = door.lock.meter.total.p256KeyGen;
    const ecdhBefore = door.lock.meter.total.p256Ecdh + door.lock.meter.total.p256PointCheck;
    // Form 1 still answers: a nonce, no key pair made.
    expect(read('challenge').some((output) => output.type === 'read_response')).toBe(true);
    expect(read('challenge_key').some((output) => output.type === 'read_error' && output.attError === 0x80)).toBe(true);
    // The owner's repeat unlock (resume: form 1) opens with the bucket empty.
    const repeat = await w.radio.runUntil(phone.client.unlock({ mtu: 247 }));
    expect(repeat).toMatchObject({ outcome: 'unlocked', path: 'resume' });
    // A full exchange cannot use a nonce-only challenge (it needs the lock's ephemeral key): refused as rate limited, no ECDH.
    const full = await w.radio.runUntil(phone.client.unlock({ mtu: 23, allowResume: false }));
    expect(full).toMatchObject({ outcome: 'refused', code: 'rate_limited', authenticated: false });
    expect(door.lock.meter.total.p256KeyGen).toBe(keysBefore);
    expect(door.lock.meter.total.p256Ecdh + door.lock.meter.total.p256PointCheck).toBe(ecdhBefore);
  });
});

