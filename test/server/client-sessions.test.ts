/**
 * Client sessions (Seam parity) and what a client-session token may do, through the official `seam`
 * SDK (every response validated against the @seamapi/types schema of its path):
 * - client_sessions/create, get (by id and by user_identifier_key), list (+ filters), get_or_create,
 *   grant_access (a session with several identities), revoke (the token dies at once, the session
 *   stays listed), delete (the token dies, the session is gone);
 * - a guest's token (from an Instant Key link) reads its own identity, phones, grants, access
 *   methods, doors and unlock events, and gets 404 for another guest's and 401 on admin endpoints;
 *   every Seam endpoint outside the scope table answers 401 to it;
 * - another workspace's API key sees none of these sessions; revoking a link's session stops
 *   its registering and syncing as well.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Seam } from 'seam';
import { openapi } from '@seamapi/types/connect';
import type { RunningServer } from '../../src/server/index.ts';
import { callerRoutesOpenToClientSessions } from '../../src/server/http/caller.ts';
import { clientSessionScope } from '../../src/server/http/client-session-scope.ts';
import { createWorkspace } from '../../src/server/provision.ts';
import type { VirtualDoor } from '../../src/server/virtual-property.ts';
import { auditRecordOf, newRecordId } from '../../src/web/audit-queue.ts';
import { call, newHolder, registerPhone, startRadioClockServer } from './helpers.ts';
import { responseChecks } from '../helpers/seam-server.ts';
import { TestPhone } from './phone-app.ts';

let server: RunningServer;
let doors: Map<string, VirtualDoor>;
let grant: Awaited<ReturnType<typeof startRadioClockServer>>['grant'];
const { validated, problems } = responseChecks(() => server.url);

let admin: Seam;
const asSession = (token: string) => validated(Seam.fromClientSessionToken(token, { endpoint: server.url }));

beforeAll(async () => {
  ({ server, doors, grant } = await startRadioClockServer());
  admin = validated(new Seam({ apiKey: server.apiKey!, endpoint: server.url }));
});

afterAll(async () => {
  await server.close();
});

let seed = 130;
/** A guest with a mobile-key stay on these doors, a registered phone, and one real unlock uploaded as an event. */
async function guest(name: string, doorName: string) {
  const granted = await grant(name, [doorName]);
  const phone = new TestPhone({ id: `cs-${name}`, seed: seed++, crypto: server.context.issuer.crypto, radio: server.property.radio });
  await phone.openAndRegister(server.url, granted.instant_key_url);
  const door = doors.get(doorName)!;
  const outcome = await phone.unlockAt(door.position, door.lockId);
  expect(outcome.outcome).toBe('unlocked');
  const record = auditRecordOf(outcome, { acsEntranceId: door.acsEntranceId, lockId: door.lockId }, new Date(server.property.radio.now()), newRecordId())!;
  const uploaded = await call(server.url, '/instant_key_app/audit', { token: phone.token, body: { device_id: phone.deviceId, records: [record] } });
  expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
  const full = await admin.accessGrants.get({ access_grant_id: granted.access_grant_id });
  return { phone, grant: full, door, eventId: record.id, identityId: full.user_identity_id };
}

