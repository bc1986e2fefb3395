/** Launching Debian's Chromium for the web tests (flags from /work/.library/env/machines/node.md). */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
export const screenshotDir = 'artifacts/web';
/** A phone-sized viewport (iPhone 12–15 CSS pixels). */
export const phoneViewport = { width: 390, height: 844 };

export async function launchChromium(options: { webBluetooth: boolean }): Promise<{ browser: Browser; context: BrowserContext; page: Page; close(): Promise<void> }> {
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    ...(options.webBluetooth ? ['--enable-blink-features=WebBluetooth'] : []),
  ];
  // playwright's launch() starts Chromium with a fresh, empty --user-data-dir of its own (and removes it on close).
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args });
  const context = await browser.newContext({ viewport: phoneViewport, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  mkdirSync(screenshotDir, { recursive: true });
  return {
    browser,
    context,
    page,
    async close() {
      await browser.close();
    },
  };
}

/** Waits for the outcome of the tap just made (the click handler sets 'working' synchronously). */
export async function outcomeOf(page: Page): Promise<{ state: string; title: string; text: string; tapMs: number; exchangeMs: number }> {
  await page.waitForFunction(() => document.querySelector('#feedback')?.getAttribute('data-state') !== 'working', undefined, { timeout: 20_000 });
  return page.$eval('#feedback', (element) => ({
    state: element.getAttribute('data-state') ?? '',
    title: element.querySelector('h2')?.textContent ?? '',
    text: element.textContent ?? '',
    tapMs: Number(element.getAttribute('data-tap-ms') ?? NaN),
    exchangeMs: Number(element.getAttribute('data-exchange-ms') ?? NaN),
  }));
}

/** A computed CSS colour (`rgb(…)` / `rgba(…)`) as `#rrggbb`. */
export function cssHex(rgb: string): string {
  const parts = /rgba?\((\d+), (\d+), (\d+)/.exec(rgb);
  if (parts === null) throw new Error(`not a colour: ${rgb}`);
  return `#${parts.slice(1, 4).map((p) => Number(p).toString(16).padStart(2, '0')).join('')}`;
}

/** Signs the page in to the door dashboard as an operator would: the API key typed into the form, never in a URL. */
export async function openDashboard(page: Page, serverUrl: string, apiKey: string): Promise<void> {
  const response = await page.goto(`${serverUrl}/dashboard`);
  if (response?.status() === 401) {
    await page.fill('#key', apiKey);
    await page.click('button[type="submit"]');
  }
  await page.waitForSelector('#doors');
}
