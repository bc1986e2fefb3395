/**
 * Seeded fuzz over every endpoint: random bodies built from the endpoints' own field names with
 * hostile values (wrong types, huge strings, NaN-ish numbers, nested junk, real ids of the
 * workspace). The server must answer every request with 200 or a 4xx envelope, never a 500.
 * Runs from the run's one fast-check seed (test/setup/fast-check-seed.ts): the run prints it and a
 * failure prints the replay command (LATCHKEY_FC_SEED=<seed> npx vitest run test/server/fuzz.test.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { call, newHolder, newHolderKey, registerPhone, startTestServer } from './helpers.ts';

const paths = [
  '/workspaces/get', '/acs/systems/list', '/acs/systems/get', '/acs/entrances/list', '/acs/entrances/get',
  '/spaces/create', '/spaces/get', '/spaces/list', '/spaces/update', '/spaces/delete', '/spaces/add_acs_entrances', '/spaces/remove_acs_entrances',
  '/user_identities/create', '/user_identities/get', '/user_identities/list', '/user_identities/update', '/user_identities/delete', '/user_identities/generate_instant_key',
  '/access_grants/create', '/access_grants/get', '/access_grants/list', '/access_grants/update', '/access_grants/delete',
  '/access_methods/list', '/access_methods/get', '/access_methods/delete', '/instant_keys/get', '/instant_keys/list', '/instant_keys/delete',
  '/client_sessions/create', '/client_sessions/get', '/phones/list', '/phones/get', '/phones/deactivate',
  '/instant_key_app/open', '/instant_key_app/phones/register', '/instant_key_app/sync',
];
const fields = [
  'acs_system_id', 'acs_entrance_id', 'acs_entrance_ids', 'space_id', 'space_ids', 'name', 'space_key', 'search', 'limit', 'page_cursor',
  'user_identity_id', 'user_identity', 'user_identity_key', 'full_name', 'email_address', 'phone_number', 'max_use_count',
  'access_grant_id', 'access_grant_key', 'requested_access_methods', 'starts_at', 'ends_at', 'access_method_id', 'instant_key_id',
  'instant_key_url', 'client_session_id', 'device_id', 'owner_user_identity_id', 'public_key', 'expires_at', 'mode',
];

let server: RunningServer;
let sessionToken: string;
const realIds: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  const key = server.apiKey!;
  for (const [path, list, id] of [['/acs/entrances/list', 'acs_entrances', 'acs_entrance_id'], ['/spaces/list', 'spaces', 'space_id'], ['/access_grants/list', 'access_grants', 'access_grant_id'], ['/user_identities/list', 'user_identities', 'user_identity_id']] as const) {
    for (const row of ((await call(server.url, path, { token: key, body: {} })).body[list] as Record<string, string>[]).slice(0, 3)) realIds.push(row[id]!);
  }
  const opened = await call(server.url, '/instant_key_app/open', { body: { instant_key_url: server.instantKeyUrl } });
  sessionToken = opened.body['client_session_token'] as string;
  const phone = await registerPhone(server.url, sessionToken, newHolder());
  realIds.push((phone.body['phone'] as { device_id: string }).device_id);
});

afterAll(async () => {
  await server.close();
});

function valueArbitrary(): fc.Arbitrary<unknown> {
  const scalar = fc.oneof(
    fc.constantFrom(...realIds, '00000000-0000-0000-0000-000000000000', '', ' ', 'null', '2026-07-13T15:00:00.000Z', '9999-99-99T99:99:99Z', '+15555550100', 'a@b.co', 'mobile_key', '__proto__', 'constructor', '%', '\\u0000'),
    fc.string({ maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(1e308),
    fc.constant(-1),
    fc.constant(2 ** 53 + 1),
  );
  return fc.oneof(scalar, fc.array(scalar, { maxLength: 5 }), fc.dictionary(fc.constantFrom(...fields), scalar, { maxKeys: 4 }), fc.array(fc.dictionary(fc.constantFrom(...fields), scalar, { maxKeys: 3 }), { maxLength: 3 }));
}

describe('fuzz', () => {
  it('never answers 500', async () => {
    const request = fc.record({
      path: fc.constantFrom(...paths),
      method: fc.constantFrom('POST', 'POST', 'GET', 'PATCH', 'PUT', 'DELETE'),
      body: fc.dictionary(fc.constantFrom(...fields), valueArbitrary(), { maxKeys: 6 }),
      auth: fc.constantFrom('api', 'api', 'session', 'none'),
    });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ path, method, body, auth }) => {
        const token = auth === 'api' ? server.apiKey! : auth === 'session' ? sessionToken : undefined;
        const query = method === 'GET' ? `?${new URLSearchParams(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()}` : '';
        const response = await call(server.url, `${path}${query}`, { method, ...(token ? { token } : {}), ...(method === 'GET' ? {} : { body }) });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBeLessThan(500);
        expect(response.body['ok'], `${method} ${path}`).toBe(response.status === 200);
      }),
      { numRuns: Number(process.env['LATCHKEY_FUZZ_RUNS'] ?? 600) },
    );
    console.log(`fuzz statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect([...statuses.keys()].some((status) => status >= 400)).toBe(true);
  });
});
