/**
 * Regression test (from scripts/attack-repro-13/third/floor-raise-by-extension.test.ts, where it reproduced the finding).
 * Third attack on issue 13: guests still decide when a shared door's floor rises, through routine
 * operator work. Registrations are not counted at the door ("they revoke nothing"), but every phone's
 * credentials become revocations the moment the operator changes the stay's window: extending a stay by
 * a night (access_grants/update ends_at) revokes every credential of every phone of the grant. Ten
 * bookings of a party (each link holds 5 active phones: 50 Lobby credentials, no deactivation, nothing
 * refused) and the front desk extending the party by one night: the Lobby's list overflows, its floor is
 * raised, and every other guest at the Lobby must sync before the door opens again. With one phone per
 * booking the same extension revokes 10: no raise. Expected: extending stays never raises a floor (an
 * extension widens the window: the old credentials need not be revoked), or guests' extra phones count.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, newHolder, registerPhone, startRadioClockServer } from './helpers.ts';

let ctx: Awaited<ReturnType<typeof startRadioClockServer>>;
beforeAll(async () => { ctx = await startRadioClockServer(); });
afterAll(async () => { await ctx.server.close(); });

it('extending the stays of a party keeping 5 phones per booking does not raise the Lobby floor (a widened window revokes nothing)', async () => {
  const { server, doors, grant } = ctx;
  const lobby = doors.get('Lobby')!.acsEntranceId;
  const party: string[] = [];
  for (let b = 0; b < 10; b++) {
    const g = await grant(`party ${b}`, ['Lobby']);
    party.push(g.access_grant_id);
    const token = (await call(server.url, '/instant_key_app/open', { body: { instant_key_url: g.instant_key_url } })).body['client_session_token'] as string;
    for (let p = 0; p < 5; p++) expect((await registerPhone(server.url, token, newHolder())).status).toBe(200);
  }
  const floorBefore = (await server.context.repo.directory.entranceById(lobby))!.sequence_floor;
  const newEnd = new Date(server.property.radio.now() + 3 * 86400_000).toISOString();
  for (const id of party) expect((await call(server.url, '/access_grants/update', { token: server.apiKey!, body: { access_grant_id: id, ends_at: newEnd } })).status).toBe(200);
  const floorAfter = (await server.context.repo.directory.entranceById(lobby))!.sequence_floor;
  // Raised before the fix (50 live revocations > 48).
  expect(floorAfter).toBe(floorBefore);
});

it('a narrowed window still revokes the credentials, old (replaced) ones included; the phone syncs new ones', async () => {
  const { server, doors, grant } = ctx;
  const lobby = doors.get('Lobby')!.acsEntranceId;
  const g = await grant('narrowed', ['Lobby']);
  const token = (await call(server.url, '/instant_key_app/open', { body: { instant_key_url: g.instant_key_url } })).body['client_session_token'] as string;
  expect((await registerPhone(server.url, token, newHolder())).status).toBe(200);
  const live = async () => (await server.context.repo.grants.liveCredentialsOfGrant(g.access_grant_id)).length;
  expect(await live()).toBe(1);
  const now = server.property.radio.now();
  // Widen: nothing revoked; then narrow below the original end: every live credential is revoked.
  expect((await call(server.url, '/access_grants/update', { token: server.apiKey!, body: { access_grant_id: g.access_grant_id, ends_at: new Date(now + 5 * 86400_000).toISOString() } })).status).toBe(200);
  expect(await live()).toBe(1);
  expect((await call(server.url, '/access_grants/update', { token: server.apiKey!, body: { access_grant_id: g.access_grant_id, ends_at: new Date(now + 3600_000).toISOString() } })).status).toBe(200);
  expect(await live()).toBe(0);
  void lobby;
});
