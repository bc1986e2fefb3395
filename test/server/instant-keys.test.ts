/**
 * Instant Key link lifecycle: max_use_count bounds the phones that ever register (a deactivated
 * phone's use stays counted), both SEC1 key forms
 * are accepted, a link dies with its identity and expires with its last grant, and a deactivated
 * phone stops syncing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/server/context.ts';
import type { RunningServer } from '../../src/server/index.ts';
import { addEntrance } from '../../src/server/provision.ts';
import { call, newHolder, registerPhone, startTestServer, type TestHolder } from './helpers.ts';

let server: RunningServer;
let nowMs = Date.UTC(2026, 0, 1);
let key: string;
let entranceId: string;

beforeAll(async () => {
  server = await startTestServer({ clock: () => nowMs });
  key = server.apiKey!;
  entranceId = ((await call(server.url, '/acs/entrances/list', { token: key, body: {} })).body['acs_entrances'] as { acs_entrance_id: string }[])[0]!.acs_entrance_id;
});

afterAll(async () => {
  await server.close();
});

async function register(url: string, holder: TestHolder) {
  const opened = await call(server.url, '/instant_key_app/open', { body: { instant_key_url: url } });
  if (opened.status !== 200) return opened;
  return registerPhone(server.url, opened.body['client_session_token'] as string, holder);
}

describe('instant key links', () => {
  it('serves the Instant Key web app at the link, with its bundle inlined (and alone for older pages)', async () => {
    const response = await fetch(server.instantKeyUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain('<title>Your Instant Key</title>');
    const script = /<script type="module">([\s\S]*)<\/script>/.exec(html)?.[1];
    expect(script?.length).toBeGreaterThan(10_000);
    const bundle = await fetch(new URL('/ik-app/app.js', server.url));
    expect(bundle.status).toBe(200);
    expect(await bundle.text()).toBe(script);
  });

  it('limits registrations to max_use_count and accepts both key encodings', async () => {
    const identity = ((await call(server.url, '/user_identities/create', { token: key, body: { full_name: 'Max' } })).body['user_identity'] as { user_identity_id: string }).user_identity_id;
    await call(server.url, '/access_grants/create', { token: key, body: { user_identity_id: identity, acs_entrance_ids: [entranceId], requested_access_methods: [{ mode: 'mobile_key' }], ends_at: '2026-01-05T00:00:00Z' } });
    const generated = (await call(server.url, '/user_identities/generate_instant_key', { token: key, body: { user_identity_id: identity, max_use_count: 2 } })).body['instant_key'] as { instant_key_url: string; expires_at: string };
    expect(generated.expires_at).toBe('2026-01-05T00:00:00.000Z');
    const first = await register(generated.instant_key_url, newHolder(true));
    const second = await register(generated.instant_key_url, newHolder(false));
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(((first.body['bundle'] as { credentials: unknown[] }).credentials)).toHaveLength(1);
    const third = await register(generated.instant_key_url, newHolder());
    expect(third.status).toBe(400);
    expect(((await call(server.url, '/phones/list', { token: key, body: { owner_user_identity_id: identity } })).body['phones'] as unknown[])).toHaveLength(2);
    // Deactivating a phone does not give its use back: the link still refuses a third device.
    const firstId = ((first.body['phone'] as { device_id: string }).device_id);
    expect((await call(server.url, '/phones/deactivate', { token: key, body: { device_id: firstId } })).status).toBe(200);
    expect((await register(generated.instant_key_url, newHolder())).status).toBe(400);
  });

  it('expires with the last grant and dies with its identity', async () => {
    const grant = (await call(server.url, '/access_grants/create', {
      token: key,
      body: { user_identity: { full_name: 'Short' }, acs_entrance_ids: [entranceId], requested_access_methods: [{ mode: 'mobile_key' }], ends_at: '2026-01-02T00:00:00Z' },
    })).body['access_grant'] as { instant_key_url: string; user_identity_id: string };
    const phone = await register(grant.instant_key_url, newHolder());
    expect(phone.status).toBe(200);
    nowMs = Date.UTC(2026, 0, 3);
    expect((await call(server.url, '/instant_key_app/open', { body: { instant_key_url: grant.instant_key_url } })).status).toBe(404);
    nowMs = Date.UTC(2026, 0, 1);
    expect((await call(server.url, '/instant_key_app/open', { body: { instant_key_url: grant.instant_key_url } })).status).toBe(200);
    expect((await call(server.url, '/user_identities/delete', { token: key, body: { user_identity_id: grant.user_identity_id } })).status).toBe(200);
    expect((await call(server.url, '/instant_key_app/open', { body: { instant_key_url: grant.instant_key_url } })).status).toBe(404);
    expect((await call(server.url, '/phones/get', { token: key, body: { device_id: (phone.body['phone'] as { device_id: string }).device_id } })).status).toBe(404);
  });

  it('revokes a link: it stops opening, its phones are deactivated, the next grant gets a new link', async () => {
    const grant = (await call(server.url, '/access_grants/create', {
      token: key,
      body: { user_identity: { full_name: 'Revoked' }, acs_entrance_ids: [entranceId], requested_access_methods: [{ mode: 'mobile_key' }], ends_at: '2026-01-04T00:00:00Z' },
    })).body['access_grant'] as { access_grant_id: string; instant_key_url: string; user_identity_id: string };
    const phone = await register(grant.instant_key_url, newHolder());
    expect(phone.status).toBe(200);
    const instantKey = (await call(server.url, '/instant_keys/get', { token: key, body: { instant_key_url: grant.instant_key_url } })).body['instant_key'] as { instant_key_id: string };
    expect((await call(server.url, '/instant_keys/delete', { token: key, body: { instant_key_id: instantKey.instant_key_id } })).status).toBe(200);
    expect((await call(server.url, '/instant_key_app/open', { body: { instant_key_url: grant.instant_key_url } })).status).toBe(404);
    expect((await call(server.url, '/phones/list', { token: key, body: { owner_user_identity_id: grant.user_identity_id } })).body['phones']).toEqual([]);
    const after = (await call(server.url, '/access_grants/get', { token: key, body: { access_grant_id: grant.access_grant_id } })).body['access_grant'] as { instant_key_url?: string };
    expect(after.instant_key_url).toBeUndefined();
    const next = (await call(server.url, '/access_grants/create', {
      token: key,
      body: { user_identity_id: grant.user_identity_id, acs_entrance_ids: [entranceId], requested_access_methods: [{ mode: 'mobile_key' }], ends_at: '2026-01-04T00:00:00Z' },
    })).body['access_grant'] as { instant_key_url: string };
    expect(next.instant_key_url).not.toBe(grant.instant_key_url);
    expect((await register(next.instant_key_url, newHolder())).status).toBe(200);
  });

  it('issues at the bounds of the time range and splits grants over 16 doors into several credentials', async () => {
    const system = ((await call(server.url, '/acs/systems/list', { token: key, body: {} })).body['acs_systems'] as { acs_system_id: string }[])[0]!;
    await inTransaction(server.context, async (context) => {
      for (let i = 0; i < 5; i++) await addEntrance(context, server.workspaceId!, system.acs_system_id, { name: `Annex ${i}`, shared: false });
    });
    const all = ((await call(server.url, '/acs/entrances/list', { token: key, body: {} })).body['acs_entrances'] as { acs_entrance_id: string }[]).map((e) => e.acs_entrance_id);
    expect(all).toHaveLength(20);
    const grant = (await call(server.url, '/access_grants/create', {
      token: key,
      body: { user_identity: { full_name: 'Everywhere' }, acs_entrance_ids: all, requested_access_methods: [{ mode: 'mobile_key' }], starts_at: '1970-01-01T00:00:00Z', ends_at: '2099-12-31T23:59:59Z' },
    })).body['access_grant'] as { instant_key_url: string };
    const phone = await register(grant.instant_key_url, newHolder());
    expect(phone.status).toBe(200);
    const bundle = phone.body['bundle'] as { credentials: { acs_entrance_ids: string[] }[]; lock_certificates: unknown[] };
    expect(bundle.credentials.map((c) => c.acs_entrance_ids.length)).toEqual([16, 4]);
    expect(bundle.lock_certificates).toHaveLength(20);
  });
});
