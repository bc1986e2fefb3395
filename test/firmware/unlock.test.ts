/**
 * End-to-end unlocks over the seeded virtual radio (World): the granted door opens; every refusal
 * in the attack catalog that a phone or a recorded exchange can cause comes back with its code and
 * without actuation: wrong door, expired, not yet valid, revoked (revocation carried by another
 * phone), superseded, replayed exchange, relay, rate limiting, fake lock.
 */
import { describe, expect, it } from 'vitest';
import { Lock } from '../../firmware-model/lock.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { codeOfWire } from '../../src/protocol/errors.ts';
import { p256SecretFromSeed } from '../../src/protocol/crypto/provider.ts';
import { decodeResult } from '../../src/protocol/unlock/messages.ts';
import type { UnlockClient } from '../../src/phone/unlock-client.ts';
import { replayWrites } from '../../src/radio/recording-transport.ts';
import type { RadioOptions } from '../../src/radio/options.ts';
import { World, type WorldPhone } from '../../src/sim/world.ts';
import { seeded } from '../helpers/fixtures.ts';

const crypto = createNodeProvider();

function hotel(seed: number, radio: Partial<RadioOptions> = {}) {
  const world = new World({ seed, crypto, radio });
  const room101 = world.addLock('room-101', 'Room 101', { xM: 0, yM: 0 });
  const room102 = world.addLock('room-102', 'Room 102', { xM: 30, yM: 0 });
  const unlock = (phone: WorldPhone, options: Parameters<UnlockClient['unlock']>[0] = {}) => world.radio.runUntil(phone.client.unlock(options));
  return { world, room101, room102, unlock };
}

