/**
 * A browser without Web Bluetooth (Chromium on Linux without the flag; likewise Firefox and Safari):
 * the page still lists the guest's doors, disables Unlock and says what to do instead.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { screenshotDir } from './browser.ts';
import { startWebRig, type WebRig } from './rig.ts';

let rig: WebRig;
let server: WebRig['server'];
let front: WebRig['front'];
let browser: WebRig['browser'];

beforeAll(async () => {
  rig = await startWebRig({ webBluetooth: false });
  ({ server, front, browser } = rig);
}, 60_000);

afterAll(() => rig?.close());

it('says the browser cannot use Bluetooth, and what to do instead', async () => {
  const { page } = browser;
  await page.goto(front.url + new URL(server.instantKeyUrl!).pathname);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  expect(await page.evaluate(() => 'bluetooth' in navigator)).toBe(false);
  expect(await page.getAttribute('#feedback', 'data-state')).toBe('unsupported');
  const text = await page.textContent('#feedback');
  expect(text).toContain('This browser can’t use Bluetooth');
  expect(text).toContain('Chrome or Edge');
  expect(await page.getByRole('button', { name: 'Unlock Room 101' }).isDisabled()).toBe(true);
  expect(await page.getByRole('button', { name: 'Unlock the door in front of me' }).isDisabled()).toBe(true);
  await page.screenshot({ path: `${screenshotDir}/unsupported.png` });
});

it('an unknown or revoked link shows a clear page, not an error dump', async () => {
  const { page } = browser;
  await page.goto(front.url + '/ik/not-a-real-link');
  await page.waitForSelector('body[data-ready="error"]', { timeout: 20_000 });
  expect(await page.textContent('#feedback h2')).toBe('This Instant Key has expired or was revoked');
  await page.screenshot({ path: `${screenshotDir}/link-invalid.png` });
});
