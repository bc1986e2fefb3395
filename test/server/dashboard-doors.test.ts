/**
 * GET /dashboard/doors (JSON) on a server whose clock is the virtual radio's plus a settable offset:
 * every door carries its battery (the demo gym's is low), the low gym audits `battery_low` once it
 * runs, and an unlocked door reads Locked again once the server clock passes the lock's own relock
 * deadline, without anything stepping the lock.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/protocol/random.ts';
import { radioDefaults } from '../../src/radio/options.ts';
import type { RunningServer } from '../../src/server/index.ts';
import type { DashboardDoor } from '../../src/server/routes/dashboard.ts';
import { demoLockConfig, demoLowBatteryDoor, type VirtualDoor } from '../../src/server/virtual-property.ts';
import { startTestServer } from './helpers.ts';
import { TestPhone } from './phone-app.ts';

let server: RunningServer;
let clockSource: (() => number) | undefined;
let offsetMs = 0;

beforeAll(async () => {
  server = await startTestServer({ clock: () => (clockSource ? clockSource() : radioDefaults.epochMs) + offsetMs });
  const radio = server.property.radio;
  clockSource = () => radio.now();
});

afterAll(async () => {
  await server.close();
});

function doorNamed(name: string): VirtualDoor {
  return [...server.property.doors.values()].find((door) => door.name === name)!;
}

async function doors(): Promise<Map<string, DashboardDoor>> {
  const response = await fetch(`${server.url}/dashboard/doors`, { headers: { authorization: `Bearer ${server.apiKey!}` } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { ok: boolean; doors: DashboardDoor[] };
  expect(body.ok).toBe(true);
  return new Map(body.doors.map((door) => [door.name, door]));
}

it('every door has a battery: seeded per door, the demo gym low but not depleted', async () => {
  const listed = await doors();
  expect(listed.size).toBe(server.property.doors.size);
  for (const door of listed.values()) {
    expect(door).toMatchObject({ locked: true, relocks_at: null, powered: true });
    expect(Object.keys(door.battery).sort()).toEqual(['depleted', 'low', 'millivolts', 'percent']);
    expect(door.hardware.name).toBe('ideal'); // the server's default lock profile (docs/HARDWARE.md)
    expect(Number.isInteger(door.battery.percent) && door.battery.percent >= 0 && door.battery.percent <= 100).toBe(true);
    expect(door.battery.millivolts).toBeGreaterThanOrEqual(1_800);
    expect(door.battery.millivolts).toBeLessThanOrEqual(3_200);
    expect(door.battery.depleted).toBe(false);
    const expected = demoLockConfig(createSeededRandom(1), { name: door.name }).batteryInitialPercent!;
    expect(door.battery.percent).toBe(Math.ceil(expected));
    expect(door.battery.low).toBe(door.name === demoLowBatteryDoor.name);
  }
  expect(listed.get('Gym')!.battery).toMatchObject({ percent: 12, low: true });
  expect(new Set([...listed.values()].map((door) => door.battery.percent)).size).toBeGreaterThan(2); // not all alike
});

it('the low gym audits battery_low on its first step, once', async () => {
  const gym = doorNamed('Gym');
  server.property.radio.stepLock(gym.deviceId, { type: 'tick' });
  server.property.radio.stepLock(gym.deviceId, { type: 'tick' });
  const events = (await doors()).get('Gym')!.last_events.map((event) => event.event);
  expect(events).toEqual(['battery_low']);
});

it('an unlocked door reads Locked again once the server clock passes its relock deadline, with no lock step', async () => {
  const room = doorNamed('Room 101');
  const phone = new TestPhone({ id: 'phone-dashboard', seed: 21, crypto: server.context.issuer.crypto, radio: server.property.radio });
  await phone.openAndRegister(server.url, server.instantKeyUrl!);
  expect((await phone.unlockAt(room.position, room.lockId)).outcome).toBe('unlocked');

  const deadlineMs = room.lock.relockAtMs!;
  expect(deadlineMs - server.context.clock()).toBeGreaterThan(0);
  const open = (await doors()).get('Room 101')!;
  expect(open).toMatchObject({ locked: false, relocks_at: new Date(deadlineMs).toISOString(), unlock_count: 1 });
  expect(open.last_events[0]!.event).toBe('unlocked');

  offsetMs = deadlineMs - server.context.clock() - 1; // 1 ms before the deadline: still open
  expect((await doors()).get('Room 101')!.locked).toBe(false);
  offsetMs += 1; // at the deadline
  const closed = (await doors()).get('Room 101')!;
  expect(closed).toMatchObject({ locked: true, relocks_at: null, unlock_count: 1 });
  expect(room.lock.isUnlocked).toBe(true); // the firmware has not been stepped: the dashboard read the deadline
});
