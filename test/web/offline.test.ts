/**
 * Offline: after a first load the service worker (scope /ik/) has the page and the bundle, and the
 * keys are in IndexedDB. With the browser offline (playwright's context.setOffline) a reload still
 * shows the doors — nothing reaches the server — and unlocking works (Bluetooth is local).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CdpBluetoothBridge } from './cdp-bridge.ts';
import { outcomeOf, screenshotDir } from './browser.ts';
import { startWebRig, type WebRig } from './rig.ts';

let rig: WebRig;
let server: WebRig['server'];
let front: WebRig['front'];
let browser: WebRig['browser'];
let bridge: CdpBluetoothBridge;

beforeAll(async () => {
  rig = await startWebRig({ bridged: { 'Room 101': '02:00:00:00:02:01' }, standAt: '02:00:00:00:02:01' });
  ({ server, front, browser } = rig);
  bridge = rig.bridge!;
}, 60_000);

afterAll(() => rig?.close());

it('with the network off, a reload comes from the service worker and the door still unlocks', async () => {
  const { page, context } = browser;
  const link = front.url + new URL(server.instantKeyUrl!).pathname;
  await page.goto(link);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  await page.waitForSelector('body[data-offline="ready"]', { timeout: 10_000 });
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? (navigator.serviceWorker.ready.then((r) => r.active?.scriptURL)))).toMatch(/\/ik\/sw\.js$/);

  await context.setOffline(true);
  try {
    const reached = front.requests.length;
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    expect(front.requests.slice(reached)).toEqual([]); // page, bundle and keys all came from this device
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    // The doors came from this device at once; the sync behind them failed and says so.
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Offline: using the keys saved on this device.', undefined, { timeout: 10_000 });
    await page.screenshot({ path: `${screenshotDir}/offline-cached-first.png` });
    expect(await page.$$eval('.door-name', (elements) => elements.map((e) => e.textContent))).toContain('Room 101');
    const room = [...server.property.doors.values()].find((d) => d.name === 'Room 101')!;
    const actuations = room.lock.actuations;
    await page.getByRole('button', { name: 'Unlock Room 101' }).click();
    const outcome = await outcomeOf(page);
    await page.screenshot({ path: `${screenshotDir}/offline-unlock.png` });
    expect(outcome.state, outcome.text).toBe('success');
    expect(room.lock.actuations).toBe(actuations + 1);
  } finally {
    await context.setOffline(false);
  }
  // Back online: the page syncs by itself (the 'online' event or its retry) and takes the fresh bundle in place.
  const reached = front.requests.length;
  await page.waitForFunction(() => document.body.dataset.ready === 'true' && document.getElementById('status')?.textContent === '', undefined, { timeout: 10_000 });
  expect(front.requests.slice(reached)).toContain('POST /instant_key_app/sync');
  expect(bridge.errors).toEqual([]);
});