describe('client_sessions endpoints', () => {
  it('create, grant_access (several identities), get, list and its filters, get_or_create', async () => {
    const ann = await admin.userIdentities.create({ full_name: 'Ann Session' });
    const bob = await admin.userIdentities.create({ full_name: 'Bob Session' });
    const session = await admin.clientSessions.create({ user_identity_id: ann.user_identity_id });
    expect(session.user_identity_ids).toEqual([ann.user_identity_id]);
    expect(session.token).toMatch(/^seam_cst/);

    await admin.clientSessions.grantAccess({ client_session_id: session.client_session_id, user_identity_id: bob.user_identity_id });
    const both = await admin.clientSessions.get({ client_session_id: session.client_session_id });
    expect(both.user_identity_ids).toEqual([ann.user_identity_id, bob.user_identity_id]);
    expect(both.user_identity_id).toBe(ann.user_identity_id);
    expect(both.token).toBe(session.token);

    expect((await admin.clientSessions.list({ user_identity_id: bob.user_identity_id })).map((s) => s.client_session_id)).toEqual([session.client_session_id]);
    expect((await admin.clientSessions.list()).map((s) => s.client_session_id)).toContain(session.client_session_id);
    expect((await admin.clientSessions.list({ client_session_id: session.client_session_id }))).toHaveLength(1);

    const keyed = await admin.clientSessions.getOrCreate({ user_identifier_key: 'app-user-7' });
    const again = await admin.clientSessions.getOrCreate({ user_identifier_key: 'app-user-7', user_identity_id: ann.user_identity_id });
    expect(again.client_session_id).toBe(keyed.client_session_id);
    expect(again.user_identity_ids).toEqual([ann.user_identity_id]);
    expect((await admin.clientSessions.get({ user_identifier_key: 'app-user-7' })).client_session_id).toBe(keyed.client_session_id);
    expect((await admin.clientSessions.list({ user_identifier_key: 'app-user-7' })).map((s) => s.client_session_id)).toEqual([keyed.client_session_id]);
    expect((await admin.clientSessions.list({ without_user_identifier_key: true })).map((s) => s.client_session_id)).not.toContain(keyed.client_session_id);
    // By identity: the newest usable API session of that identity, not a new one.
    const byIdentity = await admin.clientSessions.getOrCreate({ user_identity_id: bob.user_identity_id });
    expect(byIdentity.client_session_id).toBe(session.client_session_id);
    const later = new Date(server.property.radio.now() + 7 * 86400_000);
    expect((await admin.clientSessions.getOrCreate({ user_identifier_key: 'app-user-7', expires_at: later })).expires_at).toBe(later.toISOString());

    await expect(admin.clientSessions.grantAccess({ client_session_id: session.client_session_id, user_identity_id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ statusCode: 404 });
    await expect(admin.clientSessions.get({ client_session_id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ statusCode: 404 });
    const bare = await call(server.url, '/client_sessions/get_or_create', { token: server.apiKey!, body: {} });
    expect(bare.status).toBe(400);
  });

  it('revoke kills the token at once and keeps the session listed; delete kills it and removes it', async () => {
    const cid = await admin.userIdentities.create({ full_name: 'Cid Revoke' });
    const revoked = await admin.clientSessions.create({ user_identity_id: cid.user_identity_id });
    const deleted = await admin.clientSessions.create({ user_identity_id: cid.user_identity_id });
    for (const session of [revoked, deleted]) expect((await asSession(session.token).workspaces.get()).workspace_id).toBe(server.workspaceId);

    await admin.clientSessions.revoke({ client_session_id: revoked.client_session_id });
    await expect(asSession(revoked.token).workspaces.get()).rejects.toMatchObject({ statusCode: 401 });
    const after = await admin.clientSessions.get({ client_session_id: revoked.client_session_id });
    expect(Date.parse(after.expires_at)).toBeLessThanOrEqual(server.property.radio.now());
    expect((await admin.clientSessions.list({ user_identity_id: cid.user_identity_id })).map((s) => s.client_session_id)).toContain(revoked.client_session_id);
    // get_or_create never hands the revoked session back.
    expect((await admin.clientSessions.getOrCreate({ user_identity_id: cid.user_identity_id })).client_session_id).toBe(deleted.client_session_id);

    await admin.clientSessions.delete({ client_session_id: deleted.client_session_id });
    await expect(asSession(deleted.token).workspaces.get()).rejects.toMatchObject({ statusCode: 401 });
    await expect(admin.clientSessions.get({ client_session_id: deleted.client_session_id })).rejects.toMatchObject({ statusCode: 404 });
    expect((await admin.clientSessions.list()).map((s) => s.client_session_id)).not.toContain(deleted.client_session_id);
    await expect(admin.clientSessions.revoke({ client_session_id: deleted.client_session_id })).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('a client-session token', () => {
  let ann: Awaited<ReturnType<typeof guest>>;
  let bob: Awaited<ReturnType<typeof guest>>;

  beforeAll(async () => {
    ann = await guest('Ann', 'Room 101');
    bob = await guest('Bob', 'Room 102');
  });

  it('reads its own identity, phones, grants, access methods, doors and events', async () => {
    const seam = asSession(ann.phone.token);
    expect((await seam.workspaces.get()).workspace_id).toBe(server.workspaceId);
    const own = await seam.clientSessions.get();
    expect(own.user_identity_ids).toEqual([ann.identityId]);
    expect(own.device_count).toBe(1);
    expect((await seam.userIdentities.list()).map((u) => u.user_identity_id)).toEqual([ann.identityId]);
    expect((await seam.phones.list()).map((p) => p.device_id)).toEqual([ann.phone.deviceId]);
    expect((await seam.phones.get({ device_id: ann.phone.deviceId })).device_id).toBe(ann.phone.deviceId);
    expect((await seam.accessGrants.list()).map((g) => g.access_grant_id)).toEqual([ann.grant.access_grant_id]);
    expect((await seam.accessGrants.get({ access_grant_id: ann.grant.access_grant_id })).user_identity_id).toBe(ann.identityId);
    const methods = await seam.accessMethods.list({ access_grant_id: ann.grant.access_grant_id });
    expect(methods.map((m) => m.access_method_id)).toEqual(ann.grant.access_method_ids);
    expect((await seam.accessMethods.get({ access_method_id: methods[0]!.access_method_id })).mode).toBe('mobile_key');
    expect((await seam.acs.entrances.list()).map((e) => e.display_name)).toEqual(['Room 101']);
    expect((await seam.acs.entrances.get({ acs_entrance_id: ann.door.acsEntranceId })).display_name).toBe('Room 101');
    expect(await seam.acs.systems.list()).toHaveLength(1);
    const credentials = await seam.acs.credentials.list();
    expect(credentials.length).toBeGreaterThan(0);
    expect(credentials.every((c) => c.user_identity_id === ann.identityId && c.access_method === 'mobile_key')).toBe(true);
    const allCredentials = await admin.acs.credentials.list();
    expect(allCredentials.some((c) => c.user_identity_id === bob.identityId)).toBe(true);
    expect((await admin.acs.credentials.list({ user_identity_id: bob.identityId })).every((c) => c.user_identity_id === bob.identityId)).toBe(true);
    expect((await seam.events.list()).map((e) => e.event_id)).toEqual([ann.eventId]);
    expect((await seam.events.get({ event_id: ann.eventId })).event_id).toBe(ann.eventId);
    // The admin sees both guests' events: the narrowing is the token's, not the data's.
    expect((await admin.events.list()).map((e) => e.event_id)).toEqual(expect.arrayContaining([ann.eventId, bob.eventId]));
  });

  it('gets 404 for every row of another identity, and changes nothing of it', async () => {
    const seam = asSession(ann.phone.token);
    const bobSession = (await admin.instantKeys.list({ user_identity_id: bob.identityId }))[0]!.client_session_id;
    const refused: [string, Promise<unknown>][] = [
      ['client_sessions/get', seam.clientSessions.get({ client_session_id: bobSession })],
      ['user_identities/get', seam.userIdentities.get({ user_identity_id: bob.identityId })],
      ['phones/get', seam.phones.get({ device_id: bob.phone.deviceId })],
      ['phones/deactivate', seam.phones.deactivate({ device_id: bob.phone.deviceId })],
      ['phones/list', seam.phones.list({ owner_user_identity_id: bob.identityId })],
      ['access_grants/get', seam.accessGrants.get({ access_grant_id: bob.grant.access_grant_id })],
      ['access_grants/list', seam.accessGrants.list({ user_identity_id: bob.identityId })],
      ['access_methods/list', seam.accessMethods.list({ access_grant_id: bob.grant.access_grant_id })],
      ['access_methods/get', seam.accessMethods.get({ access_method_id: bob.grant.access_method_ids[0]! })],
      ['acs/entrances/get', seam.acs.entrances.get({ acs_entrance_id: bob.door.acsEntranceId })],
      ['events/get', seam.events.get({ event_id: bob.eventId })],
      ['events/list', seam.events.list({ user_identity_id: bob.identityId } as never)],
      ['acs/credentials/list', seam.acs.credentials.list({ user_identity_id: bob.identityId })],
    ];
    for (const [name, request] of refused) await expect(request, name).rejects.toMatchObject({ statusCode: 404 });
    expect((await seam.userIdentities.list({ user_identity_ids: [bob.identityId] }))).toEqual([]);
    expect((await seam.acs.entrances.list({ acs_entrance_ids: [bob.door.acsEntranceId] }))).toEqual([]);
    expect((await admin.phones.get({ device_id: bob.phone.deviceId })).device_id).toBe(bob.phone.deviceId); // not deactivated
    await bob.phone.sync(server.url); // Bob's phone still works
  });

  it('gets 401 on admin endpoints, and on every Seam endpoint outside the scope table', async () => {
    const seam = asSession(ann.phone.token);
    const admins: [string, Promise<unknown>][] = [
      ['user_identities/create', seam.userIdentities.create({ full_name: 'Mallory' })],
      ['user_identities/delete', seam.userIdentities.delete({ user_identity_id: bob.identityId })],
      ['access_grants/create', seam.accessGrants.create({ user_identity_id: ann.identityId, acs_entrance_ids: [bob.door.acsEntranceId], requested_access_methods: [{ mode: 'mobile_key' }] })],
      ['access_grants/update', seam.accessGrants.update({ access_grant_id: ann.grant.access_grant_id, ends_at: '2099-01-01T00:00:00.000Z' })],
      ['client_sessions/create', seam.clientSessions.create({ user_identity_id: bob.identityId })],
      ['client_sessions/list', seam.clientSessions.list()],
      ['client_sessions/grant_access', seam.clientSessions.grantAccess({ client_session_id: ann.identityId, user_identity_id: bob.identityId })],
      ['instant_keys/list', seam.instantKeys.list()],
      ['user_identities/generate_instant_key', seam.userIdentities.generateInstantKey({ user_identity_id: bob.identityId })],
    ];
    for (const [name, request] of admins) await expect(request, name).rejects.toMatchObject({ statusCode: 401 });

    const allowed = new Set([...clientSessionScope.keys(), ...callerRoutesOpenToClientSessions]);
    expect([...callerRoutesOpenToClientSessions]).toEqual(['/workspaces/list']);
    const opened: string[] = [];
    for (const path of Object.keys((openapi as { paths: Record<string, unknown> }).paths)) {
      const response = await call(server.url, path, { token: ann.phone.token, body: {} });
      const unimplemented = response.status === 404 && String((response.body['error'] as { message?: unknown } | undefined)?.message).startsWith('no endpoint');
      if (allowed.has(path)) expect(response.status, path).not.toBe(401);
      else if (response.status !== 401 && !unimplemented) opened.push(`${path} → ${response.status}`);
    }
    expect(opened.length + allowed.size).toBeGreaterThan(0);
    expect(opened).toEqual([]);
  });

  it('acts for every identity of a session that carries several, and must name one where a filter takes one', async () => {
    const session = await admin.clientSessions.create({ user_identity_id: ann.identityId });
    await admin.clientSessions.grantAccess({ client_session_id: session.client_session_id, user_identity_id: bob.identityId });
    const seam = asSession(session.token);
    expect((await seam.userIdentities.list()).map((u) => u.user_identity_id).sort()).toEqual([ann.identityId, bob.identityId].sort());
    expect((await seam.phones.list()).map((p) => p.device_id).sort()).toEqual([ann.phone.deviceId, bob.phone.deviceId].sort());
    expect((await seam.acs.entrances.list()).map((e) => e.display_name).sort()).toEqual(['Room 101', 'Room 102']);
    expect((await seam.clientSessions.get()).device_count).toBe(2);
    await expect(seam.events.list()).rejects.toMatchObject({ statusCode: 400 });
    expect((await seam.events.list({ user_identity_id: bob.identityId } as never)).map((e) => e.event_id)).toEqual([bob.eventId]);
    // A link's session acts for its own guest only: it cannot be given another identity.
    const annLinkSession = (await seam.clientSessions.get({ client_session_id: session.client_session_id })).client_session_id;
    expect(annLinkSession).toBe(session.client_session_id);
    const annKey = (await admin.instantKeys.list({ user_identity_id: ann.identityId }))[0]!;
    await expect(admin.clientSessions.grantAccess({ client_session_id: annKey.client_session_id, user_identity_id: bob.identityId })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('is invisible to another workspace, and revoking a link\'s session stops its API use, registration and sync at once', async () => {
    const other = await createWorkspace(server.context, 'Other Hotel');
    const stranger = validated(new Seam({ apiKey: other.apiKey, endpoint: server.url }));
    const annKey = (await admin.instantKeys.list({ user_identity_id: ann.identityId }))[0]!;
    await expect(stranger.clientSessions.get({ client_session_id: annKey.client_session_id })).rejects.toMatchObject({ statusCode: 404 });
    await expect(stranger.clientSessions.revoke({ client_session_id: annKey.client_session_id })).rejects.toMatchObject({ statusCode: 404 });
    await expect(stranger.clientSessions.delete({ client_session_id: annKey.client_session_id })).rejects.toMatchObject({ statusCode: 404 });
    await expect(stranger.clientSessions.grantAccess({ client_session_id: annKey.client_session_id, user_identity_id: bob.identityId })).rejects.toMatchObject({ statusCode: 404 });
    expect(await stranger.clientSessions.list({ user_identity_id: ann.identityId })).toEqual([]);
    const strangerSession = await stranger.clientSessions.create({});
    await expect(stranger.clientSessions.grantAccess({ client_session_id: strangerSession.client_session_id, user_identity_id: ann.identityId })).rejects.toMatchObject({ statusCode: 404 });
    expect(await asSession(strangerSession.token).userIdentities.list()).toEqual([]);
    await expect(asSession(strangerSession.token).phones.get({ device_id: ann.phone.deviceId })).rejects.toMatchObject({ statusCode: 404 });

    await ann.phone.sync(server.url);
    await admin.clientSessions.revoke({ client_session_id: annKey.client_session_id });
    await expect(asSession(ann.phone.token).workspaces.get()).rejects.toMatchObject({ statusCode: 401 });
    expect((await call(server.url, '/instant_key_app/sync', { token: ann.phone.token, body: { device_id: ann.phone.deviceId } })).status).toBe(401);
    expect((await registerPhone(server.url, ann.phone.token, newHolder())).status).toBe(401);
    // The link no longer opens either (the app then says the link is gone).
    const reopened = await call(server.url, '/instant_key_app/open', { body: { instant_key_url: (await admin.instantKeys.get({ instant_key_id: annKey.instant_key_id })).instant_key_url } });
    expect(reopened.status).toBe(404);
    // Bob's link and session are untouched.
    await bob.phone.sync(server.url);
  });

  it('validated every SDK response against the OpenAPI schema', () => {
    expect(problems).toEqual([]);
  });
});
