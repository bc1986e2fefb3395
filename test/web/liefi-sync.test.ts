/**
 * Issue 17, lie-fi on a return visit (repro: scripts/attack-repro-17/liefi-sync-refusal.ts): the
 * background sync is answered by something in between — a captive portal's 404 page, a proxy's 503,
 * a redirect to a login page. The page must keep the stored doors and keys, say it is offline, and
 * sync by itself once the network lets it through; never register a second phone.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWebRig, type WebRig } from './rig.ts';

let rig: WebRig;
beforeAll(async () => {
  rig = await startWebRig({ webBluetooth: true });
}, 60_000);
afterAll(() => rig?.close());

const storedKeys = () =>
  rig.browser.page.evaluate(() => new Promise<boolean>((resolve) => {
    const open = indexedDB.open('latchkey', 1);
    open.onsuccess = () => {
      const request = open.result.transaction('kv').objectStore('kv').get(`link:${location.pathname}`);
      request.onsuccess = () => resolve(request.result !== undefined);
    };
  }));

it('a captive portal’s 404 page or a proxy’s 503 answering the sync keeps the doors and the keys', async () => {
  const { page, context } = rig.browser;
  await page.goto(rig.link);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  await page.waitForSelector('body[data-offline]', { timeout: 10_000 });
  const doors = await page.$$eval('.door-name', (e) => e.map((x) => x.textContent));
  expect(doors.length).toBeGreaterThan(0);

  for (const answer of [
    { status: 404, contentType: 'text/html', body: '<h1>Not found</h1>' }, // a portal's 404 page
    { status: 503, contentType: 'text/html', body: '<h1>503 Service Unavailable</h1>' }, // a proxy
    { status: 200, contentType: 'text/html', body: '<html>Hotel Wi-Fi: accept the terms</html>' }, // a portal's login page
  ]) {
    let answered = 0;
    await context.route('**/instant_key_app/**', (route) => { answered++; return route.fulfill(answer); });
    try {
      await page.reload();
      await page.waitForSelector('body[data-ready]', { timeout: 20_000 });
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Offline: using the keys saved on this device.', undefined, { timeout: 15_000 });
      expect(answered, `${answer.status}: the sync was answered by the network in between`).toBeGreaterThan(0);
      expect(await page.evaluate(() => document.body.dataset.ready), `${answer.status}`).toBe('true');
      expect(await page.$$eval('.door-name', (e) => e.map((x) => x.textContent)), `${answer.status}`).toEqual(doors);
      expect(await page.evaluate(() => document.getElementById('feedback')?.dataset.state ?? null), `${answer.status}`).not.toBe('error');
      expect(await storedKeys(), `${answer.status}: the stored keys stay`).toBe(true);
    } finally {
      await context.unroute('**/instant_key_app/**');
    }
    // The network lets the server through again: the page syncs by itself (its retry), no reload.
    await page.waitForFunction(() => document.getElementById('status')?.textContent === '', undefined, { timeout: 15_000 });
    expect(await page.$$eval('.door-name', (e) => e.map((x) => x.textContent))).toEqual(doors);
  }
  expect(rig.front.requests.filter((r) => r === 'POST /instant_key_app/phones/register').length, 'one phone for this browser').toBeLessThanOrEqual(1);
  expect(await storedKeys()).toBe(true);
}, 120_000);
