/**
 * The 1-round-trip repeat unlock (docs/PROTOCOL.md §7.4) in the virtual radio: the phone MACs the
 * lock's advertised resume nonce before connecting, so the decision comes in the first connection
 * event after its write, on every profile; a stale or taken nonce falls back on the same link
 * through the retry result's fresh challenge.
 */
import { describe, expect, it } from 'vitest';
import { ideal, nrf52840, nrf52840Cc310, nrf54l15, type HardwareProfile } from '../../firmware-model/hardware/profiles.ts';
import { World } from '../../src/sim/world.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

async function repeatVia(hardware: HardwareProfile, advertiseResumeNonce: boolean, seed = 4) {
  const w = new World({ seed, crypto: nodeCrypto, radio: { connIntervalMs: 15, llPayloadBytesMax: 251, rssiNoiseDb: 0, trace: true }, hardware });
  w.addLock('door', 'Door', { xM: 0, yM: 0 }, { advertiseResumeNonce });
  const phone = w.addPhone('phone', { xM: 1, yM: 0 });
  w.grant(phone, ['door'], { subject: 'guest' });
  const first = await w.radio.runUntil(phone.client.unlock({ mtu: 247 }));
  await w.radio.advance(6000);
  const repeat = await w.radio.runUntil(phone.client.unlock({ mtu: 247 }));
  expect([first.outcome, repeat.outcome, repeat.path]).toEqual(['unlocked', 'unlocked', 'resume']);
  return { repeat, world: w };
}

describe('1-round-trip repeat unlock (advertised resume nonce)', () => {
  it('decides in 1 round trip, one connection event after the write, on every Nordic profile', async () => {
    for (const profile of [ideal, nrf52840, nrf52840Cc310, nrf54l15]) {
      const { repeat } = await repeatVia(profile, true);
      expect(repeat.roundTripsToDecision, profile.name).toBe(1);
      expect(repeat.roundTripsTotal, profile.name).toBe(2);
      expect(repeat.decisionMs, profile.name).toBe(15);
    }
  });

  it('without the lock feature the phone reads a challenge as before (2 round trips)', async () => {
    const { repeat } = await repeatVia(nrf52840, false);
    expect(repeat.roundTripsToDecision).toBe(2);
  });

  it('two phones that heard the same nonce: one opens in 1 round trip, the other falls back on the retry challenge (write, result read, write: 3, no challenge Read)', async () => {
    const w = new World({ seed: 5, crypto: nodeCrypto, radio: { connIntervalMs: 15, llPayloadBytesMax: 251, rssiNoiseDb: 0 }, hardware: nrf52840 });
    const door = w.addLock('door', 'Door', { xM: 0, yM: 0 }, { advertiseResumeNonce: true });
    const phones = [w.addPhone('a', { xM: 1, yM: 0 }), w.addPhone('b', { xM: 0, yM: 1 })];
    for (const phone of phones) {
      w.grant(phone, ['door'], { subject: phone.id });
      expect((await w.radio.runUntil(phone.client.unlock({ mtu: 247 }))).outcome).toBe('unlocked');
      await w.radio.advance(6000);
    }
    const reads: string[] = [];
    // A challenge value starts with its form byte (1–3); an exchange result is a CBOR array (0x8_).
    w.radio.observe(({ output }) => {
      if (output.type === 'read_response' && output.value[0]! <= 3) reads.push(`form ${output.value[0]}`);
    });
    const [a, b] = await w.radio.runUntil(Promise.all(phones.map((phone) => phone.client.unlock({ mtu: 247 }))));
    expect([a!.outcome, b!.outcome, a!.path, b!.path]).toEqual(['unlocked', 'unlocked', 'resume', 'resume']);
    const [winner, loser] = [a!, b!].sort((x, y) => x.roundTripsToDecision - y.roundTripsToDecision);
    expect([winner!.roundTripsToDecision, loser!.roundTripsToDecision]).toEqual([1, 3]);
    // The loser's write waits one event for its MAC after the retry result: 15 + 15 + 15 + 15.
    expect([winner!.decisionMs, loser!.decisionMs]).toEqual([15, 60]);
    expect(reads).toEqual([]); // the fallback answered the challenge in the retry result
    expect(door.lock.actuations).toBe(4);
  });

  it('same seed, same trace', async () => {
    const a = await repeatVia(nrf52840, true, 9);
    const b = await repeatVia(nrf52840, true, 9);
    expect(a.world.radio.trace).toEqual(b.world.radio.trace);
  });
});
