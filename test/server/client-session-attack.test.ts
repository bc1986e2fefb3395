/**
 * Regression tests from the independent attack on client-session scoping (issue 13): a GET query's
 * single id is narrowed like an array, malformed ids are refused rather than dropped, and a
 * dashboard event stream ends when the API key behind it is revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './helpers.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';

let server: RunningServer;
let token: string;
let a: { user_identity_id: string };
let b: { user_identity_id: string };
let doors: { acs_entrance_id: string }[];

beforeAll(async () => {
  server = await startServer({ port: 0, dbPath: ':memory:', logLevel: 'silent' });
  const api = (path: string, body: unknown) => call(server.url, path, { token: server.apiKey!, body });
  doors = (await api('/acs/entrances/list', {})).body['acs_entrances'] as { acs_entrance_id: string }[];
  a = (await api('/user_identities/create', { user_identity_key: 'alice', full_name: 'Alice' })).body['user_identity'] as typeof a;
  b = (await api('/user_identities/create', { user_identity_key: 'bob', full_name: 'Bob Secret', email_address: 'bob@example.com' })).body['user_identity'] as typeof b;
  await api('/access_grants/create', { user_identity_id: a.user_identity_id, acs_entrance_ids: [doors[3]!.acs_entrance_id], requested_access_methods: [{ mode: 'mobile_key' }] });
  await api('/access_grants/create', { user_identity_id: b.user_identity_id, acs_entrance_ids: [doors[5]!.acs_entrance_id], requested_access_methods: [{ mode: 'mobile_key' }] });
  token = ((await api('/client_sessions/create', { user_identity_id: a.user_identity_id })).body['client_session'] as { token: string }).token;
});

afterAll(async () => {
  await server.close();
});

const get = async (path: string, auth = token) => {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${auth}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown[]> };
};

describe('client-session scope on GET query strings (attack 13)', () => {
  it('one foreign id in a query string finds nothing; the own id still works', async () => {
    expect((await get(`/user_identities/list?user_identity_ids=${b.user_identity_id}`)).body['user_identities']).toEqual([]);
    expect((await get(`/acs/entrances/list?acs_entrance_ids=${doors[5]!.acs_entrance_id}`)).body['acs_entrances']).toEqual([]);
    let visible = 0;
    for (const door of doors) visible += (await get(`/acs/entrances/list?acs_entrance_ids=${door.acs_entrance_id}`)).body['acs_entrances']!.length;
    expect(visible).toBe(1);
    expect((await get(`/user_identities/list?user_identity_ids=${a.user_identity_id}`)).body['user_identities']).toHaveLength(1);
  });

  it('ids that are not ids are refused (400), as for an API key, not dropped', async () => {
    for (const bad of [[123], ['x'], [null], [a.user_identity_id, 5]]) {
      const response = await call(server.url, '/user_identities/list', { token, body: { user_identity_ids: bad } });
      expect(response.status, JSON.stringify(bad)).toBe(400);
    }
  });
});

describe('dashboard event stream and key revocation (attack 13)', () => {
  it('an open stream ends when the API key behind it is revoked', async () => {
    const created = await call(server.url, '/api_keys/create', { token: server.apiKey!, body: { name: 'second' } });
    const second = created.body['api_key'] as { api_key_id: string; token: string };
    const controller = new AbortController();
    const response = await fetch(`${server.url}/dashboard/events`, { headers: { authorization: `Bearer ${second.token}` }, signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await reader.read(); // the first snapshot
    expect((await call(server.url, '/api_keys/revoke', { token: server.apiKey!, body: { api_key_id: second.api_key_id } })).status).toBe(200);
    const ended = await Promise.race([
      (async () => {
        for (;;) if ((await reader.read()).done) return true;
      })(),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 5000)),
    ]);
    controller.abort();
    expect(ended).toBe(true);
  });
});
