/**
 * The battery model (firmware-model/battery.ts) alone — exact integer drains per motor movement,
 * per phone visit and per virtual hour, the voltage curve, config checks — and inside the lock on
 * the seeded virtual radio: an unlock costs a visit and two motor movements, `battery_low` is
 * audited once, a depleted lock refuses both exchange paths with a signed `battery_depleted`, and
 * the same seed still gives the same trace.
 */
import { describe, expect, it } from 'vitest';
import { Battery, batteryIdleMicroamps, batteryLoads, millivoltsAt, type BatteryOptions } from '../../firmware-model/battery.ts';
import type { LockConfig } from '../../firmware-model/config.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { World } from '../../src/sim/world.ts';

const hourMs = 3_600_000;
/** 1 mAh: one motor movement (300 mA × 300 ms = 0.025 mAh) is exactly 2.5 %. */
const tiny: BatteryOptions = { capacityMah: 1, initialPercent: 100, lowPercent: 20, cutoffPercent: 2 };

describe('Battery', () => {
  it('starts full: 100 %, fresh voltage, not low', () => {
    const battery = new Battery({ capacityMah: 3_000, initialPercent: 100, lowPercent: 20, cutoffPercent: 2 });
    expect(battery.reading).toEqual({ percent: 100, millivolts: 3_200, low: false, depleted: false });
    expect(Object.isFrozen(battery.reading)).toBe(true);
  });

  it('a motor movement and a phone visit draw their documented charge', () => {
    expect(batteryLoads.motor.microamps * batteryLoads.motor.durationMs).toBe(90_000_000); // 0.025 mAh
    const battery = new Battery(tiny);
    battery.draw('motor');
    expect(battery.reading.percent).toBe(98); // 97.5 % rounded up
    for (let i = 1; i < 4; i++) battery.draw('motor');
    expect(battery.reading.percent).toBe(90); // exactly 4 × 2.5 %
    battery.draw('connection'); // 3 mA × 600 ms = 0.0005 mAh = 0.05 %
    expect(battery.reading.percent).toBe(90); // 89.95 %
    for (let i = 0; i < 36; i++) battery.draw('motor');
    expect(battery.reading).toMatchObject({ percent: 0, millivolts: 1_800, low: true, depleted: true }); // never below empty
  });

  it('drains at the idle current over virtual monotonic time, and only forwards', () => {
    const battery = new Battery(tiny);
    battery.elapse(1_000 * hourMs); // the first tick only anchors, whatever its value
    expect(battery.reading.percent).toBe(100);
    battery.elapse(1_000 * hourMs + 25 * hourMs); // 20 µA × 25 h = 0.5 mAh
    expect(batteryIdleMicroamps).toBe(20);
    expect(battery.reading.percent).toBe(50);
    battery.elapse(0); // a tick from another time base going back: no drain, no credit
    battery.elapse(1_000 * hourMs + 25 * hourMs);
    expect(battery.reading.percent).toBe(50);
    battery.suspend(); // power off: the next tick re-anchors
    battery.elapse(5_000 * hourMs);
    expect(battery.reading.percent).toBe(50);
  });

  it('fractional ticks telescope: many small steps drain exactly what one jump does', () => {
    const stepped = new Battery(tiny);
    const jumped = new Battery(tiny);
    stepped.elapse(0);
    jumped.elapse(0);
    for (let tick = 0.25; tick <= 36_000_000; tick += 0.25 * 997) stepped.elapse(tick);
    stepped.elapse(36_000_000);
    jumped.elapse(36_000_000); // 10 h = 20 %
    expect(stepped.reading).toEqual(jumped.reading);
    expect(jumped.reading.percent).toBe(80);
  });

  it('reports low exactly once, at the crossing', () => {
    const battery = new Battery({ ...tiny, initialPercent: 25 });
    expect(battery.takeLowWarning()).toBe(false);
    battery.draw('motor'); // 22.5 %
    expect(battery.takeLowWarning()).toBe(false);
    expect(battery.reading.low).toBe(false);
    battery.draw('motor'); // 20 %: at the threshold counts as low
    expect(battery.reading).toMatchObject({ percent: 20, low: true, depleted: false });
    expect(battery.takeLowWarning()).toBe(true);
    battery.draw('motor');
    expect(battery.takeLowWarning()).toBe(false);
  });

  it('is depleted at the cut-off', () => {
    expect(new Battery({ ...tiny, initialPercent: 2.01 }).reading.depleted).toBe(false);
    expect(new Battery({ ...tiny, initialPercent: 2 }).reading.depleted).toBe(true);
  });

  it('the voltage curve falls monotonically from 3.2 V to 1.8 V (0.9 V per cell)', () => {
    expect(millivoltsAt(1000)).toBe(3_200);
    expect(millivoltsAt(0)).toBe(1_800);
    expect(millivoltsAt(500)).toBe(3_000);
    for (let permille = 1; permille <= 1000; permille++) expect(millivoltsAt(permille)).toBeGreaterThanOrEqual(millivoltsAt(permille - 1));
  });

  it('refuses bad options with a labelled error', () => {
    expect(() => new Battery({ ...tiny, capacityMah: 0 })).toThrow(/capacityMah/);
    expect(() => new Battery({ ...tiny, capacityMah: 1.5 })).toThrow(RangeError);
    expect(() => new Battery({ ...tiny, capacityMah: 1e9 })).toThrow(RangeError);
    expect(() => new Battery({ ...tiny, initialPercent: Number.NaN })).toThrow(/initialPercent/);
    expect(() => new Battery({ ...tiny, initialPercent: 101 })).toThrow(RangeError);
    expect(() => new Battery({ ...tiny, lowPercent: 20.5 })).toThrow(/lowPercent/);
    expect(() => new Battery({ ...tiny, initialPercent: '50' as unknown as number })).toThrow(TypeError);
    expect(() => new Battery({ ...tiny, lowPercent: 1, cutoffPercent: 2 })).toThrow(/cutoffPercent/);
  });
});

