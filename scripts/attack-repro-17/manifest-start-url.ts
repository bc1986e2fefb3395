/**
 * Attack repro (issue 17): the web app manifest's start_url is "." — resolved against the manifest's URL
 * (/ik/manifest.webmanifest), that is /ik/, which the server answers 404 (and the service worker does
 * not keep). page-html.ts says the installed app "opens standalone at the link it was installed from";
 * Chromium's own parse of the manifest (CDP Page.getAppManifest) says it opens /ik/.
 * Usage: npx tsx scripts/attack-repro-17/manifest-start-url.ts <demoLink>
 */
import { chromium } from 'playwright-core';

const [link] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--enable-blink-features=WebBluetooth'] });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link!);
  await page.waitForFunction(() => ['true', 'error'].includes(document.body.dataset.ready ?? ''), undefined, { timeout: 30_000 });
  const cdp = await context.newCDPSession(page);
  const manifest = (await cdp.send('Page.getAppManifest' as never)) as { url: string; errors: unknown[]; parsed?: { startUrl?: string; scope?: string } };
  const startUrl = manifest.parsed?.startUrl ?? new URL(JSON.parse((manifest as unknown as { data: string }).data).start_url, manifest.url).href;
  const status = (await page.request.get(startUrl)).status();
  console.log(`page ${link}\nmanifest start_url as Chromium resolves it: ${startUrl} → HTTP ${status}`);
  console.log('expected: the installed app opens the guest\'s own link (a per-link manifest, or start_url = the link), not a 404');
} finally {
  await browser.close();
}