describe('unlock over the virtual radio', () => {
  it('a granted door unlocks (full exchange in at most 2 round trips), then again on the repeat path', async () => {
    const { world, room101, unlock } = hotel(1);
    const guest = world.addPhone('guest', { xM: 1, yM: 0 });
    world.grant(guest, ['room-101'], { subject: 'g1' });
    const first = await unlock(guest);
    expect(first).toMatchObject({ outcome: 'unlocked', authenticated: true, path: 'full', deviceId: 'room-101' });
    expect(first.roundTripsToDecision).toBeLessThanOrEqual(2);
    expect(room101.lock.actuations).toBe(1);
    await world.radio.advance(6_000);
    const second = await unlock(guest);
    expect(second).toMatchObject({ outcome: 'unlocked', authenticated: true, path: 'resume' });
    expect(room101.lock.actuations).toBe(2);
  });

  it('wrong door: the phone does not try, and a lock presented an out-of-scope credential refuses credential_wrong_door', async () => {
    const { world, room101, room102, unlock } = hotel(2);
    const guest = world.addPhone('guest', { xM: 1, yM: 0 });
    world.grant(guest, ['room-102'], { subject: 'g1' });
    const local = await unlock(guest, { lockId: room101.provisioned.identity.lockId });
    expect(local).toMatchObject({ outcome: 'refused', code: 'credential_wrong_door', path: 'none' });
    guest.wallet.addLockCertificate(room101.provisioned.certificate, room101.provisioned.identity.lockId);
    const atLock = await unlock(guest, { lockId: room101.provisioned.identity.lockId, presentOutOfScope: true });
    expect(atLock).toMatchObject({ outcome: 'refused', code: 'credential_wrong_door', authenticated: true, path: 'full' });
    expect(room101.lock.actuations + room102.lock.actuations).toBe(0);
  });

  it('an expired credential is refused credential_expired', async () => {
    const { world, room101, unlock } = hotel(3);
    const guest = world.addPhone('guest', { xM: 1, yM: 0 });
    world.grant(guest, ['room-101'], { subject: 'g1', fromS: world.nowS() - 86400, untilS: world.nowS() - 120 });
    expect(await unlock(guest)).toMatchObject({ outcome: 'refused', code: 'credential_expired', authenticated: true });
    expect(room101.lock.actuations).toBe(0);
  });

  it('a credential not yet valid is refused credential_not_yet_valid', async () => {
    const { world, room101, unlock } = hotel(4);
    const guest = world.addPhone('guest', { xM: 1, yM: 0 });
    world.grant(guest, ['room-101'], { subject: 'g1', fromS: world.nowS() + 3600, untilS: world.nowS() + 7200 });
    expect(await unlock(guest)).toMatchObject({ outcome: 'refused', code: 'credential_not_yet_valid', authenticated: true });
    expect(room101.lock.actuations).toBe(0);
  });

  it.each([true, false])('revoked (allowResume %s): after another phone carries the signed update, the revoked phone is refused credential_revoked', async (allowResume) => {
    const { world, room101, unlock } = hotel(5);
    const guest = world.addPhone('guest', { xM: 1, yM: 0 });
    const staff = world.addPhone('staff', { xM: 1, yM: 1 });
    const issued = world.grant(guest, ['room-101'], { subject: 'g1' });
    world.grant(staff, ['room-101'], { subject: 'housekeeping' });
    expect((await unlock(guest)).outcome).toBe('unlocked');
    await world.radio.advance(6_000);
    world.issuer.revoke(issued.claims);
    // Until the update reaches the lock, the lock cannot know.
    staff.wallet.carryUpdate(world.issuer.updateFor(room101.provisioned.identity.lockId, world.nowS()));
    expect((await unlock(staff)).outcome).toBe('unlocked');
    expect(room101.lock.state.revoked.map((entry) => entry.credentialId)).toContainEqual(issued.claims.credentialId);
    await world.radio.advance(6_000);
    const before = room101.lock.actuations;
    const refused = await unlock(guest, { allowResume });
    expect(refused).toMatchObject({ outcome: 'refused', code: 'credential_revoked', authenticated: true, path: allowResume ? 'resume' : 'full' });
    expect(room101.lock.actuations).toBe(before);
  });

  it('superseded: once the next guest (supersede) unlocks, the previous guest is refused credential_superseded', async () => {
    const { world, room101, unlock } = hotel(6);
    const oldGuest = world.addPhone('old-guest', { xM: 1, yM: 0 });
    const newGuest = world.addPhone('new-guest', { xM: 1, yM: 1 });
    world.grant(oldGuest, ['room-101'], { subject: 'g1' });
    expect((await unlock(oldGuest)).outcome).toBe('unlocked');
    await world.radio.advance(6_000);
    world.grant(newGuest, ['room-101'], { subject: 'g2', supersede: true });
    expect((await unlock(newGuest)).outcome).toBe('unlocked');
    expect(room101.lock.state.sequenceFloor).toBe(2);
    await world.radio.advance(6_000);
    const before = room101.lock.actuations;
    for (const allowResume of [true, false]) {
      expect(await unlock(oldGuest, { allowResume })).toMatchObject({ outcome: 'refused', code: 'credential_superseded', authenticated: true });
    }
    expect(room101.lock.actuations).toBe(before);
    expect((await unlock(newGuest)).outcome).toBe('unlocked');
  });

  it.each([23, 247])('a recorded exchange (full, then repeat) replayed on a new connection at MTU %i is refused without actuation', async (mtu) => {
    const { world, room101, unlock } = hotel(7);
    const guest = world.addPhone('guest', { xM: 1, yM: 0 });
    world.grant(guest, ['room-101'], { subject: 'g1' });
    const recorder = guest.recorder;
    expect((await unlock(guest, { mtu })).path).toBe('full');
    await world.radio.advance(6_000);
    expect((await unlock(guest, { mtu })).path).toBe('resume');
    expect(room101.lock.actuations).toBe(2);
    world.radio.placePhone('attacker', { xM: 2, yM: 0 });
    const attacker = world.radio.transportFor('attacker');
    for (const writes of recorder.sessions.slice()) {
      expect(writes.length).toBeGreaterThan(0);
      await world.radio.advance(6_000);
      const replay = await world.radio.runUntil(replayWrites(attacker, 'room-101', writes, mtu));
      expect(replay.accepted).toBe(false);
      const result = decodeResult(replay.result);
      expect(result.type).not.toBe(0);
      const status = result.type === 0 ? -1 : result.status;
      expect(status).not.toBe(0);
      expect(['decrypt_failed', 'ticket_unknown', 'holder_proof_invalid', 'challenge_used']).toContain(codeOfWire(status));
    }
    expect(room101.lock.actuations).toBe(2);
    // The genuine phone is unaffected by the replays.
    expect((await unlock(guest)).outcome).toBe('unlocked');
  });

  it('relay: a response slower than the relay bound is refused relay_suspected', async () => {
    const { world, room101, unlock } = hotel(8, { extraLatencyMs: 600 });
    const guest = world.addPhone('guest', { xM: 1, yM: 0 });
    world.grant(guest, ['room-101'], { subject: 'g1' });
    expect(await unlock(guest)).toMatchObject({ outcome: 'refused', code: 'relay_suspected', authenticated: false });
    expect(room101.lock.actuations).toBe(0);
  });

  it('just inside the relay bound still unlocks', async () => {
    const { world, room101, unlock } = hotel(8, { extraLatencyMs: 300 });
    const guest = world.addPhone('guest', { xM: 1, yM: 0 });
    world.grant(guest, ['room-101'], { subject: 'g1' });
    expect((await unlock(guest)).outcome).toBe('unlocked');
    expect(room101.lock.actuations).toBe(1);
  });

  it('rate limiting is per verified credential: an expired guest hammering the door is rate_limited, another guest is not', async () => {
    const { world, room101, unlock } = hotel(9);
    const intruder = world.addPhone('intruder', { xM: 1, yM: 0 });
    const guest = world.addPhone('guest', { xM: 1, yM: 1 });
    world.grant(intruder, ['room-101'], { subject: 'old', fromS: world.nowS() - 86400, untilS: world.nowS() - 3600 });
    world.grant(guest, ['room-101'], { subject: 'g1' });
    const { failuresMax, failureWindowMs } = room101.lock.config;
    for (let i = 0; i < failuresMax; i++) expect((await unlock(intruder)).code).toBe('credential_expired');
    expect(await unlock(intruder)).toMatchObject({ outcome: 'refused', code: 'rate_limited', authenticated: true });
    expect(room101.lock.actuations).toBe(0);
    // The budget is the expired credential's own: another holder opens at once.
    expect((await unlock(guest)).outcome).toBe('unlocked');
    await world.radio.advance(failureWindowMs + 1_000);
    expect((await unlock(intruder)).code).toBe('credential_expired');
  });

  it('fake lock with uncertified keys: the phone never reports unlocked and the real lock does not move', async () => {
    const { world, room101, unlock } = hotel(10);
    const guest = world.addPhone('guest', { xM: 1, yM: 0 });
    world.grant(guest, ['room-101'], { subject: 'g1' });
    const random = seeded(10, 'fake');
    const fake = new Lock({ identity: { lockId: room101.provisioned.identity.lockId, signingSecret: random.bytes(32), agreementSecret: p256SecretFromSeed(random.bytes(48)) }, trustedIssuers: world.issuer.trusted, crypto, random: (n) => random.bytes(n) });
    world.radio.addLock('fake-101', fake, { xM: 1.05, yM: 0 });
    const outcome = await unlock(guest);
    expect(outcome.deviceId).toBe('fake-101');
    expect(outcome.outcome).not.toBe('unlocked');
    expect(outcome.authenticated).toBe(false);
    expect(fake.actuations + room101.lock.actuations).toBe(0);
  });

  it('fake lock holding the stolen agreement key but not the certified signing key: lock_proof_invalid, never unlocked', async () => {
    const { world, room101, unlock } = hotel(11);
    const guest = world.addPhone('guest', { xM: 1, yM: 0 });
    world.grant(guest, ['room-101'], { subject: 'g1' });
    const random = seeded(11, 'fake');
    const identity = { ...room101.provisioned.identity, signingSecret: random.bytes(32) };
    const fake = new Lock({ identity, trustedIssuers: world.issuer.trusted, crypto, random: (n) => random.bytes(n) });
    world.radio.addLock('fake-101', fake, { xM: 1.05, yM: 0 });
    const outcome = await unlock(guest);
    expect(outcome.deviceId).toBe('fake-101');
    expect(outcome).toMatchObject({ code: 'lock_proof_invalid', authenticated: false });
    expect(outcome.outcome).not.toBe('unlocked');
    expect(guest.wallet.tickets.size).toBe(0);
  });
});
