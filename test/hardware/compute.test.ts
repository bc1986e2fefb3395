/**
 * The firmware model counts the primitives it runs, per step and per path; the virtual radio
 * delays the lock's response by their time on the lock's profile; the battery bills the charge.
 */
import { describe, expect, it } from 'vitest';
import type { LockInput } from '../../firmware-model/lock.ts';
import { computeMicroseconds, type PrimitiveCounts, type StepCompute } from '../../firmware-model/hardware/meter.ts';
import { phoneKeyInFirstChunk } from '../../firmware-model/hardware/early-ecdh.ts';
import { esp32c3, ideal, nrf52840, type HardwareProfile } from '../../firmware-model/hardware/profiles.ts';
import { World } from '../../src/sim/world.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

/** Non-zero counts only, so an assertion reads as the list of what ran. */
function nonZero(counts: PrimitiveCounts): Partial<PrimitiveCounts> {
  return Object.fromEntries(Object.entries(counts).filter(([, value]) => value !== 0));
}

function world(hardware: HardwareProfile, mtu: number, seed = 7) {
  const w = new World({ seed, crypto: nodeCrypto, radio: { connIntervalMs: 15, llPayloadBytesMax: mtu <= 23 ? 27 : 251, rssiNoiseDb: 0, trace: true }, hardware });
  const door = w.addLock('door', 'Door', { xM: 0, yM: 0 });
  const phone = w.addPhone('phone', { xM: 1, yM: 0 });
  w.grant(phone, ['door'], { subject: 'guest' });
  const steps: { input: string; compute: StepCompute; atMs: number }[] = [];
  const raw: { input: string; compute: StepCompute; atMs: number }[] = [];
  const step = door.lock.step.bind(door.lock);
  door.lock.step = (input: LockInput, nowMs: number) => {
    const outputs = step(input, nowMs);
    const c = door.lock.lastStepCompute;
    if (c.foregroundMicroseconds + c.backgroundMicroseconds > 0 || Object.values(c.foreground).some(Boolean) || Object.values(c.background).some(Boolean)) {
      const entry = { input: 'characteristic' in input ? `${input.type}:${input.characteristic}` : input.type, compute: c, atMs: nowMs };
      steps.push(entry);
      raw.push(entry);
    }
    return outputs;
  };
  const unlock = async (options: { allowResume?: boolean } = {}) => {
    steps.length = 0;
    const outcome = await w.radio.runUntil(phone.client.unlock({ mtu, ...options }));
    await w.radio.advance(6000);
    return { outcome, steps: steps.map((s) => ({ input: s.input, foreground: nonZero(s.compute.foreground), background: nonZero(s.compute.background) })), raw: [...steps] };
  };
  return { w, door, phone, unlock, raw };
}

