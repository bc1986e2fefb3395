/**
 * Workspace isolation: workspace B's API key never reads or writes workspace A's rows (404, as if
 * they did not exist), client-session tokens are not API keys, and a client session reaches only
 * its own identity's phones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/server/context.ts';
import type { RunningServer } from '../../src/server/index.ts';
import { addEntrance, createWorkspace } from '../../src/server/provision.ts';
import { call, newHolder, registerPhone, startTestServer } from './helpers.ts';

let server: RunningServer;
let keyA: string;
let keyB: string;
const a: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  keyA = server.apiKey!;
  const b = await createWorkspace(server.context, 'Other Hotel');
  keyB = b.apiKey;
  await inTransaction(server.context, (context) => addEntrance(context, b.workspaceId, b.acsSystemId, { name: 'Other door', shared: false }));
  const entrances = (await call(server.url, '/acs/entrances/list', { token: keyA, body: {} })).body['acs_entrances'] as { acs_entrance_id: string }[];
  a['entrance'] = entrances[0]!.acs_entrance_id;
  const grant = (await call(server.url, '/access_grants/create', {
    token: keyA,
    body: { user_identity: { full_name: 'A Guest' }, acs_entrance_ids: [a['entrance']], requested_access_methods: [{ mode: 'mobile_key' }], ends_at: '2030-01-01T00:00:00Z' },
  })).body['access_grant'] as { access_grant_id: string; user_identity_id: string; access_method_ids: string[]; instant_key_url: string };
  a['grant'] = grant.access_grant_id;
  a['identity'] = grant.user_identity_id;
  a['method'] = grant.access_method_ids[0]!;
  a['url'] = grant.instant_key_url;
  const keys = (await call(server.url, '/instant_keys/list', { token: keyA, body: {} })).body['instant_keys'] as { instant_key_id: string; client_session_id: string }[];
  a['instantKey'] = keys[0]!.instant_key_id;
  a['session'] = keys[0]!.client_session_id;
  a['space'] = ((await call(server.url, '/spaces/list', { token: keyA, body: {} })).body['spaces'] as { space_id: string }[])[0]!.space_id;
  const opened = await call(server.url, '/instant_key_app/open', { body: { instant_key_url: a['url'] } });
  a['cst'] = opened.body['client_session_token'] as string;
  const registered = await registerPhone(server.url, a['cst']!, newHolder());
  expect(registered.status).toBe(200);
  a['phone'] = (registered.body['phone'] as { device_id: string }).device_id;
});

afterAll(async () => {
  await server.close();
});

describe('workspace isolation', () => {
  it('lists only its own rows', async () => {
    const entrances = (await call(server.url, '/acs/entrances/list', { token: keyB, body: {} })).body['acs_entrances'] as { display_name: string }[];
    expect(entrances.map((e) => e.display_name)).toEqual(['Other door']);
    for (const [path, key] of [['/access_grants/list', 'access_grants'], ['/user_identities/list', 'user_identities'], ['/instant_keys/list', 'instant_keys'], ['/phones/list', 'phones'], ['/spaces/list', 'spaces']] as const) {
      const response = await call(server.url, path, { token: keyB, body: {} });
      expect(response.status, path).toBe(200);
      expect(response.body[key], path).toEqual([]);
    }
    const workspace = (await call(server.url, '/workspaces/get', { token: keyB, body: {} })).body['workspace'] as { name: string };
    expect(workspace.name).toBe('Other Hotel');
  });

  it('answers 404 for every id of another workspace, reads and writes alike', async () => {
    const probes: [string, Record<string, unknown>][] = [
      ['/acs/entrances/get', { acs_entrance_id: a['entrance'] }],
      ['/access_grants/get', { access_grant_id: a['grant'] }],
      ['/access_grants/update', { access_grant_id: a['grant'], ends_at: '2031-01-01T00:00:00Z' }],
      ['/access_grants/delete', { access_grant_id: a['grant'] }],
      ['/access_methods/get', { access_method_id: a['method'] }],
      ['/access_methods/list', { access_grant_id: a['grant'] }],
      ['/access_methods/delete', { access_method_id: a['method'] }],
      ['/user_identities/get', { user_identity_id: a['identity'] }],
      ['/user_identities/update', { user_identity_id: a['identity'], full_name: 'Hijacked' }],
      ['/user_identities/delete', { user_identity_id: a['identity'] }],
      ['/user_identities/generate_instant_key', { user_identity_id: a['identity'] }],
      ['/instant_keys/get', { instant_key_id: a['instantKey'] }],
      ['/instant_keys/get', { instant_key_url: a['url'] }],
      ['/client_sessions/get', { client_session_id: a['session'] }],
      ['/client_sessions/create', { user_identity_id: a['identity'] }],
      ['/phones/get', { device_id: a['phone'] }],
      ['/phones/deactivate', { device_id: a['phone'] }],
      ['/spaces/get', { space_id: a['space'] }],
      ['/spaces/delete', { space_id: a['space'] }],
      ['/access_grants/create', { user_identity: { full_name: 'x' }, acs_entrance_ids: [a['entrance']], requested_access_methods: [{ mode: 'mobile_key' }] }],
    ];
    for (const [path, body] of probes) {
      const response = await call(server.url, path, { token: keyB, body });
      expect(response.status, path).toBe(404);
      expect((response.body['error'] as { type: string }).type, path).toMatch(/^[a-z_]+_not_found$/);
    }
    // Nothing of A changed and nothing leaked into B.
    const grant = (await call(server.url, '/access_grants/get', { token: keyA, body: { access_grant_id: a['grant'] } })).body['access_grant'] as { ends_at: string };
    expect(grant.ends_at).toBe('2030-01-01T00:00:00.000Z');
    expect(((await call(server.url, '/user_identities/get', { token: keyA, body: { user_identity_id: a['identity'] } })).body['user_identity'] as { full_name: string }).full_name).toBe('A Guest');
    expect((await call(server.url, '/phones/get', { token: keyA, body: { device_id: a['phone'] } })).status).toBe(200);
    expect((await call(server.url, '/user_identities/list', { token: keyB, body: {} })).body['user_identities']).toEqual([]);
  });

  it('refuses client-session tokens on the API and other identities phones in the app', async () => {
    // A client session may read its own grants (test/server/client-sessions.test.ts), never call admin endpoints.
    expect((await call(server.url, '/user_identities/create', { token: a['cst'], body: { full_name: 'Mallory' } })).status).toBe(401);
    const bIdentity = (await call(server.url, '/user_identities/create', { token: keyB, body: { full_name: 'B Guest' } })).body['user_identity'] as { user_identity_id: string };
    const bSession = (await call(server.url, '/client_sessions/create', { token: keyB, body: { user_identity_id: bIdentity.user_identity_id } })).body['client_session'] as { token: string };
    const sync = await call(server.url, '/instant_key_app/sync', { token: bSession.token, body: { device_id: a['phone'] } });
    expect(sync.status).toBe(404);
    const own = await call(server.url, '/instant_key_app/sync', { token: a['cst'], body: { device_id: a['phone'] } });
    expect(own.status).toBe(200);
    expect(((own.body['bundle'] as { credentials: unknown[] }).credentials)).toHaveLength(1);
  });
});
