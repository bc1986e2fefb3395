/**
 * Check (issue 17): a link revoked (instant_keys/delete) while the guest's phone has it. Online reload →
 * keys deleted, "expired or revoked"; then offline reload from the worker's cache → no doors come back.
 * Also lists what the worker's Cache Storage still holds for the dead link (its code in the cache key).
 * Usage: npx tsx scripts/attack-repro-17/revoked-link-offline.ts <demoLink> <apiKey>
 */
import { chromium } from 'playwright-core';
import { api, freshGuestLink } from './api.ts';

const [demoLink, apiKey] = process.argv.slice(2);
const origin = new URL(demoLink!).origin;
const made = await freshGuestLink(demoLink!, apiKey!);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--enable-blink-features=WebBluetooth'] });
const ready = () => ['true', 'error'].includes(document.body.dataset.ready ?? '');
const look = () => ({ ready: document.body.dataset.ready, doors: document.querySelectorAll('.door-name').length, feedback: document.querySelector('#feedback h2')?.textContent ?? '' });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(made.url);
  await page.waitForFunction(ready, undefined, { timeout: 30_000 });
  await page.waitForSelector('body[data-offline="ready"]', { timeout: 15_000 });
  console.log('first visit:', JSON.stringify(await page.evaluate(look)));
  await api(origin, apiKey!, '/instant_keys/delete', { instant_key_id: made.instantKeyId });
  await page.reload();
  await page.waitForFunction(ready, undefined, { timeout: 30_000 });
  await page.waitForTimeout(3000);
  console.log('after revoke, online reload:', JSON.stringify(await page.evaluate(look)));
  await context.setOffline(true);
  await page.reload();
  await page.waitForFunction(ready, undefined, { timeout: 30_000 });
  await page.waitForTimeout(1000);
  console.log('then offline reload:', JSON.stringify(await page.evaluate(look)));
  console.log('Cache Storage keys:', JSON.stringify(await page.evaluate(async () => { const out: string[] = []; for (const n of await caches.keys()) for (const r of await (await caches.open(n)).keys()) out.push(`${n} ${new URL(r.url).pathname}`); return out; })));
} finally {
  await browser.close();
}
