/**
 * The phone's compute delays its requests as the lock's delays its responses (issue 15: it was
 * counted but did not delay the radio). A request goes out in the first connection event after
 * the phone's compute before it is done; `ideal` locks get an `ideal` phone, so that table is unchanged.
 */
import { describe, expect, it } from 'vitest';
import { ideal, nrf52840, phone as phoneProfile, type HardwareProfile } from '../../firmware-model/hardware/profiles.ts';
import { World } from '../../src/sim/world.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

async function decisionMs(phoneHardware: HardwareProfile | undefined, hardware: HardwareProfile = nrf52840) {
  const w = new World({ seed: 4, crypto: nodeCrypto, radio: { connIntervalMs: 15, llPayloadBytesMax: 251, rssiNoiseDb: 0, trace: true }, hardware, ...(phoneHardware ? { phoneHardware } : {}) });
  w.addLock('door', 'Door', { xM: 0, yM: 0 });
  const phone = w.addPhone('phone', { xM: 1, yM: 0 });
  w.grant(phone, ['door'], { subject: 'guest' });
  const first = await w.radio.runUntil(phone.client.unlock({ mtu: 247 }));
  await w.radio.advance(6000);
  const repeat = await w.radio.runUntil(phone.client.unlock({ mtu: 247 }));
  expect([first.outcome, repeat.outcome, repeat.path]).toEqual(['unlocked', 'unlocked', 'resume']);
  return { first: first.decisionMs, repeat: repeat.decisionMs, phoneLines: w.radio.trace.filter((line) => / phone compute \d+ us$/.test(line)).length, world: w };
}

describe('phone compute on the radio', () => {
  it('delays the phone\'s writes to the first connection event after it (one event for the phone profile)', async () => {
    const free = await decisionMs(ideal);
    const priced = await decisionMs(phoneProfile);
    expect(free.phoneLines).toBe(0);
    expect(priced.phoneLines).toBeGreaterThan(0);
    // The writes after the challenge wait one event: the phone's 1–2 ms do not fit in the event it heard the challenge in.
    expect(priced.first - free.first).toBe(15);
    expect(priced.repeat - free.repeat).toBe(15);
  });

  it('a slow phone (50 ms ECDH) is slower by its compute, rounded up to connection events', async () => {
    const slowPhone: HardwareProfile = { ...phoneProfile, name: 'slow-phone', p256EcdhMicroseconds: 50_000 };
    const free = await decisionMs(ideal);
    const slow = await decisionMs(slowPhone);
    // Two ECDHs (static and ephemeral) after the challenge: over 100 ms, so at least 7 more events.
    expect(slow.first - free.first).toBeGreaterThanOrEqual(15 * Math.ceil(100 / 15));
  });

  it('the world prices phones on `phone`, or on `ideal` when the locks are ideal', async () => {
    expect((await decisionMs(undefined, ideal)).world.phoneHardware).toBe(ideal);
    expect((await decisionMs(undefined, nrf52840)).world.phoneHardware).toBe(phoneProfile);
  });
});
