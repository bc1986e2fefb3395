/**
 * Attack on issue 13 (13b F2): a guest churning phones on its own link (register, deactivate, again)
 * forces the door's floor up and every phone at a shared door to sync. The phone-change budget
 * (services/phone-budget.ts): at most 10 registrations + deactivations per identity in an hour, 24 in
 * a day (429 phone_changes_rate_limited), and a link without max_use_count holds at most 5 active
 * phones (409 phone_limit_reached). An operator's API key is never refused, and its deactivations do
 * not count. Time is a test clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createResponseValidator, newHolder, registerPhone, startTestServer } from './helpers.ts';
import type { RunningServer } from '../../src/server/index.ts';

let server: RunningServer;
let nowMs = Date.parse('2026-06-01T12:00:00.000Z');
const validate = createResponseValidator();

beforeAll(async () => {
  // The door's revocation allowance for guests (door-revocation-allowance.test.ts) would stop a guest's
  // churn at one door after 4 deactivations, before the budget tested here: lifted.
  server = await startTestServer({ clock: () => nowMs, phoneChangeLimits: { guestRevocationsPerDoorMax: 1000, guestRevocationsPerIdentityPerDoorMax: 1000 } });
});
afterAll(async () => {
  await server.close();
});

async function newGuest(name: string, maxUseCount?: number): Promise<{ token: string; userIdentityId: string }> {
  const identity = await call(server.url, '/user_identities/create', { token: server.apiKey!, body: { full_name: name } });
  const userIdentityId = (identity.body['user_identity'] as { user_identity_id: string }).user_identity_id;
  const entrances = await call(server.url, '/acs/entrances/list', { token: server.apiKey!, body: {} });
  const door = (entrances.body['acs_entrances'] as { acs_entrance_id: string }[])[0]!;
  const grant = await call(server.url, '/access_grants/create', {
    token: server.apiKey!,
    body: { user_identity_id: userIdentityId, acs_entrance_ids: [door.acs_entrance_id], requested_access_methods: [{ mode: 'mobile_key' }], ends_at: new Date(nowMs + 5 * 86400_000).toISOString() },
  });
  expect(grant.status).toBe(200);
  let url = (grant.body['access_grant'] as { instant_key_url: string }).instant_key_url;
  if (maxUseCount !== undefined) {
    const generated = await call(server.url, '/user_identities/generate_instant_key', { token: server.apiKey!, body: { user_identity_id: userIdentityId, max_use_count: maxUseCount } });
    url = (generated.body['instant_key'] as { instant_key_url: string }).instant_key_url;
  }
  const opened = await call(server.url, '/instant_key_app/open', { body: { instant_key_url: url } });
  expect(opened.status).toBe(200);
  return { token: opened.body['client_session_token'] as string, userIdentityId };
}

async function register(token: string): Promise<{ status: number; deviceId: string | undefined; body: Record<string, unknown> }> {
  const response = await registerPhone(server.url, token, newHolder());
  return { status: response.status, deviceId: (response.body['phone'] as { device_id: string } | undefined)?.device_id, body: response.body };
}

async function deactivate(token: string, deviceId: string) {
  return call(server.url, '/phones/deactivate', { token, body: { device_id: deviceId } });
}

describe('phone-change budget', () => {
  it('a guest churning phones on its link is stopped at 10 changes an hour with 429 phone_changes_rate_limited (Seam envelope)', async () => {
    const { token } = await newGuest('Churner');
    let changes = 0;
    let refused: Record<string, unknown> | undefined;
    let refusedStatus = 0;
    for (let round = 0; round < 10 && refused === undefined; round++) {
      const registered = await register(token);
      if (registered.status !== 200) {
        refusedStatus = registered.status;
        refused = registered.body;
        break;
      }
      changes++;
      const gone = await deactivate(token, registered.deviceId!);
      if (gone.status !== 200) {
        refusedStatus = gone.status;
        refused = gone.body;
        break;
      }
      changes++;
    }
    expect(changes).toBe(10);
    expect(refusedStatus).toBe(429);
    const error = refused!['error'] as { type: string; message: string; request_id: string };
    expect(refused!['ok']).toBe(false);
    expect(error.type).toBe('phone_changes_rate_limited');
    expect(typeof error.request_id).toBe('string');
    // An hour later the guest may change phones again.
    nowMs += 3600_000 + 1000;
    expect((await register(token)).status).toBe(200);
  });

  it('caps a day at 24 changes even when spread across hours', async () => {
    const { token } = await newGuest('Day churner');
    let changes = 0;
    let status = 200;
    for (let hour = 0; hour < 4 && status === 200; hour++) {
      for (let round = 0; round < 4 && status === 200; round++) {
        const registered = await register(token);
        status = registered.status;
        if (status !== 200) break;
        changes++;
        status = (await deactivate(token, registered.deviceId!)).status;
        if (status === 200) changes++;
      }
      nowMs += 3600_000 + 1000;
    }
    expect(changes).toBe(24);
    expect(status).toBe(429);
    nowMs += 86400_000;
  });

  it('a link without max_use_count holds at most 5 active phones: the 6th is 409 phone_limit_reached', async () => {
    const { token } = await newGuest('Many phones');
    for (let i = 0; i < 5; i++) expect((await register(token)).status).toBe(200);
    const sixth = await register(token);
    expect(sixth.status).toBe(409);
    expect((sixth.body['error'] as { type: string }).type).toBe('phone_limit_reached');
    nowMs += 86400_000;
  });

  it('an operator API key deactivating phones is never refused', async () => {
    const { token, userIdentityId } = await newGuest('Operator cleans up');
    const phones: string[] = [];
    for (let i = 0; i < 5; i++) phones.push((await register(token)).deviceId!);
    nowMs += 1000;
    // Budget 10/h: five registrations, now five operator deactivations, all accepted.
    for (const deviceId of phones) expect((await call(server.url, '/phones/deactivate', { token: server.apiKey!, body: { device_id: deviceId } })).status).toBe(200);
    const list = await call(server.url, '/phones/list', { token: server.apiKey!, body: { owner_user_identity_id: userIdentityId } });
    expect(validate('/phones/list', 'post', list.body)).toBeUndefined();
    expect(list.body['phones']).toEqual([]);
    // ...and they do not count against the guest (the operator's cleanup must not lock the guest out,
    // test/server/phone-budget-operator.test.ts): five changes so far, the next registration fits.
    expect((await register(token)).status).toBe(200);
    nowMs += 86400_000;
  });

  it('limits come from the server config (a test may lift them)', async () => {
    const lifted = await startTestServer({ clock: () => nowMs, phoneChangeLimits: { changesPerHourMax: 1000, changesPerDayMax: 1000, activePhonesPerUnlimitedLinkMax: 1000 } });
    try {
      expect(lifted.context.config.phoneChangeLimits).toEqual({ changesPerHourMax: 1000, changesPerDayMax: 1000, activePhonesPerUnlimitedLinkMax: 1000, guestRevocationsPerDoorMax: 32, guestRevocationsPerIdentityPerDoorMax: 4 });
      expect(server.context.config.phoneChangeLimits).toEqual({ changesPerHourMax: 10, changesPerDayMax: 24, activePhonesPerUnlimitedLinkMax: 5, guestRevocationsPerDoorMax: 1000, guestRevocationsPerIdentityPerDoorMax: 1000 });
    } finally {
      await lifted.close();
    }
  });
});
