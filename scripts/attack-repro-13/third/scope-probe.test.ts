/**
 * Third attack on issue 13 (client-session scope): A's link session token asks every endpoint in its
 * scope for B's rows, by body and by GET query, ids in upper case, as arrays, bracketed keys; no answer
 * may carry B's identity, phone, grant, access method or credential id.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, newHolder, registerPhone, startRadioClockServer } from '../../../test/server/helpers.ts';
import { clientSessionScope } from '../../../src/server/http/client-session-scope.ts';

let ctx: Awaited<ReturnType<typeof startRadioClockServer>>;
beforeAll(async () => { ctx = await startRadioClockServer(); });
afterAll(async () => { await ctx.server.close(); });

it('no scoped endpoint leaks B to A', async () => {
  const { server, grant } = ctx;
  const ga = await grant('A', ['Lobby', 'Room 101']);
  const gb = await grant('B', ['Lobby', 'Room 102', 'Gym']);
  const open = async (url: string) => (await call(server.url, '/instant_key_app/open', { body: { instant_key_url: url } })).body as Record<string, string>;
  const a = await open(ga.instant_key_url);
  const b = await open(gb.instant_key_url);
  await registerPhone(server.url, a['client_session_token']!, newHolder());
  const pb = await registerPhone(server.url, b['client_session_token']!, newHolder());
  const phoneB = (pb.body['phone'] as { device_id: string }).device_id;
  const credB = ((pb.body['bundle'] as { credentials: { credential_id: string }[] }).credentials[0]!).credential_id;
  const methods = await call(server.url, '/access_methods/list', { token: server.apiKey!, body: { access_grant_id: gb.access_grant_id } });
  const methodB = ((methods.body['access_methods'] as { access_method_id: string }[])[0]!).access_method_id;
  const gym = ctx.doors.get('Gym')!.acsEntranceId;
  const secrets = [b['user_identity_id']!, phoneB, gb.access_grant_id, methodB, gym, b['instant_key_id']!];
  const ids: Record<string, string> = {
    user_identity_id: b['user_identity_id']!, owner_user_identity_id: b['user_identity_id']!, device_id: phoneB, access_grant_id: gb.access_grant_id,
    access_method_id: methodB, acs_entrance_id: gym, acs_credential_id: credB, client_session_id: b['client_session_id'] ?? '',
  };
  const leaks: string[] = [];
  const token = a['client_session_token']!;
  for (const path of clientSessionScope.keys()) {
    const bodies: Record<string, unknown>[] = [];
    for (const [k, v] of Object.entries(ids)) { bodies.push({ [k]: v }, { [k]: v.toUpperCase() }, { [`${k}s`]: [v] }, { [`${k}s`]: [v.toUpperCase()] }); }
    bodies.push({ user_identity_ids: [b['user_identity_id']!.toUpperCase(), 'x'] }, { acs_entrance_ids: [gym, gym] }, { acs_system_id: undefined, acs_entrance_ids: [] });
    for (const body of bodies) {
      const r = await call(server.url, path, { token, body });
      if (r.status >= 500) leaks.push(`${path} ${JSON.stringify(body)} -> ${r.status}`);
      const text = JSON.stringify(r.body);
      for (const s of secrets) if (r.status === 200 && text.includes(s)) leaks.push(`${path} ${JSON.stringify(body)} -> ${s}`);
      const qs = Object.entries(body).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}=${x}`).concat(v.map((x) => `${k}[]=${x}`)) : v === undefined ? [] : [`${k}=${String(v)}`])).join('&');
      const g = await fetch(`${server.url}${path}?${qs}`, { headers: { authorization: `Bearer ${token}` } });
      const gt = await g.text();
      if (g.status >= 500) leaks.push(`GET ${path}?${qs} -> ${g.status}`);
      for (const s of secrets) if (g.status === 200 && gt.includes(s)) leaks.push(`GET ${path}?${qs} -> ${s}`);
    }
  }
  expect(leaks).toEqual([]);
});
