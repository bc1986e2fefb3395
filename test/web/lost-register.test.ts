/**
 * Issue 17, lie-fi on a first visit (repro: scripts/attack-repro-17/lost-register-answer.ts): the
 * server registers the phone but the answer to phones/register is lost (connection reset). On a
 * max_use_count 1 link the page must still end up with its doors — the same phone, not a second one.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWebRig, type WebRig } from './rig.ts';

let rig: WebRig;
beforeAll(async () => {
  rig = await startWebRig({ webBluetooth: true });
}, 60_000);
afterAll(() => rig?.close());

async function api<T>(path: string, body: unknown, token = rig.server.apiKey!): Promise<T> {
  const response = await fetch(rig.server.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as T;
}

it('a lost answer to the first phones/register on a max_use_count 1 link: the retry gets the same phone', async () => {
  const { user_identity_id: identity } = await api<{ user_identity_id: string }>('/instant_key_app/open', { instant_key_url: rig.server.instantKeyUrl });
  const made = await api<{ instant_key: { instant_key_url: string } }>('/user_identities/generate_instant_key', { user_identity_id: identity, max_use_count: 1 });
  const link = rig.front.url + new URL(made.instant_key.instant_key_url).pathname;
  const phonesBefore = (await api<{ phones: unknown[] }>('/phones/list', { owner_user_identity_id: identity })).phones.length;
  const { page, context } = rig.browser;
  let lost = 0;
  await context.route('**/instant_key_app/phones/register', async (route) => {
    if (lost > 0) return route.continue();
    lost++;
    await route.fetch(); // the server registers the phone…
    return route.abort('connectionreset'); // …and its answer never arrives
  });
  try {
    await page.goto(link);
    await page.waitForFunction(() => ['true', 'error'].includes(document.body.dataset.ready ?? ''), undefined, { timeout: 30_000 });
  } finally {
    await context.unroute('**/instant_key_app/phones/register');
  }
  expect(lost).toBe(1);
  const feedback = await page.evaluate(() => document.querySelector('#feedback h2')?.textContent ?? '');
  expect(await page.evaluate(() => document.body.dataset.ready), feedback).toBe('true');
  expect(await page.$$eval('.door-name', (e) => e.length)).toBeGreaterThan(0);
  expect((await api<{ phones: unknown[] }>('/phones/list', { owner_user_identity_id: identity })).phones.length - phonesBefore).toBe(1);
}, 90_000);
