/**
 * Simulator mode: Chromium WITHOUT Web Bluetooth opens the demo guest's "Try in simulator" link from
 * the door dashboard; the page drives the server's virtual radio (src/server/routes/simulator.ts)
 * through `SimulatedTransport`. A granted door unlocks (the dashboard's count changes), a door not
 * on the key is refused, and the simulator routes refuse without their tokens.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { launchChromium, outcomeOf, screenshotDir } from './browser.ts';

/** The page's own bound on one unlock (src/web/app.ts). */
const unlockTimeoutMs = 8_000;

let server: RunningServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let dashboard: Page;

beforeAll(async () => {
  server = await startServer({ port: 0, dbPath: ':memory:', logLevel: 'silent' });
  browser = await launchChromium({ webBluetooth: false });
  dashboard = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function deviceOf(name: string): string {
  return [...server.property.doors.values()].find((door) => door.name === name)!.deviceId;
}

async function standAt(guest: Page, name: string): Promise<void> {
  const deviceId = deviceOf(name);
  await guest.selectOption('#sim-door', deviceId);
  await guest.waitForSelector(`body[data-sim-standing="${deviceId}"]`, { timeout: 5_000 });
}

it('refuses the simulator routes without an API key or a simulator token', async () => {
  expect((await fetch(server.url + '/sim/links')).status).toBe(401);
  expect((await fetch(server.url + '/sim/links?key=seam_cst_nope')).status).toBe(401);
  const post = (path: string, token?: string) =>
    fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ duration_ms: 100 }) });
  expect((await post('/sim/scan')).status).toBe(401);
  expect((await post('/sim/scan', 'not-a-token')).status).toBe(401);
});

it('the dashboard link opens the guest page in simulator mode: a granted door unlocks, a door not on the key is refused', async () => {
  await dashboard.goto(`${server.url}/dashboard?key=${encodeURIComponent(server.apiKey!)}`);
  await dashboard.waitForFunction(() => document.getElementById('connection')?.textContent === 'Live', undefined, { timeout: 10_000 });
  const link = dashboard.getByRole('link', { name: 'Try in simulator: Jane Doe' });
  const href = await link.getAttribute('href');
  expect(href).toMatch(new RegExp(`^${server.url}/ik/[^?]+\\?sim=`));
  expect(await dashboard.textContent('tr[data-door="Room 101"] .count')).toBe('0');

  const [guest] = await Promise.all([browser.context.waitForEvent('page'), link.click()]);
  await guest.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  expect(await guest.evaluate(() => 'bluetooth' in navigator)).toBe(false);
  expect(await guest.textContent('#simulator')).toContain('Simulator mode');
  expect(await guest.getAttribute('#feedback', 'data-state')).toBeNull(); // not the "unsupported" panel
  expect(await guest.getByRole('button', { name: 'Unlock Room 101' }).isEnabled()).toBe(true);

  // Away from every door: nothing in range.
  await guest.getByRole('button', { name: 'Unlock Room 101' }).click();
  expect((await outcomeOf(guest)).state).toBe('range');

  await standAt(guest, 'Room 101');
  await guest.getByRole('button', { name: 'Unlock Room 101' }).click();
  const success = await outcomeOf(guest);
  expect(success.state).toBe('success');
  // Tap→unlock in virtual radio time: the chooser's 300 ms scan window, then the unlock client's own
  // scan, connection set-up and the exchange's link events (docs/WEBAPP.md records the figures).
  const firstVirtualMs = Number(await guest.getAttribute('#feedback', 'data-virtual-ms'));
  expect(firstVirtualMs).toBeGreaterThanOrEqual(300);
  expect(firstVirtualMs).toBeLessThan(unlockTimeoutMs);
  expect(success.text).toContain(`Virtual radio: ${firstVirtualMs} ms from tap to answer`);
  expect(server.property.doors.get([...server.property.doors.values()].find((d) => d.name === 'Room 101')!.acsEntranceId)!.lock.actuations).toBe(1);
  await dashboard.waitForFunction(() => document.querySelector('tr[data-door="Room 101"] .count')?.textContent === '1', undefined, { timeout: 5_000 });
  expect(await dashboard.textContent('tr[data-door="Room 101"] .events')).toContain('unlocked');
  await guest.screenshot({ path: `${screenshotDir}/simulator-unlocked.png` });

  // Room 102 is not on Jane's key: "the door in front of me" is refused, and the lock never actuates.
  await standAt(guest, 'Room 102');
  await guest.getByRole('button', { name: 'Unlock the door in front of me' }).click();
  const refused = await outcomeOf(guest);
  expect(refused.state).toBe('refused');
  expect(refused.title).toContain('Not your door');
  const room102 = [...server.property.doors.values()].find((d) => d.name === 'Room 102')!;
  expect(room102.lock.actuations).toBe(0);
  expect(await dashboard.textContent('tr[data-door="Room 102"] .count')).toBe('0');
  await guest.screenshot({ path: `${screenshotDir}/simulator-refused.png` });

  // Back at Room 101: the "door in front of me" unlocks again (the resumption ticket or a full exchange).
  await standAt(guest, 'Room 101');
  await guest.getByRole('button', { name: 'Unlock the door in front of me' }).click();
  expect((await outcomeOf(guest)).state).toBe('success');
  const againVirtualMs = Number(await guest.getAttribute('#feedback', 'data-virtual-ms'));
  expect(againVirtualMs).toBeGreaterThanOrEqual(300);
  console.log(`simulator tap→unlock in virtual radio time: first ${firstVirtualMs} ms, again ${againVirtualMs} ms`);
  await dashboard.waitForFunction(() => document.querySelector('tr[data-door="Room 101"] .count')?.textContent === '2', undefined, { timeout: 5_000 });
  expect(await dashboard.getAttribute('tr[data-door="Room 101"]', 'data-state')).toBe('unlocked');
  // The server lets virtual time run after the last operation, so the door relocks (5 s) with no further tap.
  await dashboard.waitForSelector('tr[data-door="Room 101"][data-state="locked"]', { timeout: 8_000 });
}, 30_000);

it('a simulator link with an unknown token says so instead of falling back to Bluetooth', async () => {
  const page = await browser.context.newPage();
  await page.goto(server.instantKeyUrl! + '?sim=not-a-token');
  await page.waitForSelector('body[data-ready="error"]', { timeout: 20_000 });
  expect(await page.textContent('#feedback h2')).toBe('This simulator link no longer works');
  await page.close();
});