describe('compute counted by the firmware model', () => {
  it('counts the primitives of each path (first, hash-only, resume) step by step', async () => {
    const { unlock } = world(nrf52840, 247);
    const first = await unlock();
    expect(first.outcome.outcome).toBe('unlocked');
    expect(first.outcome.path).toBe('full');
    expect(first.steps).toEqual(FIRST);
    const hashOnly = await unlock({ allowResume: false });
    expect(hashOnly.outcome.path).toBe('full');
    expect(hashOnly.steps).toEqual(HASH_ONLY);
    const resume = await unlock();
    expect(resume.outcome.path).toBe('resume');
    expect(resume.steps).toEqual(RESUME);
  });

  it('the counts do not depend on the profile; the time does', async () => {
    const a = await world(ideal, 247).unlock();
    const b = await world(nrf52840, 247).unlock();
    expect(a.steps).toEqual(b.steps);
    expect(a.raw.every((s) => s.compute.foregroundMicroseconds === 0 && s.compute.chargeNanocoulombs === 0)).toBe(true);
    for (const s of b.raw) expect(s.compute.foregroundMicroseconds).toBe(computeMicroseconds(nrf52840, s.compute.foreground));
  });

  it('the radio delays the response by the compute time, across connection events', async () => {
    const fast = await world(ideal, 247).unlock();
    const slow = await world(nrf52840, 247).unlock();
    const [chunk0, write] = slow.raw.filter((s) => s.input === 'write:exchange');
    // The challenge arrives in event 1 (15 ms); the phone's compute (ECDHs, holder signature, AEAD
    // on the `phone` profile) puts both chunks in event 2 (30 ms); the closing write's compute waits
    // for the ECDH started on chunk 0, and its response goes in the first connection event after both.
    expect(chunk0!.compute.backgroundMicroseconds).toBe(2 * nrf52840.p256EcdhMicroseconds);
    const busyMs = (chunk0!.compute.backgroundMicroseconds + write!.compute.foregroundMicroseconds) / 1000;
    expect(slow.outcome.decisionMs).toBe(15 * Math.ceil((30 + busyMs) / 15));
    // The signed result is made in the background after the decision; the phone's Read of it waits.
    const signing = write!.compute.backgroundMicroseconds / 1000;
    expect(signing).toBeGreaterThanOrEqual(nrf52840.ed25519SignMicroseconds / 1000);
    // It starts as soon as the verifies are done (before the decision's connection event) and the
    // result goes out in the first event after it.
    expect(slow.outcome.verifiedMs).toBe(15 * Math.ceil((30 + busyMs + signing) / 15));
    expect(slow.outcome.verifiedMs).toBeGreaterThan(slow.outcome.decisionMs);
    expect(slow.outcome.decisionMs).toBeGreaterThan(fast.outcome.decisionMs);
    expect(slow.outcome.roundTripsToDecision).toBe(fast.outcome.roundTripsToDecision);
  });

  it('the battery bills the compute charge as its crypto share', async () => {
    const { door, unlock } = world(nrf52840, 247);
    await unlock();
    const spent = door.lock.batterySpent;
    expect(spent.crypto).toBeGreaterThan(0);
    expect(spent.motor).toBe(2 * 300_000 * 300);
    expect(spent.radio).toBe(nrf52840.connectionMicroamps * nrf52840.connectionMs);
    const { door: idealDoor, unlock: idealUnlock } = world(ideal, 247);
    await idealUnlock();
    expect(idealDoor.lock.batterySpent.crypto).toBe(0);
  });

  it('the same seed and profile give the same trace; another profile another', async () => {
    const run = async (hardware: HardwareProfile) => {
      const { w, unlock } = world(hardware, 23);
      await unlock();
      await unlock({ allowResume: false });
      return w.radio.traceDigest;
    };
    expect(await run(nrf52840)).toBe(await run(nrf52840));
    expect(await run(nrf52840)).not.toBe(await run(esp32c3));
  });

  it('a slow lock does not trip its own relay guard', async () => {
    // Key generation as slow as a portable C library on a small part: the idle refill after the
    // first visit is still running when the phone comes straight back and reads a challenge.
    const slow: HardwareProfile = { ...esp32c3, name: 'slow-keygen', p256KeyGenMicroseconds: 600_000 };
    const { w, door, phone, raw } = world(slow, 247);
    expect((await w.radio.runUntil(phone.client.unlock({ mtu: 247 }))).outcome).toBe('unlocked');
    // Straight back (no pause): the refill (key pair + form-3 signature) still runs when the Read comes.
    const again = await w.radio.runUntil(phone.client.unlock({ mtu: 247, allowResume: false, scanMs: 100 }));
    expect(again.outcome).toBe('unlocked');
    const read = raw.filter((s) => s.input.startsWith('read:')).at(-1)!;
    const write = raw.filter((s) => s.input === 'write:exchange').at(-1)!;
    // The lock's own compute kept the read-to-write time over the radio bound (330 ms at 15 ms).
    expect(write.atMs - read.atMs).toBeGreaterThan(330);
    expect(door.lock.audit.since(0).some((record) => record.code === 'relay_suspected')).toBe(false);
  });

  it('a relay in front of a slow lock is still caught (the bound grows by the lock\'s own measured delay only)', async () => {
    for (const hardware of [ideal, esp32c3]) {
      const w = new World({ seed: 3, crypto: nodeCrypto, radio: { connIntervalMs: 15, rssiNoiseDb: 0, extraLatencyMs: 300 }, hardware });
      w.addLock('door', 'Door', { xM: 0, yM: 0 }, { relayBoundMs: 200 }); // as scenarios/attacks/03-relay-added-delay.yaml
      const phone = w.addPhone('phone', { xM: 1, yM: 0 });
      w.grant(phone, ['door'], { subject: 'guest' });
      const outcome = await w.radio.runUntil(phone.client.unlock({ mtu: 247 }));
      expect([hardware.name, outcome.outcome, outcome.code]).toEqual([hardware.name, 'refused', 'relay_suspected']);
    }
  });

  it('finds the phone ephemeral key in the first chunk', () => {
    const key = Uint8Array.from({ length: 33 }, (_, i) => i + 1);
    const chunk = Uint8Array.of(0x80, 0x85, 0x01, 0x02, 0x02, 0x58, 33, ...key, 0x59);
    expect(phoneKeyInFirstChunk(chunk)).toEqual(key);
    expect(phoneKeyInFirstChunk(Uint8Array.of(0x80, 0x87, 0x02))).toBeUndefined();
    expect(phoneKeyInFirstChunk(chunk.subarray(0, 20))).toBeUndefined();
  });
});

