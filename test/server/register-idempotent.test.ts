/**
 * Issue 17, lie-fi on a first visit (repro: scripts/attack-repro-17/lost-register-answer.ts): the
 * server registered the phone but the answer was lost (connection reset); the page retries with the
 * same holder key. That retry must get the phone it already has — same device_id, a bundle — and use
 * no more of max_use_count, so a max_use_count 1 link still works on the guest's only device. Another
 * key is still refused, a deactivated phone is not brought back, and another link's key is its own.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { call, newHolder, registerPhone, startTestServer, type TestHolder } from './helpers.ts';

let server: RunningServer;
let key: string;
let entranceId: string;
const nowMs = Date.UTC(2026, 0, 1);

beforeAll(async () => {
  server = await startTestServer({ clock: () => nowMs });
  key = server.apiKey!;
  entranceId = ((await call(server.url, '/acs/entrances/list', { token: key, body: {} })).body['acs_entrances'] as { acs_entrance_id: string }[])[0]!.acs_entrance_id;
});
afterAll(async () => {
  await server.close();
});

async function guest(maxUse: number): Promise<{ identity: string; url: string }> {
  const identity = ((await call(server.url, '/user_identities/create', { token: key, body: { full_name: 'Lie-fi' } })).body['user_identity'] as { user_identity_id: string }).user_identity_id;
  await call(server.url, '/access_grants/create', { token: key, body: { user_identity_id: identity, acs_entrance_ids: [entranceId], requested_access_methods: [{ mode: 'mobile_key' }], ends_at: '2026-01-05T00:00:00Z' } });
  const url = ((await call(server.url, '/user_identities/generate_instant_key', { token: key, body: { user_identity_id: identity, max_use_count: maxUse } })).body['instant_key'] as { instant_key_url: string }).instant_key_url;
  return { identity, url };
}

async function open(url: string): Promise<string> {
  const opened = await call(server.url, '/instant_key_app/open', { body: { instant_key_url: url } });
  expect(opened.status).toBe(200);
  return opened.body['client_session_token'] as string;
}
async function register(url: string, holder: TestHolder) {
  return registerPhone(server.url, await open(url), holder);
}

const phonesOf = async (identity: string) => (await call(server.url, '/phones/list', { token: key, body: { owner_user_identity_id: identity } })).body['phones'] as { device_id: string }[];
const deviceOf = (answer: { body: Record<string, unknown> }) => (answer.body['phone'] as { device_id: string }).device_id;

it('the same holder key registering again on a max_use_count 1 link gets its phone back, counting no use', async () => {
  const { identity, url } = await guest(1);
  const holder = newHolder();
  const token = await open(url); // the page came with the link opened (its session token)
  const first = await registerPhone(server.url, token, holder); // the answer is "lost": the page does not know its device_id
  expect(first.status).toBe(200);
  // The link is used up: `open` refuses it now, so the page retries on the token it has (challenge → register).
  expect((await call(server.url, '/instant_key_app/open', { body: { instant_key_url: url } })).status).toBe(400);
  const retry = await registerPhone(server.url, token, holder);
  expect(retry.status, JSON.stringify(retry.body)).toBe(200);
  expect(deviceOf(retry)).toBe(deviceOf(first));
  expect((retry.body['bundle'] as { credentials: unknown[] }).credentials).toHaveLength(1);
  // The key in its other SEC1 form is the same key.
  const compressed = await registerPhone(server.url, token, { ...holder, publicKey: Buffer.from(holder.compressedKey).toString('base64url') });
  expect(compressed.status).toBe(200);
  expect(deviceOf(compressed)).toBe(deviceOf(first));
  expect((await phonesOf(identity)).map((p) => p.device_id)).toEqual([deviceOf(first)]);
  // The one use is still the first phone's: another key is refused, also on this token.
  const other = await registerPhone(server.url, token, newHolder());
  expect(other.status).toBe(400);
  expect(JSON.stringify(other.body)).toContain('max_use_count');
  // The retried phone syncs.
  const synced = await call(server.url, '/instant_key_app/sync', { token, body: { device_id: deviceOf(first) } });
  expect(synced.status).toBe(200);
});

it('a deactivated phone is not brought back by registering its key again', async () => {
  const { identity, url } = await guest(1);
  const holder = newHolder();
  const token = await open(url);
  const first = await registerPhone(server.url, token, holder);
  expect((await call(server.url, '/phones/deactivate', { token: key, body: { device_id: deviceOf(first) } })).status).toBe(200);
  expect((await registerPhone(server.url, token, holder)).status).toBe(400); // its use stays counted
  expect(await phonesOf(identity)).toEqual([]);
});

it('the same key on another link of the identity is another phone of that link', async () => {
  const { identity, url } = await guest(2);
  const other = ((await call(server.url, '/user_identities/generate_instant_key', { token: key, body: { user_identity_id: identity, max_use_count: 1 } })).body['instant_key'] as { instant_key_url: string }).instant_key_url;
  const holder = newHolder();
  const first = await register(url, holder);
  const second = await register(other, holder);
  expect([first.status, second.status]).toEqual([200, 200]);
  if (other !== url) expect(deviceOf(second)).not.toBe(deviceOf(first));
});
