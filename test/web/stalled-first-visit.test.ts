/**
 * Issue 17, a first visit on a network that stalls (repro: scripts/attack-repro-17/stalled-boot-register.ts):
 * phones/register leaves and nothing comes back, no reset. The page must give up after a bounded
 * time, say "check your connection" with a "Try again" button, and that button must get the keys
 * once the network answers — on the same phone (registering is idempotent per holder key).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWebRig, type WebRig } from './rig.ts';

let rig: WebRig;
beforeAll(async () => {
  rig = await startWebRig({ webBluetooth: true });
}, 60_000);
afterAll(() => rig?.close());

it('a stalled register ends in "check your connection" and Try again, which then lists the doors', async () => {
  const { page, context } = rig.browser;
  let stalled = 0;
  await context.route('**/instant_key_app/phones/register', () => { stalled++; return new Promise<void>(() => undefined); }); // never answered
  try {
    await page.goto(rig.link);
    await page.waitForFunction(() => ['true', 'error'].includes(document.body.dataset.ready ?? ''), undefined, { timeout: 45_000 });
    expect(stalled).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.body.dataset.ready)).toBe('error');
    expect(await page.evaluate(() => document.querySelector('#feedback p')?.textContent ?? '')).toContain('Check your connection');
  } finally {
    await context.unroute('**/instant_key_app/phones/register');
  }
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  expect(await page.$$eval('.door-name', (e) => e.length)).toBeGreaterThan(0);
}, 120_000);