/**
 * First unlock at MTU 247 (request in two chunks, EdDSA issuer): the Read answers a precomputed
 * challenge (only the commitment hash), chunk 0 starts both ECDHs, the closing write verifies the
 * issuer (Ed25519) and holder (ES256) signatures before its response and signs and seals the result
 * (Ed25519, AEAD) in the background; the Read of the result waits for that; the idle refill after
 * the link drops makes the next key pair and its form-3 signature.
 */
const FIRST = [
  { input: 'read:challenge_signed', foreground: { sha256Calls: 1, sha256Blocks: 1 }, background: {} },
  { input: 'write:exchange', foreground: {}, background: { p256Ecdh: 2 } },
  { input: 'write:exchange', foreground: { es256Verify: 1, ed25519Verify: 1, sha256Calls: 11, sha256Blocks: 33, aeadCalls: 1, aeadBlocks: 24 }, background: { ed25519Sign: 1, sha256Calls: 17, sha256Blocks: 36, aeadCalls: 1, aeadBlocks: 9 } },
  { input: 'disconnect', foreground: {}, background: { p256KeyGen: 1, ed25519Sign: 1 } },
];
/** Hash-only (credential cached, no ticket): one chunk, so both ECDHs run in the closing write's foreground; no issuer verify. */
const HASH_ONLY = [
  { input: 'read:challenge_signed', foreground: { sha256Calls: 1, sha256Blocks: 1 }, background: {} },
  { input: 'write:exchange', foreground: { p256Ecdh: 2, es256Verify: 1, sha256Calls: 10, sha256Blocks: 24, aeadCalls: 1, aeadBlocks: 11 }, background: { ed25519Sign: 1, sha256Calls: 17, sha256Blocks: 36, aeadCalls: 1, aeadBlocks: 9 } },
  { input: 'disconnect', foreground: {}, background: { p256KeyGen: 1, ed25519Sign: 1 } },
];
/** Resume (ticket): MACs and hashes only. */
const RESUME = [
  { input: 'read:challenge', foreground: { sha256Calls: 1, sha256Blocks: 1 }, background: {} },
  { input: 'write:exchange', foreground: { sha256Calls: 19, sha256Blocks: 41 }, background: {} },
  { input: 'disconnect', foreground: {}, background: { p256KeyGen: 1, ed25519Sign: 1 } },
];
