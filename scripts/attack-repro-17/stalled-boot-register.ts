/**
 * Attack repro (issue 17): a first visit on a network that stalls (lie-fi: the request leaves, nothing
 * comes back, no reset). The boot script's POST phones/register has no timeout (src/web/boot.ts), and
 * app.ts awaits `window.__lkBoot` before anything else — so the page stays on "Loading your keys…"
 * with no message, no retry and no fallback for as long as the browser keeps the request open.
 * Usage: npx tsx scripts/attack-repro-17/stalled-boot-register.ts <demoLink> <apiKey> [waitSeconds=45]
 */
import { chromium } from 'playwright-core';
import { freshLink } from './api.ts';

const [demoLink, apiKey, waitText = '45'] = process.argv.slice(2);
const made = await freshLink(demoLink!, apiKey!);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--enable-blink-features=WebBluetooth'] });
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await context.route('**/instant_key_app/phones/register', () => new Promise(() => undefined)); // stalls: never answered
  const start = Date.now();
  await page.goto(made.url);
  await page.waitForTimeout(Number(waitText) * 1000);
  const state = await page.evaluate(() => ({ ready: document.body.dataset.ready ?? '(unset)', identity: document.getElementById('identity')?.textContent, feedback: document.querySelector('#feedback h2')?.textContent ?? '(none)', status: document.getElementById('status')?.textContent ?? '' }));
  console.log(`${((Date.now() - start) / 1000).toFixed(0)} s after a first visit whose register is stalled: ready=${state.ready} identity="${state.identity}" feedback="${state.feedback}" status="${state.status}"`);
  console.log('expected: the register call gives up after a bounded time (like sync\'s 6 s) and the page says "check your connection" / retries');
} finally {
  await browser.close();
}
