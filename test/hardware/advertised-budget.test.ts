/**
 * From the independent attack on issue 15 (F3): a lock with `advertiseChallenge` renews its
 * advertised challenge (a key pair and a form-3 signature) every 200 ms whether or not anyone
 * listens, outside the challenge key budget and unbilled — about +415 µA on an nrf52840 (83 µC × 5 a
 * second). Now every renewal draws from the same token bucket as connection challenges, above a
 * reserve kept for connection Reads, and is billed: renewals the lock made between inputs (no
 * scan stepped them) are charged when it next steps.
 */
import { describe, expect, it } from 'vitest';
import { lockConfigDefaults } from '../../firmware-model/config.ts';
import { nrf52840 } from '../../firmware-model/hardware/profiles.ts';
import { World } from '../../src/sim/world.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

function setUp(config: Record<string, unknown> = {}) {
  const w = new World({ seed: 12, crypto: nodeCrypto, radio: { rssiNoiseDb: 0 }, hardware: nrf52840 });
  const door = w.addLock('door', 'Door', { xM: 0, yM: 0 }, { advertiseChallenge: true, ...config });
  return { w, door };
}

describe('advertised challenges and the key budget', () => {
  it('renewals while nobody listens are billed, and no more of them than the bucket above its reserve allows', async () => {
    const { w, door } = setUp();
    const { challengeKeysBurstMax: burst, challengeKeysReservedForReads: reserve, challengeKeyRefillMs: refillMs, advertisedChallengeLifetimeMs: lifetimeMs } = lockConfigDefaults;
    w.radio.stepLock('door', { type: 'advertise' });
    const keysBefore = door.lock.meter.idleTotal.p256KeyGen;
    const cryptoBefore = door.lock.batterySpent.crypto;
    const gapMs = 60_000;
    await w.radio.advance(gapMs);
    w.radio.stepLock('door', { type: 'tick' });
    const renewals = door.lock.meter.idleTotal.p256KeyGen - keysBefore;
    const allowed = burst - 1 - reserve + Math.floor(gapMs / refillMs); // one token went to the advert made above
    expect(gapMs / lifetimeMs).toBeGreaterThan(allowed); // the advertiser wants more than the budget gives
    expect(renewals).toBeGreaterThanOrEqual(allowed - 1);
    expect(renewals).toBeLessThanOrEqual(allowed);
    // Each renewal's key pair and Ed25519 signature are in the battery's crypto share.
    const perRenewalNc = Math.floor(((nrf52840.p256KeyGenMicroseconds + nrf52840.ed25519SignMicroseconds) * nrf52840.activeMicroamps) / 1000);
    expect(door.lock.batterySpent.crypto - cryptoBefore).toBeGreaterThanOrEqual(renewals * perRenewalNc);
  });

  it('an advert renewal draws from the bucket: with it at the reserve the advert carries no challenge, and connection Reads still get keys', async () => {
    const { w, door } = setUp({ challengeKeysBurstMax: 6, challengeKeysReservedForReads: 3 });
    let id = 100;
    const readKey = () => {
      const connectionId = id++;
      w.radio.stepLock('door', { type: 'connect', connectionId });
      const outputs = w.radio.stepLock('door', { type: 'read', connectionId, characteristic: 'challenge_signed', offset: 0 });
      w.radio.stepLock('door', { type: 'disconnect', connectionId });
      return outputs.some((output) => output.type === 'read_response');
    };
    // Three Reads (each disconnect precomputes the next key) leave 2 tokens: below the reserve of 3.
    expect(readKey() && readKey() && readKey()).toBe(true);
    const keysBefore = door.lock.meter.total.p256KeyGen;
    const advert = w.radio.stepLock('door', { type: 'advertise' }).find((output) => output.type === 'advertisement');
    expect(advert).toMatchObject({ type: 'advertisement', challenge: undefined });
    expect(door.lock.meter.total.p256KeyGen).toBe(keysBefore);
    // The reserve is the Reads': they still get a key.
    expect(readKey()).toBe(true);
  });

  it('nothing is billed for the time the lock was without power', async () => {
    const { w, door } = setUp();
    w.radio.stepLock('door', { type: 'advertise' });
    w.radio.stepLock('door', { type: 'power_lost' });
    await w.radio.advance(60_000);
    w.radio.stepLock('door', { type: 'power_restored' });
    const keysBefore = door.lock.meter.idleTotal.p256KeyGen;
    w.radio.stepLock('door', { type: 'tick' });
    expect(door.lock.meter.idleTotal.p256KeyGen - keysBefore).toBe(0);
  });
});

