/**
 * Attack repro (issue 17): lie-fi on the first visit. The server registers the phone, but the answer to
 * POST phones/register is lost on the way back (connection reset: an elevator, a tunnel). The page
 * retries (open → challenge → register) with the SAME holder key, and the server registers it as a
 * NEW phone, counting another use: on a max_use_count: 1 link the guest's only browser is then refused
 * "This Instant Key is on too many devices" although it is the device that used the one use.
 * Usage: npx tsx scripts/attack-repro-17/lost-register-answer.ts <demoLink> <apiKey> [max_use_count=1]
 */
import { chromium } from 'playwright-core';
import { freshLink, phoneCount } from './api.ts';

const [demoLink, apiKey, maxUse = '1'] = process.argv.slice(2);
const origin = new URL(demoLink!).origin;
const made = await freshLink(demoLink!, apiKey!, maxUse === 'none' ? {} : { max_use_count: Number(maxUse) });
const before = await phoneCount(origin, apiKey!, made.userIdentityId);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--enable-blink-features=WebBluetooth'] });
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  let lost = 0;
  const calls: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/instant_key_app/')) calls.push(`${r.method()} ${new URL(r.url()).pathname}`); });
  await context.route('**/instant_key_app/phones/register', async (route) => {
    if (lost === 0) {
      lost++;
      await route.fetch(); // the server gets it and registers the phone…
      return route.abort('connectionreset'); // …the answer never reaches the phone
    }
    return route.continue();
  });
  await page.goto(made.url);
  await page.waitForFunction(() => ['true', 'error'].includes(document.body.dataset.ready ?? ''), undefined, { timeout: 30_000 });
  const state = await page.evaluate(() => ({ ready: document.body.dataset.ready, doors: document.querySelectorAll('.door-name').length, feedback: document.querySelector('#feedback h2')?.textContent }));
  console.log(`API calls: ${calls.join(', ')}`);
  console.log(`max_use_count ${maxUse}, one register answer lost: ready=${state.ready} doors=${state.doors} feedback="${state.feedback}"; phones registered for this one browser: ${(await phoneCount(origin, apiKey!, made.userIdentityId)) - before}`);
  console.log('expected: the retry with the same holder key gets the phone already registered (idempotent per public key): doors listed, 1 phone');
} finally {
  await browser.close();
}