const crypto = createNodeProvider();

function door(seed: number, config: Partial<LockConfig>) {
  const world = new World({ seed, crypto, radio: { trace: true } });
  const room = world.addLock('room-101', 'Room 101', { xM: 0, yM: 0 }, config);
  const guest = world.addPhone('guest', { xM: 1, yM: 0 });
  world.grant(guest, ['room-101'], { subject: 'g1' });
  const unlock = () => world.radio.runUntil(guest.client.unlock({}));
  const events = () => room.lock.audit.since(0).map((record) => `${record.event}${record.code ? ` ${record.code}` : ''}`);
  return { world, room, unlock, events };
}

describe('the battery inside the lock', () => {
  it('an unlock costs a phone visit and a motor movement; the relock costs another', async () => {
    const { world, room, unlock } = door(31, { batteryCapacityMah: 1 });
    expect((await unlock()).outcome).toBe('unlocked');
    expect(room.lock.battery.percent).toBe(98); // 100 − 0.05 (visit) − 2.5 (open) − idle ≈ 97.45
    await world.radio.advance(6_000); // the bolt timer fires: relock
    expect(room.lock.isUnlocked).toBe(false);
    expect(room.lock.battery.percent).toBe(95); // − 2.5 (relock) ≈ 94.95
  });

  it('drains while idle by the lock’s own tick, and not while the power is off', async () => {
    const { world, room } = door(32, { batteryCapacityMah: 1 });
    world.radio.stepLock('room-101', { type: 'tick' });
    await world.radio.advance(5 * hourMs); // 20 µA × 5 h = 0.1 mAh
    world.radio.stepLock('room-101', { type: 'tick' });
    expect(room.lock.battery.percent).toBe(90);
    world.radio.stepLock('room-101', { type: 'power_lost' });
    await world.radio.advance(20 * hourMs);
    world.radio.stepLock('room-101', { type: 'power_restored' });
    world.radio.stepLock('room-101', { type: 'tick' });
    expect(room.lock.battery.percent).toBe(90);
  });

  it('audits battery_low once when the charge crosses the threshold', async () => {
    const { world, room, unlock, events } = door(33, { batteryCapacityMah: 1, batteryInitialPercent: 25 });
    expect((await unlock()).outcome).toBe('unlocked');
    expect(events()).toEqual(['unlocked']); // ≈ 22.45 %
    await world.radio.advance(6_000); // relock: ≈ 19.95 %
    expect(events()).toEqual(['unlocked', 'battery_low']);
    expect(room.lock.battery).toMatchObject({ percent: 20, low: true, depleted: false });
    expect(world.radio.trace.some((line) => line.endsWith('room-101 audit battery_low'))).toBe(true);
    expect((await unlock()).outcome).toBe('unlocked');
    await world.radio.advance(6_000);
    expect(events()).toEqual(['unlocked', 'battery_low', 'unlocked']);
  });

  it('below the cut-off it refuses with a signed battery_depleted, on the full and the resume path, and never actuates', async () => {
    const { world, room, unlock, events } = door(34, { batteryCapacityMah: 1, batteryInitialPercent: 5.1 });
    expect((await unlock()).outcome).toBe('unlocked'); // 5.1 → ≈ 2.55 %: still above 2 %
    await world.radio.advance(6_000); // the relock is always powered: ≈ 0.05 %
    expect(room.lock.battery).toMatchObject({ low: true, depleted: true });
    const resumed = await unlock();
    expect(resumed).toMatchObject({ outcome: 'refused', code: 'battery_depleted', authenticated: true, path: 'resume' });
    expect(room.lock.actuations).toBe(1);
    expect(events().slice(-1)).toEqual(['refused battery_depleted']);

    const fresh = door(35, { batteryCapacityMah: 1, batteryInitialPercent: 2 });
    expect(await fresh.unlock()).toMatchObject({ outcome: 'refused', code: 'battery_depleted', authenticated: true, path: 'full' });
    expect(fresh.room.lock.actuations).toBe(0);
    expect(fresh.events()).toEqual(['battery_low', 'refused battery_depleted']);
  });

  it('a guest tapping a flat lock keeps hearing why: battery_depleted is not a failure for the rate limit', async () => {
    const { room, unlock, events } = door(38, { batteryCapacityMah: 1, batteryInitialPercent: 2 });
    const failuresMax = room.lock.config.failuresMax;
    for (let i = 0; i < failuresMax + 2; i++) expect(await unlock()).toMatchObject({ outcome: 'refused', code: 'battery_depleted' });
    expect(events().filter((event) => event === 'refused battery_depleted')).toHaveLength(failuresMax + 2);
    expect(events()).not.toContain('refused rate_limited');
    expect(room.lock.actuations).toBe(0);
  });

  it('is deterministic: the same seed gives the same trace, low battery included', async () => {
    const run = async () => {
      const { world, unlock } = door(36, { batteryCapacityMah: 1, batteryInitialPercent: 21 });
      await unlock();
      await world.radio.advance(6_000);
      await unlock();
      return { trace: [...world.radio.trace], digest: world.radio.traceDigest };
    };
    const first = await run();
    const second = await run();
    expect(second.trace).toEqual(first.trace);
    expect(second.digest).toBe(first.digest);
    expect(first.trace.filter((line) => line.includes('battery_low'))).toHaveLength(1);
  });

  it('a full default pack changes nothing in a short run: no battery record in the trace', async () => {
    const { world, room, unlock } = door(37, {});
    await unlock();
    await world.radio.advance(6_000);
    expect(world.radio.trace.some((line) => line.includes('battery'))).toBe(false);
    expect(room.lock.battery).toMatchObject({ percent: 100, low: false, depleted: false });
  });
});
