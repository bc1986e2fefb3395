/**
 * A lock with a flat battery, end to end in Chromium: the dashboard says so in words, and the guest's
 * tap is refused with the battery as the reason (the lock signs it, after every other check passed),
 * never actuating the motor.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { outcomeOf, screenshotDir, openDashboard } from './browser.ts';
import { startWebRig, type WebRig } from './rig.ts';

const roomAddress = '02:00:00:00:04:01';
let rig: WebRig;

beforeAll(async () => {
  // Room 101 starts at 1 % (the cut-off is 2 %); every other door full.
  rig = await startWebRig({
    server: { lockConfigOf: (door) => ({ batteryInitialPercent: door.name === 'Room 101' ? 1 : 100 }) },
    bridged: { 'Room 101': roomAddress },
    standAt: roomAddress,
  });
}, 60_000);

afterAll(() => rig?.close());

it('the dashboard says the door will not unlock, and the guest is told the batteries are flat', async () => {
  const { server, browser } = rig;
  const room = rig.door('Room 101');
  expect(room.lock.battery.depleted).toBe(true);

  const dashboard = await browser.context.newPage();
  await openDashboard(dashboard, server.url, server.apiKey!);
  await dashboard.waitForSelector('tr[data-door="Room 101"][data-battery="depleted"]', { timeout: 10_000 });
  expect(await dashboard.textContent('tr[data-door="Room 101"] .battery')).toContain('Battery depleted');
  expect(await dashboard.getAttribute('tr[data-door="Lobby"]', 'data-battery')).toBe('ok');
  await dashboard.close();

  const { page } = browser;
  await page.goto(rig.link);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  const before = room.lock.actuations;
  await page.getByRole('button', { name: 'Unlock Room 101' }).click();
  const outcome = await outcomeOf(page);
  await page.screenshot({ path: `${screenshotDir}/refused-battery.png` });
  expect(outcome.state, outcome.text).toBe('refused');
  expect(outcome.title).toBe("The lock's batteries are flat");
  expect(room.lock.actuations).toBe(before);
  expect(room.lock.audit.since(0).at(-1)).toMatchObject({ event: 'refused', code: 'battery_depleted' });
});
