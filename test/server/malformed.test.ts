/**
 * A table of malformed requests: every one gets its 4xx with the Seam error envelope (never a 500),
 * and none leaves a partial write (row counts are unchanged afterwards).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { call, newHolderKey, startTestServer } from './helpers.ts';

let server: RunningServer;
let key: string;
let entranceId: string;
let spaceId: string;
let grantId: string;
let sessionToken: string;
const unknownId = '9b0e8c4e-2a57-4a1e-9f5e-1c2d3e4f5a6b';

interface Case {
  name: string;
  path: string;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  method?: string;
  query?: string;
  token?: 'api' | 'none' | 'bogus' | 'session' | 'basic';
  status: 400 | 401 | 404 | 409;
}

function cases(): Case[] {
  const mobile = [{ mode: 'mobile_key' }];
  const grant = (extra: Record<string, unknown>) => ({ user_identity_id: undefined, acs_entrance_ids: [entranceId], requested_access_methods: mobile, ...extra });
  return [
    { name: 'invalid JSON', path: '/user_identities/create', rawBody: '{"full_name": "x"', status: 400 },
    { name: 'JSON array body', path: '/user_identities/create', rawBody: '[]', status: 400 },
    { name: 'JSON string body', path: '/user_identities/create', rawBody: '"x"', status: 400 },
    { name: 'JSON null body', path: '/user_identities/create', rawBody: 'null', status: 400 },
    { name: '__proto__ key', path: '/user_identities/create', rawBody: '{"__proto__": {"admin": true}, "full_name": "x"}', status: 400 },
    { name: 'oversized body', path: '/user_identities/create', rawBody: JSON.stringify({ full_name: 'x'.repeat(100_000) }), status: 400 },
    { name: 'text/plain body', path: '/user_identities/create', rawBody: 'full_name=x', contentType: 'text/plain', status: 400 },
    { name: 'no Authorization', path: '/access_grants/list', body: {}, token: 'none', status: 401 },
    { name: 'unknown API key', path: '/access_grants/list', body: {}, token: 'bogus', status: 401 },
    { name: 'client-session token on an admin endpoint', path: '/instant_keys/list', body: {}, token: 'session', status: 401 },
    { name: 'client-session token as API key (an admin write)', path: '/user_identities/create', body: { full_name: 'Not allowed' }, token: 'session', status: 401 },
    { name: 'Basic auth', path: '/access_grants/list', body: {}, token: 'basic', status: 401 },
    { name: 'grant without requested_access_methods', path: '/access_grants/create', body: { user_identity: { full_name: 'P' }, acs_entrance_ids: [entranceId] }, status: 400 },
    { name: 'grant with empty requested_access_methods', path: '/access_grants/create', body: { ...grant({ requested_access_methods: [] }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'grant with unknown mode', path: '/access_grants/create', body: { ...grant({ requested_access_methods: [{ mode: 'teleport' }] }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'grant with unsupported mode code', path: '/access_grants/create', body: { ...grant({ requested_access_methods: [{ mode: 'code' }] }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'grant with a non-object access method', path: '/access_grants/create', body: { ...grant({ requested_access_methods: ['mobile_key'] }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'ends_at before starts_at', path: '/access_grants/create', body: { ...grant({ starts_at: '2026-07-16T11:00:00Z', ends_at: '2026-07-13T15:00:00Z' }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'ends_at equal to starts_at', path: '/access_grants/create', body: { ...grant({ starts_at: '2026-07-16T11:00:00Z', ends_at: '2026-07-16T11:00:00Z' }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'starts_at not a date', path: '/access_grants/create', body: { ...grant({ starts_at: 'tomorrow' }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'starts_at a number', path: '/access_grants/create', body: { ...grant({ starts_at: 1752418800 }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'ends_at in year 9999 (beyond 32-bit credential time)', path: '/access_grants/create', body: { ...grant({ ends_at: '9999-12-31T23:59:59Z' }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'starts_at before 1970', path: '/access_grants/create', body: { ...grant({ starts_at: '1969-12-31T23:59:59Z' }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'starts_at impossible date', path: '/access_grants/create', body: { ...grant({ starts_at: '2026-02-31T25:61:00Z' }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'acs_entrance_ids a string', path: '/access_grants/create', body: { ...grant({ acs_entrance_ids: entranceId }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'acs_entrance_ids with a non-UUID', path: '/access_grants/create', body: { ...grant({ acs_entrance_ids: ['room-101'] }), user_identity: { full_name: 'P' } }, status: 400 },
    { name: 'unknown acs_entrance_id', path: '/access_grants/create', body: { ...grant({ acs_entrance_ids: [unknownId] }), user_identity: { full_name: 'P' } }, status: 404 },
    { name: 'unknown space with inline identity (no partial write)', path: '/access_grants/create', body: { ...grant({ space_ids: [unknownId] }), user_identity: { full_name: 'P' } }, status: 404 },
    { name: 'unknown user_identity_id', path: '/access_grants/create', body: grant({ user_identity_id: unknownId }), status: 404 },
    { name: 'both user_identity_id and user_identity', path: '/access_grants/create', body: grant({ user_identity_id: unknownId, user_identity: { full_name: 'P' } }), status: 400 },
    { name: 'neither user_identity_id nor user_identity', path: '/access_grants/create', body: grant({}), status: 400 },
    { name: 'inline identity with a bad email', path: '/access_grants/create', body: { ...grant({}), user_identity: { email_address: 'not-an-email' } }, status: 400 },
    { name: 'no entrance at all', path: '/access_grants/create', body: { user_identity: { full_name: 'P' }, requested_access_methods: mobile }, status: 400 },
    { name: 'identity with a bad email', path: '/user_identities/create', body: { email_address: 'jane@' }, status: 400 },
    { name: 'identity with a bad phone', path: '/user_identities/create', body: { phone_number: '555-0100' }, status: 400 },
    { name: 'identity with a numeric name', path: '/user_identities/create', body: { full_name: 42 }, status: 400 },
    { name: 'identity with an empty name', path: '/user_identities/create', body: { full_name: '' }, status: 400 },
    { name: 'identity with a 2,000-character name', path: '/user_identities/create', body: { full_name: 'x'.repeat(2000) }, status: 400 },
    { name: 'duplicate user_identity_key', path: '/user_identities/create', body: { user_identity_key: 'taken' }, status: 409 },
    { name: 'identity with unknown acs_system_ids', path: '/user_identities/create', body: { full_name: 'Q', acs_system_ids: [unknownId] }, status: 404 },
    { name: 'get identity without id', path: '/user_identities/get', body: {}, status: 400 },
    { name: 'get identity with a non-UUID (GET query)', path: '/user_identities/get', method: 'GET', query: 'user_identity_id=abc', status: 400 },
    { name: 'get unknown identity', path: '/user_identities/get', body: { user_identity_id: unknownId }, status: 404 },
    { name: 'update grant: ends_at before starts_at', path: '/access_grants/update', body: { access_grant_id: grantId, ends_at: '2000-01-01T00:00:00Z' }, status: 400 },
    { name: 'update unknown grant', path: '/access_grants/update', body: { access_grant_id: unknownId, ends_at: '2030-01-01T00:00:00Z' }, status: 404 },
    { name: 'delete unknown grant', path: '/access_grants/delete', body: { access_grant_id: unknownId }, status: 404 },
    { name: 'list with limit 0', path: '/access_grants/list', body: { limit: 0 }, status: 400 },
    { name: 'list with limit as text (GET query)', path: '/access_grants/list', method: 'GET', query: 'limit=abc', status: 400 },
    { name: 'list with a forged page_cursor', path: '/user_identities/list', body: { page_cursor: 'not-a-cursor' }, status: 400 },
    { name: 'space without name', path: '/spaces/create', body: {}, status: 400 },
    { name: 'add unknown entrance to a space', path: '/spaces/add_acs_entrances', method: 'PUT', body: { space_id: spaceId, acs_entrance_ids: [unknownId] }, status: 404 },
    { name: 'unknown endpoint', path: '/locks/unlock_door', body: {}, status: 404 },
    { name: 'generate_instant_key with max_use_count 0', path: '/user_identities/generate_instant_key', body: { user_identity_id: unknownId, max_use_count: 0 }, status: 400 },
    { name: 'open an unknown Instant Key link', path: '/instant_key_app/open', body: { instant_key_url: 'http://127.0.0.1/ik/AAAAAAAAAAAAAAAAAAAAAA' }, token: 'none', status: 404 },
    { name: 'register a phone without a session', path: '/instant_key_app/phones/register', body: { public_key: newHolderKey() }, token: 'none', status: 401 },
    { name: 'register a phone with a 64-byte key', path: '/instant_key_app/phones/register', body: { public_key: Buffer.alloc(64, 4).toString('base64url') }, token: 'session', status: 400 },
    { name: 'register a phone with an off-curve key', path: '/instant_key_app/phones/register', body: { public_key: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url') }, token: 'session', status: 400 },
    { name: 'register a phone with a non-base64url key', path: '/instant_key_app/phones/register', body: { public_key: '!!!not base64!!!' }, token: 'session', status: 400 },
    { name: 'ask for a registration challenge without a session', path: '/instant_key_app/phones/challenge', body: {}, token: 'none', status: 401 },
    { name: 'register a phone without a challenge', path: '/instant_key_app/phones/register', body: { public_key: newHolderKey(), signature: Buffer.alloc(64).toString('base64url') }, token: 'session', status: 400 },
    { name: 'register a phone with a made-up challenge', path: '/instant_key_app/phones/register', body: { public_key: newHolderKey(), challenge: Buffer.alloc(32, 7).toString('base64url'), signature: Buffer.alloc(64, 1).toString('base64url') }, token: 'session', status: 400 },
    { name: 'register a phone with a 31-byte challenge', path: '/instant_key_app/phones/register', body: { public_key: newHolderKey(), challenge: Buffer.alloc(31, 7).toString('base64url'), signature: Buffer.alloc(64, 1).toString('base64url') }, token: 'session', status: 400 },
    { name: 'register a phone with a padded signature', path: '/instant_key_app/phones/register', body: { public_key: newHolderKey(), challenge: Buffer.alloc(32, 7).toString('base64url'), signature: Buffer.alloc(64, 1).toString('base64') }, token: 'session', status: 400 },
    { name: 'sync with a non-UUID device', path: '/instant_key_app/sync', body: { device_id: 'phone-1' }, token: 'session', status: 400 },
  ];
}

async function counts(): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const [path, field] of [['/user_identities/list', 'user_identities'], ['/access_grants/list', 'access_grants'], ['/spaces/list', 'spaces'], ['/instant_keys/list', 'instant_keys'], ['/phones/list', 'phones']] as const) {
    result[field] = ((await call(server.url, path, { token: key, body: {} })).body[field] as unknown[]).length;
  }
  return result;
}

beforeAll(async () => {
  server = await startTestServer();
  key = server.apiKey!;
  entranceId = ((await call(server.url, '/acs/entrances/list', { token: key, body: {} })).body['acs_entrances'] as { acs_entrance_id: string }[])[0]!.acs_entrance_id;
  spaceId = ((await call(server.url, '/spaces/list', { token: key, body: {} })).body['spaces'] as { space_id: string }[])[0]!.space_id;
  grantId = ((await call(server.url, '/access_grants/list', { token: key, body: {} })).body['access_grants'] as { access_grant_id: string }[])[0]!.access_grant_id;
  await call(server.url, '/user_identities/create', { token: key, body: { user_identity_key: 'taken' } });
  const identity = ((await call(server.url, '/user_identities/create', { token: key, body: { full_name: 'Session holder' } })).body['user_identity'] as { user_identity_id: string }).user_identity_id;
  sessionToken = ((await call(server.url, '/client_sessions/create', { token: key, body: { user_identity_id: identity } })).body['client_session'] as { token: string }).token;
});

afterAll(async () => {
  await server.close();
});

describe('malformed requests', () => {
  it('has at least 30 cases', () => {
    expect(cases().length).toBeGreaterThanOrEqual(30);
  });

  it('answers each with its 4xx and the error envelope, never a 500, never a partial write', async () => {
    const before = await counts();
    const failures: string[] = [];
    for (const entry of cases()) {
      const tokens = { api: key, none: undefined, bogus: 'seam_lk1_doesnotexist', session: sessionToken, basic: undefined };
      const token = tokens[entry.token ?? 'api'];
      const path = entry.query ? `${entry.path}?${entry.query}` : entry.path;
      const response = entry.token === 'basic'
        ? await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: 'Basic dXNlcjpwYXNz' } }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown>, headers: r.headers }))
        : await call(server.url, path, { ...(token !== undefined ? { token } : {}), body: entry.body, ...(entry.rawBody !== undefined ? { rawBody: entry.rawBody } : {}), ...(entry.contentType ? { contentType: entry.contentType } : {}), method: entry.method ?? 'POST' });
      const error = response.body['error'] as { type?: string; message?: string; request_id?: string; validation_errors?: { _errors?: unknown } } | undefined;
      const expectedType = { 400: /^invalid_input$/, 401: /^unauthorized$/, 404: /^([a-z_]+_)?not_found$/, 409: /^[a-z_]+_already_in_use$/ }[entry.status];
      if (response.status !== entry.status || !expectedType.test(error?.type ?? '') || response.body['ok'] !== false || typeof error?.message !== 'string') {
        failures.push(`${entry.name}: ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
      }
      if (entry.status === 400 && !Array.isArray(error?.validation_errors?._errors)) failures.push(`${entry.name}: no validation_errors in Seam's keyed shape`);
      if (response.headers.get('seam-request-id') === null) failures.push(`${entry.name}: no seam-request-id`);
      else if (error?.request_id !== response.headers.get('seam-request-id')) failures.push(`${entry.name}: body request_id ${String(error?.request_id)} is not the header's`);
    }
    expect(failures).toEqual([]);
    expect(await counts()).toEqual(before);
  });
});
