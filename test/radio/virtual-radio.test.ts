import { describe, expect, it } from 'vitest';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { World } from '../../src/sim/world.ts';
import type { RadioOptions } from '../../src/radio/options.ts';
import type { LockConfig } from '../../firmware-model/config.ts';

const crypto = createNodeProvider();

function oneDoor(seed: number, radio: Partial<RadioOptions> = {}, lock: Partial<LockConfig> = {}) {
  const world = new World({ seed, crypto, radio: { rssiNoiseDb: 0, ...radio } });
  const door = world.addLock('door', 'Door', { xM: 0, yM: 0 }, lock);
  const phone = world.addPhone('phone', { xM: 1, yM: 0 });
  world.grant(phone, ['door'], { subject: 'guest' });
  return { world, door, phone };
}

describe('virtual radio timing', () => {
  it('first and repeat unlock decide in 2 round trips, one connection interval each', async () => {
    for (const connIntervalMs of [7.5, 15, 30]) {
      const { world, phone } = oneDoor(1, { connIntervalMs });
      const first = await world.radio.runUntil(phone.client.unlock({ mtu: 247 }));
      expect(first).toMatchObject({ outcome: 'unlocked', path: 'full', roundTripsToDecision: 2, roundTripsTotal: 3 });
      expect(first.decisionMs).toBe(2 * connIntervalMs);
      await world.radio.advance(6000);
      const repeat = await world.radio.runUntil(phone.client.unlock({ mtu: 23 }));
      expect(repeat).toMatchObject({ outcome: 'unlocked', path: 'resume', roundTripsToDecision: 2, roundTripsTotal: 3 });
      expect(repeat.decisionMs).toBe(2 * connIntervalMs);
      expect(repeat.bytesOnAir).toBeLessThan(first.bytesOnAir);
    }
  });

  it('the conservative model (no same-event follow-up) costs two intervals per round trip', async () => {
    const { world, phone } = oneDoor(1, { centralContinuesEvent: false });
    const first = await world.radio.runUntil(phone.client.unlock({ mtu: 247 }));
    expect(first.roundTripsToDecision).toBe(2);
    expect(first.decisionMs).toBe(60);
  });

  it('at MTU 23 the request streams in 19-byte chunks without extra round trips', async () => {
    const { world, phone } = oneDoor(2, { llPayloadBytesMax: 27 });
    const outcome = await world.radio.runUntil(phone.client.unlock({ mtu: 23 }));
    expect(outcome.outcome).toBe('unlocked');
    expect(outcome.roundTripsToDecision).toBe(2);
    // the signed result (~130 bytes) needs Read Blobs at MTU 23: reported, not hidden
    expect(outcome.roundTripsTotal).toBeGreaterThan(3);
  });

  it('a challenge in extended advertising makes it 1 round trip; a stale advertised challenge falls back', async () => {
    const { world, phone } = oneDoor(3, {}, { advertiseChallenge: true });
    const other = world.addPhone('other', { xM: 1, yM: 1 });
    world.grant(other, ['door'], { subject: 'other' });
    const first = await world.radio.runUntil(phone.client.unlock({ mtu: 247 }));
    expect(first).toMatchObject({ outcome: 'unlocked', roundTripsToDecision: 1 });
    await world.radio.advance(6000);
    const [a, b] = await world.radio.runUntil(Promise.all([phone.client.unlock({ mtu: 247 }), other.client.unlock({ mtu: 247 })]));
    expect([a.outcome, b.outcome]).toEqual(['unlocked', 'unlocked']);
    expect(Math.max(a.roundTripsToDecision, b.roundTripsToDecision)).toBeGreaterThan(1); // the loser read a fresh challenge
  });
});

describe('virtual radio faults', () => {
  it('lost packets are retransmitted: unlocks still succeed, with more packets on air', async () => {
    const clean = oneDoor(4);
    const lossy = oneDoor(4, { lossNumerator: 150, lossDenominator: 1000 });
    const a = await clean.world.radio.runUntil(clean.phone.client.unlock({ mtu: 247 }));
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(await lossy.world.radio.runUntil(lossy.phone.client.unlock({ mtu: 247, scanMs: 1000 })));
      await lossy.world.radio.advance(6000);
    }
    expect(results.filter((r) => r.outcome === 'unlocked').length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...results.map((r) => r.decisionMs))).toBeGreaterThan(a.decisionMs);
  });

  it('a disconnect in the middle of a request never actuates, and the next attempt works', async () => {
    for (let packets = 0; packets < 6; packets++) {
      const { world, door, phone } = oneDoor(5 + packets, { llPayloadBytesMax: 27 });
      world.radio.injectDisconnect('door', packets);
      const outcome = await world.radio.runUntil(phone.client.unlock({ mtu: 23 }));
      expect(outcome.outcome).toBe('disconnected');
      expect(door.lock.actuations).toBe(0);
      const retry = await world.radio.runUntil(phone.client.unlock({ mtu: 23 }));
      expect(retry.outcome).toBe('unlocked');
      expect(door.lock.actuations).toBe(1);
    }
  });

  it('a link with every packet lost ends by supervision timeout or the phone timeout, never hangs', async () => {
    const { world, door, phone } = oneDoor(6);
    const connecting = phone.client.unlock({ mtu: 247, timeoutMs: 5000 });
    // scan succeeds, then the air goes dead
    await world.radio.advance(310);
    world.radio.options.lossNumerator = 1000;
    const outcome = await world.radio.runUntil(connecting);
    expect(['disconnected', 'timeout']).toContain(outcome.outcome);
    expect(door.lock.actuations).toBe(0);
  });

  it('a relay adding latency beyond the lock bound is refused with relay_suspected', async () => {
    const { world, door, phone } = oneDoor(7, { extraLatencyMs: 300 }, { relayBoundMs: 200 });
    const outcome = await world.radio.runUntil(phone.client.unlock({ mtu: 247 }));
    expect(outcome).toMatchObject({ outcome: 'refused', code: 'relay_suspected' });
    expect(door.lock.actuations).toBe(0);
  });

  it('a phone out of range finds no lock', async () => {
    const { world, phone } = oneDoor(8);
    world.movePhone(phone, { xM: 300, yM: 0 });
    const outcome = await world.radio.runUntil(phone.client.unlock({}));
    expect(outcome).toMatchObject({ outcome: 'out_of_range', code: 'lock_not_found' });
  });
});
