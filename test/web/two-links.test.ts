/**
 * One phone, two hotels' links (attack on issue 17 F2): the service worker keeps each link's page
 * under its own key. A second link opened on a phone whose worker already has the first goes to
 * the server (its page wears its own colours and theme-color, and comes with the link opened, so it
 * registers in one round trip), and offline each link reloads in its own colours.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { demoLook } from '../../src/server/provision.ts';
import { cssHex } from './browser.ts';
import { startWebRig, type WebRig } from './rig.ts';

let rig: WebRig;

beforeAll(async () => {
  rig = await startWebRig();
}, 60_000);

afterAll(() => rig?.close());

const otherLook = { primary: '#8b1a1a', secondary: '#cfe3ff' };

async function api(path: string, body: unknown): Promise<Record<string, unknown>> {
  const { server } = rig;
  const response = await fetch(server.url + path, { method: 'POST', headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}

/** The theme-color of the HTML this navigation got (from the worker or the server), and the header's colour once the page is ready. */
async function visit(page: Page, url: string): Promise<{ servedTheme: string | undefined; header: string }> {
  const response = await page.goto(url);
  const html = (await response?.text()) ?? '';
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  const header = cssHex(await page.$eval('header', (element) => getComputedStyle(element).backgroundColor));
  return { servedTheme: /<meta name="theme-color" content="([^"]*)">/.exec(html)?.[1], header };
}

it("a second hotel's link on the same phone: its own page, its own colours, one-round-trip registration, and offline each link in its own look", async () => {
  const { server, front, browser } = rig;
  const { page, context } = browser;
  const profile = (await api('/workspaces/customization_profiles/create', { name: 'Harbour Inn', primary_color: otherLook.primary, secondary_color: otherLook.secondary }))['customization_profile'] as { customization_profile_id: string };
  const guest = (await server.context.repo.identities.getUserIdentityByKey(server.workspaceId!, 'demo-guest'))!;
  const made = (await api('/user_identities/generate_instant_key', { user_identity_id: guest.user_identity_id, customization_profile_id: profile.customization_profile_id }))['instant_key'] as { instant_key_url: string };
  const linkA = rig.link;
  const linkB = front.url + new URL(made.instant_key_url).pathname;

  const a = await visit(page, linkA);
  expect(a).toEqual({ servedTheme: demoLook.primary, header: demoLook.primary });
  await page.waitForSelector('body[data-offline="ready"]', { timeout: 10_000 });
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => true))).toBe(true);

  // Link B on the phone whose worker holds link A's page.
  const reached = front.requests.length;
  const b = await visit(page, linkB);
  expect(b).toEqual({ servedTheme: otherLook.primary, header: otherLook.primary });
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true); // it went through the worker
  const calls = front.requests.slice(reached).filter((line) => line.startsWith('POST '));
  expect(calls).toContain('POST /instant_key_app/phones/register');
  expect(calls).not.toContain('POST /instant_key_app/open'); // the page came with the link opened: one round trip
  expect(calls).not.toContain('POST /instant_key_app/phones/challenge');
  await page.waitForSelector('body[data-offline="ready"]', { timeout: 10_000 });

  await context.setOffline(true);
  try {
    const offline = front.requests.length;
    expect(await visit(page, linkA)).toEqual({ servedTheme: demoLook.primary, header: demoLook.primary });
    expect(await page.$eval('meta[name="theme-color"]', (meta) => meta.getAttribute('content'))).toBe(demoLook.primary);
    expect(await visit(page, linkB)).toEqual({ servedTheme: otherLook.primary, header: otherLook.primary });
    expect(await page.$eval('meta[name="theme-color"]', (meta) => meta.getAttribute('content'))).toBe(otherLook.primary);
    expect(front.requests.slice(offline)).toEqual([]);
  } finally {
    await context.setOffline(false);
  }
});
