/**
 * The door dashboard (/dashboard, API key) in Chromium: it lists the workspace's virtual doors over
 * SSE with their battery (the demo gym's low, written out), a door changes to Unlocked, with an
 * `unlocked` audit event, when the guest's Instant Key page unlocks it through Web Bluetooth, and
 * shows Locked again by itself when the lock's relock time passes (nothing steps the lock).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { CdpBluetoothBridge } from './cdp-bridge.ts';
import { outcomeOf, screenshotDir, openDashboard } from './browser.ts';
import { startWebRig, type WebRig } from './rig.ts';
import { dashboardDoors } from '../../src/server/routes/dashboard.ts';

let rig: WebRig;
let server: WebRig['server'];
let front: WebRig['front'];
let browser: WebRig['browser'];
let bridge: CdpBluetoothBridge;
let dashboard: Page;
const roomAddress = '02:00:00:00:03:01';

beforeAll(async () => {
  rig = await startWebRig();
  ({ server, front, browser } = rig);
  bridge = rig.bridge!;
  const room = [...server.property.doors.values()].find((d) => d.name === 'Room 101')!;
  await bridge.addLock(roomAddress, room.lock);
  dashboard = await browser.context.newPage();
}, 60_000);

afterAll(() => rig?.close());

function stateOf(name: string): Promise<string | null> {
  return dashboard.getAttribute(`tr[data-door="${name}"]`, 'data-state');
}

it('refuses without an API key, and with a client-session-like token', async () => {
  expect((await fetch(server.url + '/dashboard')).status).toBe(401);
  expect((await fetch(server.url + '/dashboard/events')).status).toBe(401);
  expect((await fetch(server.url + '/dashboard/doors?key=seam_cst_nope')).status).toBe(401);
  const doors = (await (await fetch(server.url + '/dashboard/doors', { headers: { authorization: `Bearer ${server.apiKey}` } })).json()) as { doors: { name: string; locked: boolean }[] };
  expect(doors.doors.map((d) => d.name)).toEqual(expect.arrayContaining([...server.property.doors.values()].map((d) => d.name)));
  expect(doors.doors.every((d) => d.locked)).toBe(true);
});

it('shows every door’s battery as text, with the low gym’s warning written out', async () => {
  await openDashboard(dashboard, server.url, server.apiKey!);
  await dashboard.waitForFunction(() => document.getElementById('connection')?.textContent === 'Live', undefined, { timeout: 10_000 });
  expect(await dashboard.textContent('thead')).toContain('Battery');
  const gym = [...server.property.doors.values()].find((d) => d.name === 'Gym')!;
  expect(await dashboard.getAttribute('tr[data-door="Gym"]', 'data-battery')).toBe('low');
  expect(await dashboard.textContent('tr[data-door="Gym"] .battery')).toBe(`${gym.lock.battery.percent}% — Low battery`);
  const room = [...server.property.doors.values()].find((d) => d.name === 'Room 101')!;
  expect(await dashboard.getAttribute('tr[data-door="Room 101"]', 'data-battery')).toBe('ok');
  expect(await dashboard.textContent('tr[data-door="Room 101"] .battery')).toBe(`${room.lock.battery.percent}%`);
  expect(await dashboard.getAttribute('tr[data-door="Room 101"] .battery', 'title')).toMatch(/^\d\.\d\d V$/);
});

it('lists every door live and shows Room 101 change to Unlocked when the guest unlocks it', async () => {
  await openDashboard(dashboard, server.url, server.apiKey!);
  await dashboard.waitForFunction(() => document.getElementById('connection')?.textContent === 'Live', undefined, { timeout: 10_000 });
  const names = await dashboard.$$eval('tr[data-door]', (rows) => rows.map((row) => row.getAttribute('data-door')));
  expect(names).toEqual(expect.arrayContaining([...server.property.doors.values()].map((d) => d.name)));
  expect(await stateOf('Room 101')).toBe('locked');
  expect(await dashboard.textContent('tr[data-door="Room 101"] .state')).toBe('Locked');

  const guest = browser.page;
  await guest.goto(front.url + new URL(server.instantKeyUrl!).pathname);
  await guest.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  bridge.standAt(roomAddress);
  await guest.bringToFront(); // the Bluetooth chooser only opens for the page in front
  await guest.getByRole('button', { name: 'Unlock Room 101' }).click();
  expect((await outcomeOf(guest)).state).toBe('success');
  const room = [...server.property.doors.values()].find((d) => d.name === 'Room 101')!;
  const relockAtMs = room.lock.relockAtMs!;
  // Relocks not before the lock's own deadline, and from it exactly. The page shows the server's
  // door view at the server clock; read here at an injected clock 1 ms before and at the deadline
  // (no wall clock), at once: the simulator's relock timer steps the lock unlockMs later.
  const room101At = async (nowMs: number) => (await dashboardDoors({ ...server.context, clock: () => nowMs }, server.property, server.workspaceId!)).find((door) => door.name === 'Room 101');
  expect(await room101At(relockAtMs - 1)).toMatchObject({ locked: false, relocks_at: new Date(relockAtMs).toISOString(), unlock_count: 1 });
  expect(await room101At(relockAtMs)).toMatchObject({ locked: true, relocks_at: null, unlock_count: 1 });

  await dashboard.waitForSelector('tr[data-door="Room 101"][data-state="unlocked"]', { timeout: 5_000 });
  expect(await dashboard.textContent('tr[data-door="Room 101"] .state')).toBe('Unlocked');
  expect(await dashboard.textContent('tr[data-door="Room 101"] .count')).toBe('1');
  expect(await dashboard.textContent('tr[data-door="Room 101"] .events')).toContain('unlocked');
  expect(await stateOf('Lobby')).toBe('locked');
  await dashboard.screenshot({ path: `${screenshotDir}/dashboard-unlocked.png`, fullPage: true });
  expect(bridge.errors).toEqual([]);

  // Nothing steps the lock after the unlock: the page must still show the bolt relocking on time.
  await dashboard.waitForSelector('tr[data-door="Room 101"][data-state="locked"]', { timeout: room.lock.config.unlockMs + 10_000 });
  expect(await dashboard.textContent('tr[data-door="Room 101"] .state')).toBe('Locked');
  expect(await dashboard.textContent('tr[data-door="Room 101"] .count')).toBe('1');
  expect(await dashboard.textContent('tr[data-door="Room 101"] .battery')).toMatch(/^\d{1,3}%$/);
});
