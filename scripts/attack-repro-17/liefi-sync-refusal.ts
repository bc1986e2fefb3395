/**
 * Attack repro (issue 17): a return visit on lie-fi / captive-portal hotel Wi-Fi / a transient gateway error.
 * The page shows stored keys at once, then syncs in the background. Any non-2xx answer to the sync
 * (a 503/504 from a proxy, a captive portal's 302 → HTML login page, a portal's 404) is an ApiRefusal,
 * and syncInBackground then REPLACES THE DOORS with an error and never retries. A 404/401 also DELETES
 * the stored keys from IndexedDB; the next good load registers the browser again (another phone,
 * another use of max_use_count).
 *
 * Usage: node bin/latchkey.js up --port 3917 --db /tmp/a17/db.sqlite --json  (prints instantKeyUrl)
 *        npx tsx scripts/attack-repro-17/liefi-sync-refusal.ts <instantKeyUrl> <apiKey> <mode: 503|portal|404>
 */
import { chromium } from 'playwright-core';
import { freshLink, phoneCount } from './api.ts';

const [demoLink, apiKey, mode = '503', maxUse = '2'] = process.argv.slice(2);
if (!demoLink || !apiKey) throw new Error('usage: liefi-sync-refusal.ts <instantKeyUrl> <apiKey> [503|portal|404]');
const origin = new URL(demoLink).origin;
const made = await freshLink(demoLink, apiKey, { max_use_count: Number(maxUse) });
const link = made.url;
const before = await phoneCount(origin, apiKey, made.userIdentityId);
const phones = async () => (await phoneCount(origin, apiKey, made.userIdentityId)) - before;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--enable-blink-features=WebBluetooth'] });
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(link);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  await page.waitForSelector('body[data-offline="ready"]', { timeout: 15_000 });
  const doorsBefore = await page.$$eval('.door-name', (e) => e.length);
  console.log(`first visit: ${doorsBefore} doors listed; phones registered: ${await phones()}`);

  // The network in between lies: the API is unreachable except through something that answers for it.
  await context.route('**/instant_key_app/**', (route) => {
    if (mode === '503') return route.fulfill({ status: 503, contentType: 'text/html', body: '<h1>503 Service Unavailable</h1>' });
    if (mode === '404') return route.fulfill({ status: 404, contentType: 'text/html', body: '<h1>Not found</h1>' });
    // captive portal: redirect everything to its login page (fetch follows: 200 HTML)
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<html><body>Hotel Wi-Fi: accept the terms to continue</body></html>' });
  });
  await page.reload();
  await page.waitForFunction(() => ['true', 'error'].includes(document.body.dataset.ready ?? ''), undefined, { timeout: 30_000 });
  await page.waitForTimeout(4_000); // the background sync answers
  const state = await page.evaluate(() => ({
    ready: document.body.dataset.ready,
    doors: document.querySelectorAll('.door-name').length,
    feedback: document.querySelector('#feedback h2')?.textContent,
    status: document.getElementById('status')?.textContent,
  }));
  const stored = await page.evaluate(() => new Promise<boolean>((resolve) => {
    const open = indexedDB.open('latchkey', 1);
    open.onsuccess = () => { const req = open.result.transaction('kv').objectStore('kv').get(`link:${location.pathname}`); req.onsuccess = () => resolve(req.result !== undefined); };
  }));
  console.log(`return visit behind "${mode}": ready=${state.ready} doors=${state.doors} feedback="${state.feedback}" status="${state.status}" keysStillStored=${stored}`);

  // The network recovers: does the page recover by itself within 10 s (it retries every 3 s when it thinks it is offline)?
  await context.unroute('**/instant_key_app/**');
  await page.waitForTimeout(10_000);
  const after = await page.evaluate(() => ({ ready: document.body.dataset.ready, doors: document.querySelectorAll('.door-name').length }));
  console.log(`10 s after the network recovered, no reload: ready=${after.ready} doors=${after.doors}`);
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready !== undefined && document.body.dataset.ready !== '', undefined, { timeout: 30_000 });
  await page.waitForTimeout(2_000);
  console.log(`after a manual reload: ready=${await page.evaluate(() => document.body.dataset.ready)} "${await page.evaluate(() => document.querySelector('#feedback h2')?.textContent)}"; phones registered now: ${await phones()}`);
  const expected = 'expected: doors stay listed ("Offline: using the keys saved on this device."), keys kept, retry; no second phone';
  console.log(expected);
} finally {
  await browser.close();
}
