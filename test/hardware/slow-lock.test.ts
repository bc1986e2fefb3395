/**
 * From the independent attack on issue 15 (F2, F7): a slow lock actuated after the phone had given
 * up. The lock's idle timer counted from the last input, not from when its compute was done (it
 * dropped the link while it was still deciding), the phone's timeout was a constant 3 s whatever
 * the lock's MCU, and the held bolt moved whether or not anyone was still connected. Now idle counts
 * from compute done, the phone's timeout comes from the lock's profile (hardware/phone-timeout.ts),
 * a bolt commit whose connection is gone does not actuate and audits `unlock_abandoned`, and a retry
 * never actuates twice. F7: the `unlocked` audit output is emitted with the held NV commit, so a
 * power cut between the decision and that commit logs no unlock.
 */
import { describe, expect, it } from 'vitest';
import { decodePersistentState } from '../../firmware-model/persistent-state.ts';
import { phoneTimeoutMs } from '../../firmware-model/hardware/phone-timeout.ts';
import { ideal, nrf52840, type HardwareProfile } from '../../firmware-model/hardware/profiles.ts';
import { unlockDefaults } from '../../src/phone/unlock-client.ts';
import { World } from '../../src/sim/world.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

/** An MCU whose Ed25519 verify (the issuer's signature on a first unlock) takes 5 s: longer than 3 s. */
const slow: HardwareProfile = { ...nrf52840, name: 'slow-test', ed25519VerifyMicroseconds: 5_000_000 };

function setUp(hardware: HardwareProfile) {
  const w = new World({ seed: 21, crypto: nodeCrypto, radio: { connIntervalMs: 15, rssiNoiseDb: 0 }, hardware, issuerAlgorithm: 'EdDSA' });
  const door = w.addLock('door', 'Door', { xM: 0, yM: 0 });
  const phone = w.addPhone('phone', { xM: 1, yM: 0 });
  w.grant(phone, ['door'], { subject: 'guest' });
  const events: { timeMs: number; what: string }[] = [];
  w.radio.observe(({ timeMs, output }) => {
    if (output.type === 'actuate') events.push({ timeMs, what: 'actuate' });
    if (output.type === 'audit') events.push({ timeMs, what: output.record.event });
    if (output.type === 'write_response' && output.attError === 0) events.push({ timeMs, what: 'decided' });
  });
  return { w, door, phone, events };
}

const committed = (door: ReturnType<typeof setUp>['door']) => decodePersistentState(door.lock.nv.load()!).audit.map((record) => record.event);

describe('a slow lock and a phone that gives up', () => {
  it('the phone timeout comes from the lock profile: the old constant on ideal, worst-case compute on top elsewhere', () => {
    expect(phoneTimeoutMs(ideal)).toBe(unlockDefaults.timeoutMs);
    expect(phoneTimeoutMs(slow)).toBeGreaterThan(unlockDefaults.timeoutMs + slow.ed25519VerifyMicroseconds / 1000);
    expect(phoneTimeoutMs(nrf52840)).toBeGreaterThan(unlockDefaults.timeoutMs);
  });

  it('with the timeout derived from the profile the phone waits for the slow decision, and the lock keeps the link while it computes', async () => {
    const { w, door, phone } = setUp(slow);
    const outcome = await w.radio.runUntil(phone.client.unlock({ mtu: 247 }));
    expect(outcome.outcome).toBe('unlocked');
    expect(outcome.decisionMs).toBeGreaterThan(5000);
    await w.radio.advance(10_000);
    expect(door.lock.actuations).toBe(1);
  });

  it('a phone that gave up (constant 3 s) gets no actuation: the lock audits unlock_abandoned; its retry actuates exactly once', async () => {
    const { w, door, phone } = setUp(slow);
    const gaveUp = await w.radio.runUntil(phone.client.unlock({ mtu: 247, timeoutMs: 3000 }));
    expect(gaveUp.outcome).toBe('timeout');
    await w.radio.advance(10_000); // the compute is long done
    expect(door.lock.actuations).toBe(0);
    expect(door.lock.isUnlocked).toBe(false);
    expect(committed(door)).toContain('unlock_abandoned');
    expect(committed(door)).not.toContain('unlocked');
    const retry = await w.radio.runUntil(phone.client.unlock({ mtu: 247 }));
    expect(retry.outcome).toBe('unlocked');
    await w.radio.advance(10_000);
    expect(door.lock.actuations).toBe(1);
    expect(committed(door).filter((event) => event === 'unlocked')).toHaveLength(1);
  });

  it('F7: the unlocked audit output comes with the held commit and the bolt, not with the decision (nrf52840)', async () => {
    const { w, phone, events } = setUp(nrf52840);
    const outcome = await w.radio.runUntil(phone.client.unlock({ mtu: 247 }));
    expect(outcome.outcome).toBe('unlocked');
    const at = (what: string) => events.find((event) => event.what === what)!.timeMs;
    expect(at('unlocked')).toBe(at('actuate'));
    expect(at('unlocked')).toBeGreaterThan(at('decided'));
  });

  it('F7: a power cut in the held commit logs no unlock anywhere', async () => {
    const { w, door, phone, events } = setUp(nrf52840);
    let armed = false;
    w.radio.observe(({ output }) => {
      if (armed || output.type !== 'write_response' || output.attError !== 0) return;
      armed = true;
      door.lock.nv.powerCutAtWrite = door.lock.nv.writeCount; // the next NV write: the unlock's commit
    });
    const outcome = await w.radio.runUntil(phone.client.unlock({ mtu: 247 }));
    expect(armed).toBe(true);
    expect(outcome.outcome).not.toBe('unlocked');
    expect(door.lock.actuations).toBe(0);
    expect(events.some((event) => event.what === 'unlocked')).toBe(false);
  });
});
