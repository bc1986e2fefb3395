/**
 * The corridor RF model (src/radio/rf/): geometry, path loss, shadowing fixed per link, fading
 * statistics, pocket loss, advertising with advDelay, stable errors; and its wiring into the
 * virtual radio as the optional RSSI model (off: the trace is the one the radio made before it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { createSeededRandom } from '../../src/protocol/random.ts';
import { Advertiser, RfChannel, gaussian, type PhonePose } from '../../src/radio/rf/channel.ts';
import { createCorridor, facingRoom, sameSideNeighbour } from '../../src/radio/rf/corridor.ts';
import { checkRfParams, rfDefaults } from '../../src/radio/rf/params.ts';
import { corridorRssiModel } from '../../src/radio/rf/rssi-model.ts';
import type { RadioOptions } from '../../src/radio/options.ts';
import { World } from '../../src/sim/world.ts';

const lock = { xM: 0, yM: 0, zM: 1 };
const handAt = (xM: number): PhonePose => ({ position: { xM, yM: 0, zM: 1 }, carry: 'hand', headingRad: 0 });

describe('corridor geometry', () => {
  it('doors every 3 m on both sides facing each other, a lobby and an elevator', () => {
    const corridor = createCorridor({ roomsPerSide: 5 });
    expect(corridor.entrances.map((e) => e.id)).toEqual(['lobby', 'elevator', '201', '202', '203', '204', '205', '206', '207', '208', '209', '210']);
    const rooms = corridor.entrances.filter((e) => e.kind === 'room');
    expect(rooms.filter((e) => e.lock.yM === 0).map((e) => e.lock.xM)).toEqual([3, 6, 9, 12, 15]);
    expect(rooms.filter((e) => e.lock.yM === 1.8).map((e) => e.lock.xM)).toEqual([3, 6, 9, 12, 15]);
    expect(corridor.entrances.filter((e) => e.kind !== 'room').every((e) => e.lock.xM < 0)).toBe(true);
    expect([sameSideNeighbour(corridor, '203'), sameSideNeighbour(corridor, '209'), facingRoom(corridor, '203'), facingRoom(corridor, '210')]).toEqual(['205', '207', '204', '209']);
    expect(() => createCorridor({ roomsPerSide: 0 })).toThrow(/^corridor_invalid/);
    expect(() => createCorridor({ widthM: Number.NaN })).toThrow(/^corridor_invalid/);
  });
});

describe('link budget', () => {
  const noShadow = new RfChannel(createSeededRandom(1), { shadowingSigmaDb: 0 });

  it('two-slope path loss: free space under 1 m, the corridor exponent beyond', () => {
    expect(noShadow.meanRssiDbm('p', handAt(1), 'l', lock)).toBeCloseTo(-59, 9);
    expect(noShadow.meanRssiDbm('p', handAt(0.1), 'l', lock)).toBeCloseTo(-39, 9);
    expect(noShadow.meanRssiDbm('p', handAt(10), 'l', lock)).toBeCloseTo(-77, 9);
    // Closer than minDistanceM counts as minDistanceM.
    expect(noShadow.meanRssiDbm('p', handAt(0), 'l', lock)).toBeCloseTo(noShadow.meanRssiDbm('p', handAt(0.02), 'l', lock), 9);
  });

  it('pocket: front loss with the lock ahead, back loss behind; Rayleigh (K = 0) in a pocket', () => {
    const ahead: PhonePose = { position: { xM: -2, yM: 0, zM: 1 }, carry: 'pocket', headingRad: 0 };
    const behind: PhonePose = { ...ahead, position: { xM: 2, yM: 0, zM: 1 } };
    expect(noShadow.bodyLossDb(ahead, lock)).toBeCloseTo(rfDefaults.pocketLossFrontDb, 9);
    expect(noShadow.bodyLossDb(behind, lock)).toBeCloseTo(rfDefaults.pocketLossBackDb, 9);
    expect(noShadow.bodyLossDb(handAt(2), lock)).toBe(0);
    expect(noShadow.ricianK(ahead, 2)).toBe(0);
    expect(noShadow.ricianK(handAt(1), 1)).toBeCloseTo(Math.pow(10, 0.6), 9);
    expect(noShadow.ricianK(handAt(0.02), 0.02)).toBeCloseTo(Math.pow(10, 1.5), 9); // capped
  });

  it('shadowing is fixed per link and seed, whatever order links are drawn in, and spread by σ', () => {
    const a = new RfChannel(createSeededRandom(5));
    const b = new RfChannel(createSeededRandom(5));
    const links = Array.from({ length: 2000 }, (_, i) => `lock-${i}`);
    const forward = links.map((id) => a.shadowingDb('p', id));
    const backward = [...links].reverse().map((id) => b.shadowingDb('p', id)).reverse();
    expect(backward).toEqual(forward);
    expect(a.shadowingDb('p', 'lock-3')).toBe(forward[3]);
    const mean = forward.reduce((s, v) => s + v, 0) / forward.length;
    const sd = Math.sqrt(forward.reduce((s, v) => s + (v - mean) ** 2, 0) / forward.length);
    expect(Math.abs(mean)).toBeLessThan(0.3);
    expect(sd).toBeGreaterThan(3.7);
    expect(sd).toBeLessThan(4.3);
    expect(new RfChannel(createSeededRandom(6)).shadowingDb('p', 'lock-0')).not.toBe(forward[0]);
  });

  it('fading keeps the mean power (E|h|² = 1); Rayleigh fades deep as often as 1 − e^(−x) says', () => {
    const random = createSeededRandom(9);
    for (const k of [0, 1, 4, 30]) {
      const gains = Array.from({ length: 20_000 }, () => Math.pow(10, noShadow.fadingDb(k, random) / 10));
      expect(gains.reduce((s, g) => s + g, 0) / gains.length).toBeGreaterThan(0.96);
      expect(gains.reduce((s, g) => s + g, 0) / gains.length).toBeLessThan(1.04);
      if (k === 0) expect(gains.filter((g) => g < 0.1).length / gains.length).toBeCloseTo(1 - Math.exp(-0.1), 2);
      if (k === 0) expect(gains.filter((g) => g < 0.25).length / gains.length).toBeGreaterThan(0.2);
      if (k === 30) expect(gains.filter((g) => g < 0.25).length / gains.length).toBeLessThan(0.002); // a strong direct path: deep fades are rare
    }
    const normals = Array.from({ length: 20_000 }, () => gaussian(random));
    expect(Math.abs(normals.reduce((s, v) => s + v, 0) / normals.length)).toBeLessThan(0.03);
  });

  it('samples are whole dBm, clipped at saturation, lost under sensitivity, sometimes missed', () => {
    const channel = new RfChannel(createSeededRandom(3));
    const random = createSeededRandom(4);
    const near = Array.from({ length: 1000 }, () => channel.sample('p', handAt(0.02), 'l', lock, random));
    const heard = near.filter((v): v is number => v !== undefined);
    expect(heard.every((v) => Number.isInteger(v) && v <= rfDefaults.saturationDbm)).toBe(true);
    expect(1 - heard.length / near.length).toBeGreaterThan(0.06); // missProbability 0.1
    expect(1 - heard.length / near.length).toBeLessThan(0.14);
    const far = Array.from({ length: 200 }, () => channel.sample('p', handAt(2000), 'l', lock, random));
    expect(far.every((v) => v === undefined)).toBe(true);
  });

  it('advertising: advInterval plus an advDelay in 0..10 ms per event', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 20, max: 1000 }), (streamSeed, advIntervalMs) => {
        const params = checkRfParams({ ...rfDefaults, advIntervalMs });
        const advertiser = new Advertiser(params, createSeededRandom(streamSeed), 0);
        let previous = advertiser.pop();
        expect(previous).toBeGreaterThanOrEqual(0);
        expect(previous).toBeLessThan(advIntervalMs);
        for (let i = 0; i < 50; i++) {
          const next = advertiser.pop();
          expect(next - previous).toBeGreaterThanOrEqual(advIntervalMs);
          expect(next - previous).toBeLessThanOrEqual(advIntervalMs + 10);
          previous = next;
        }
      }),
    );
  });

  it('bad parameters: a stable code', () => {
    expect(() => new RfChannel(createSeededRandom(1), { pathLossExponent: 0 })).toThrow(/^rf_params_invalid/);
    expect(() => new RfChannel(createSeededRandom(1), { advIntervalMs: 5 })).toThrow(/^rf_params_invalid/);
    expect(() => new RfChannel(createSeededRandom(1), { missProbability: 1 })).toThrow(/^rf_params_invalid/);
    expect(() => new RfChannel(createSeededRandom(1), { shadowingSigmaDb: Number.NaN })).toThrow(/^rf_params_invalid/);
  });
});

describe('the virtual radio with the corridor RSSI model', () => {
  const crypto = createNodeProvider();
  async function twoDoors(radio: Partial<RadioOptions>) {
    const world = new World({ seed: 7, crypto, radio: { trace: true, ...radio } });
    world.addLock('a', 'A', { xM: 0, yM: 0 });
    world.addLock('b', 'B', { xM: 3, yM: 0 });
    const phone = world.addPhone('p', { xM: 1, yM: 0 });
    world.grant(phone, ['a', 'b'], { subject: 'guest' });
    const heard = await world.radio.runUntil(world.radio.transportFor('p').scan(500));
    const result = await world.radio.runUntil(phone.client.unlock({ mtu: 247 }));
    return { world, heard, result };
  }

  it('off (the default): the same trace digest and RSSI the radio gave before the model existed', async () => {
    const { world, heard, result } = await twoDoors({});
    // Digest and RSSI taken from the radio without the rssiModel option (commit a8393b8).
    expect(world.radio.traceDigest).toBe('8a50ce2a');
    expect(heard.map((h) => [h.deviceId, h.rssiDbm])).toEqual([['a', -57], ['b', -65]]);
    expect(result.outcome).toBe('unlocked');
  });

  it('on: every RSSI comes from the model, seeded (same seed, same trace), and the lock held to is loudest', async () => {
    const run = async (seed: number) => {
      const model = corridorRssiModel(createSeededRandom(seed));
      const world = new World({ seed: 7, crypto, radio: { trace: true, rssiModel: model } });
      world.addLock('a', 'A', { xM: 0, yM: 0 });
      world.addLock('b', 'B', { xM: 3, yM: 0 });
      world.addPhone('p', { xM: 0.05, yM: 0 });
      const scans = [];
      for (let i = 0; i < 10; i++) scans.push(await world.radio.runUntil(world.radio.transportFor('p').scan(300)));
      return { digest: world.radio.traceDigest, scans, model };
    };
    const a = await run(1);
    const b = await run(1);
    const c = await run(2);
    expect(b.digest).toBe(a.digest);
    expect(c.digest).not.toBe(a.digest);
    // The phone 5 cm from lock a (0.2 m below it: hand height 1.2 m, lock 1.0 m), 3 m from lock b.
    const median = (id: string): number => {
      const values = a.scans.flatMap((scan) => scan.filter((h) => h.deviceId === id).map((h) => h.rssiDbm)).sort((x, y) => x - y);
      expect(values.length).toBeGreaterThan(5);
      return values[values.length >> 1]!;
    };
    expect(median('a')).toBeGreaterThan(-55);
    expect(median('a') - median('b')).toBeGreaterThan(10);
    expect(a.model.rangeM).toBeGreaterThan(50);
    expect(Number.isFinite(a.model.rangeM)).toBe(true);
  });
});
