/**
 * The workspace's look on the guest's page in Chromium: the demo hotel's customization profile
 * (colours + SVG logo, src/server/provision.ts) is applied — header, buttons, logo, name — with
 * readable text on each colour; a profile changed through the API shows on the next load (a pale
 * colour gets dark text); and with the network off the logo still shows (service worker cache).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { demoLook } from '../../src/server/provision.ts';
import { contrastRatio } from '../../src/web/branding.ts';
import { cssHex as hex, screenshotDir } from './browser.ts';
import { startWebRig, type WebRig } from './rig.ts';

let rig: WebRig;
let server: WebRig['server'];
let front: WebRig['front'];
let browser: WebRig['browser'];

beforeAll(async () => {
  rig = await startWebRig();
  ({ server, front, browser } = rig);
}, 60_000);

afterAll(() => rig?.close());

/** Background and text colour of the first element matching `selector`, as #rrggbb. */
async function colours(page: Page, selector: string): Promise<{ background: string; text: string }> {
  const { background, text } = await page.$eval(selector, (element) => {
    const style = getComputedStyle(element);
    return { background: style.backgroundColor, text: style.color };
  });
  return { background: hex(background), text: hex(text) };
}

async function logoShown(page: Page): Promise<boolean> {
  return page.$eval('#brand-logo', (image) => (image as HTMLImageElement).complete && (image as HTMLImageElement).naturalWidth > 0).catch(() => false);
}

it("applies the workspace's colours, logo and name, with readable text on every colour", async () => {
  const { page } = browser;
  await page.goto(front.url + new URL(server.instantKeyUrl!).pathname);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  expect(await page.getAttribute('body', 'data-customized')).toBe('true');
  await page.waitForFunction(() => (document.getElementById('brand-logo') as HTMLImageElement | null)?.complete === true, undefined, { timeout: 10_000 });
  expect(await logoShown(page)).toBe(true);
  expect(await page.getAttribute('#brand-logo', 'alt')).toBe('Latchkey Demo Hotel logo');
  expect(await page.textContent('#brand-name')).toBe('Latchkey Demo Hotel');
  expect(await page.title()).toBe('Latchkey Demo Hotel — your Instant Key');

  const header = await colours(page, 'header');
  const primary = await colours(page, '#unlock-nearby');
  const door = await colours(page, '.door-unlock');
  expect(header.background).toBe(demoLook.primary);
  expect(door.background).toBe(demoLook.secondary);
  for (const [what, pair] of Object.entries({ header, primary, door })) expect(contrastRatio(pair.background, pair.text), what).toBeGreaterThanOrEqual(4.5);
  await page.waitForSelector('body[data-offline="ready"]', { timeout: 10_000 });
  await page.screenshot({ path: `${screenshotDir}/customized.png` });
});

it('a profile changed through the API shows on the next load; a pale colour gets dark text', async () => {
  const { page } = browser;
  const api = async (path: string, body: unknown) =>
    (await (await fetch(server.url + path, { method: 'POST', headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as Record<string, unknown>;
  const [profile] = (await api('/workspaces/customization_profiles/list', {}))['customization_profiles'] as { customization_profile_id: string }[];
  expect((await api('/workspaces/customization_profiles/update', { customization_profile_id: profile!.customization_profile_id, primary_color: '#ffe08a' }))['ok']).toBe(true);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  const header = await colours(page, 'header');
  expect(header).toEqual({ background: '#ffe08a', text: '#000000' });
  await page.screenshot({ path: `${screenshotDir}/customized-pale.png` });
});

it('with the network off the logo still shows, from the service worker cache', async () => {
  const { page, context } = browser;
  await page.waitForSelector('body[data-offline="ready"]', { timeout: 10_000 });
  await context.setOffline(true);
  try {
    const reached = front.requests.length;
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    await page.waitForFunction(() => (document.getElementById('brand-logo') as HTMLImageElement | null)?.complete === true, undefined, { timeout: 10_000 });
    expect(await logoShown(page)).toBe(true);
    expect(front.requests.slice(reached)).toEqual([]);
    expect(hex(await page.$eval('header', (element) => getComputedStyle(element).backgroundColor))).toBe('#ffe08a'); // the stored bundle's look
  } finally {
    await context.setOffline(false);
  }
});
