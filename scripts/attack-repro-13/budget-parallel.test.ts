/** Probe (held if green): parallel registrations/deactivations cannot overrun the 5-active-phone cap or the 10/h budget. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { call, newHolder, registerPhone, startTestServer } from '../../test/server/helpers.ts';

let server: RunningServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });

it('8 parallel registrations on an unlimited link: 5 succeed; then parallel churn stops at 10 changes', async () => {
  const identity = await call(server.url, '/user_identities/create', { token: server.apiKey!, body: { full_name: 'P' } });
  const id = (identity.body['user_identity'] as { user_identity_id: string }).user_identity_id;
  const link = await call(server.url, '/user_identities/generate_instant_key', { token: server.apiKey!, body: { user_identity_id: id } });
  const url = (link.body['instant_key'] as { instant_key_url: string }).instant_key_url;
  const token = (await call(server.url, '/instant_key_app/open', { body: { instant_key_url: url } })).body['client_session_token'] as string;
  const results = await Promise.all(Array.from({ length: 8 }, () => registerPhone(server.url, token, newHolder())));
  const ok = results.filter((r) => r.status === 200);
  expect(ok.length).toBe(5);
  const devices = ok.map((r) => (r.body['phone'] as { device_id: string }).device_id);
  const mixed = await Promise.all([
    ...devices.map((d) => call(server.url, '/phones/deactivate', { token, body: { device_id: d } })),
    ...Array.from({ length: 8 }, () => registerPhone(server.url, token, newHolder())),
  ]);
  const changes = 5 + mixed.filter((r) => r.status === 200).length;
  expect(changes).toBeLessThanOrEqual(10);
  const active = (await call(server.url, '/phones/list', { token: server.apiKey!, body: { owner_user_identity_id: id } })).body['phones'] as unknown[];
  expect(active.length).toBeLessThanOrEqual(5);
});
