/**
 * Attack on issue 13 (low): generate_instant_key left the identity's older, unlimited link live.
 * Seam's documentation describes generate_instant_key as making a new link with no effect on the
 * others, lists all of an identity's links, and revokes one only through instant_keys/delete, so
 * latchkey keeps the older links (docs/API.md says so). This pins that choice and what bounds the
 * older link meanwhile: delete still revokes it (its phones deactivated), and an unlimited link
 * holds at most 5 active phones.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { call, newHolder, registerPhone, startTestServer } from './helpers.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

it('a generated link leaves the older one live until instant_keys/delete revokes it', async () => {
  const token = server.apiKey!;
  const entrances = await call(server.url, '/acs/entrances/list', { token, body: {} });
  const door = (entrances.body['acs_entrances'] as { acs_entrance_id: string }[])[0]!.acs_entrance_id;
  const grant = await call(server.url, '/access_grants/create', {
    token, body: { user_identity: { full_name: 'Two links' }, acs_entrance_ids: [door], requested_access_methods: [{ mode: 'mobile_key' }], ends_at: new Date(Date.now() + 86400_000).toISOString() },
  });
  const { user_identity_id: userIdentityId, instant_key_url: olderUrl } = grant.body['access_grant'] as { user_identity_id: string; instant_key_url: string };
  const openedOlder = await call(server.url, '/instant_key_app/open', { body: { instant_key_url: olderUrl } });
  const phone = await registerPhone(server.url, openedOlder.body['client_session_token'] as string, newHolder());
  expect(phone.status).toBe(200);

  const newer = await call(server.url, '/user_identities/generate_instant_key', { token, body: { user_identity_id: userIdentityId, max_use_count: 1 } });
  expect(newer.status).toBe(200);
  const listed = await call(server.url, '/instant_keys/list', { token, body: { user_identity_id: userIdentityId } });
  const keys = listed.body['instant_keys'] as { instant_key_id: string; instant_key_url: string }[];
  expect(keys.length).toBe(2);
  expect((await call(server.url, '/instant_key_app/open', { body: { instant_key_url: olderUrl } })).status).toBe(200);

  const older = keys.find((key) => key.instant_key_url === olderUrl)!;
  expect((await call(server.url, '/instant_keys/delete', { token, body: { instant_key_id: older.instant_key_id } })).status).toBe(200);
  expect((await call(server.url, '/instant_key_app/open', { body: { instant_key_url: olderUrl } })).status).toBe(404);
  const phones = await call(server.url, '/phones/list', { token, body: { owner_user_identity_id: userIdentityId } });
  expect(phones.body['phones']).toEqual([]);
});
