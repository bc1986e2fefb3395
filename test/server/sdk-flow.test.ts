/**
 * The seeds' flow with the official `seam` SDK (1.160.0) against the server on loopback: create a
 * user identity → list entrances → create an access grant with a mobile key → instant_key_url →
 * update (extend) → delete. Every response the SDK receives is validated against the
 * @seamapi/types OpenAPI schema of its path (axios interceptor on the SDK's own client).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Seam } from 'seam';
import type { RunningServer } from '../../src/server/index.ts';
import { createResponseValidator, startTestServer } from './helpers.ts';

interface AxiosLikeResponse {
  config: { url?: string; method?: string };
  data: unknown;
}
interface AxiosLikeClient {
  interceptors: { response: { use(onFulfilled: (response: AxiosLikeResponse) => AxiosLikeResponse): void } };
}

let server: RunningServer;
let seam: Seam;
const problems: string[] = [];
const validated: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  seam = new Seam({ apiKey: server.apiKey!, endpoint: server.url });
  const validate = createResponseValidator();
  const { issuer, tokenSecret } = server.context.secrets;
  const secrets = [issuer.secretKey, tokenSecret].flatMap((bytes) => [Buffer.from(bytes).toString('base64url'), Buffer.from(bytes).toString('base64'), Buffer.from(bytes).toString('hex')]);
  (seam as unknown as { client: AxiosLikeClient }).client.interceptors.response.use((response) => {
    const path = new URL(response.config.url ?? '', server.url).pathname;
    const problem = validate(path, response.config.method ?? 'post', response.data);
    if (problem !== undefined) problems.push(problem);
    const text = JSON.stringify(response.data);
    if (secrets.some((secret) => text.includes(secret))) problems.push(`${path}: a server secret appears in the response`);
    validated.push(path);
    return response;
  });
});

afterAll(async () => {
  await server.close();
});

describe('seam SDK flow', () => {
  it('creates an identity, grants a mobile key, extends and deletes it', async () => {
    const workspace = await seam.workspaces.get();
    expect(workspace.workspace_id).toBe(server.workspaceId);

    const jane = await seam.userIdentities.create({ full_name: 'Jane Doe', phone_number: '+15555550100' });
    expect(jane.full_name).toBe('Jane Doe');
    expect(jane.phone_number).toBe('+15555550100');

    const entrances = await seam.acs.entrances.list();
    const room = entrances.find((e) => e.display_name === 'Room 102')!;
    const lobby = entrances.find((e) => e.display_name === 'Lobby')!;
    expect(room).toBeDefined();
    expect(lobby).toBeDefined();

    const grant = await seam.accessGrants.create({
      user_identity_id: jane.user_identity_id,
      acs_entrance_ids: [room.acs_entrance_id, lobby.acs_entrance_id],
      requested_access_methods: [{ mode: 'mobile_key' }],
      starts_at: '2026-07-13T15:00:00.000Z',
      ends_at: '2026-07-16T11:00:00.000Z',
    });
    expect(grant.instant_key_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ik\/[A-Za-z0-9_-]{22}$/);
    expect(grant.requested_access_methods).toHaveLength(1);
    const [method] = grant.requested_access_methods;
    expect(method!.mode).toBe('mobile_key');
    expect(method!.display_name).toBe('Mobile Key');
    expect(method!.created_access_method_ids).toHaveLength(1);
    expect(grant.access_method_ids).toEqual(method!.created_access_method_ids);

    const accessMethod = await seam.accessMethods.get({ access_method_id: method!.created_access_method_ids[0]! });
    expect(accessMethod.instant_key_url).toBe(grant.instant_key_url);
    expect(await seam.accessMethods.list({ access_grant_id: grant.access_grant_id })).toHaveLength(1);

    const keys = await seam.instantKeys.list({ user_identity_id: jane.user_identity_id });
    expect(keys).toHaveLength(1);
    expect(keys[0]!.instant_key_url).toBe(grant.instant_key_url);
    expect(keys[0]!.expires_at).toBe('2026-07-16T11:00:00.000Z');
    const key = await seam.instantKeys.get({ instant_key_id: keys[0]!.instant_key_id });
    expect(key.client_session_id).toBe(keys[0]!.client_session_id);

    await seam.accessGrants.update({ access_grant_id: grant.access_grant_id, ends_at: '2026-07-18T11:00:00.000Z' });
    const extended = await seam.accessGrants.get({ access_grant_id: grant.access_grant_id });
    expect(extended.ends_at).toBe('2026-07-18T11:00:00.000Z');
    expect((await seam.instantKeys.get({ instant_key_id: key.instant_key_id })).expires_at).toBe('2026-07-18T11:00:00.000Z');

    const listed = await seam.accessGrants.list({ user_identity_id: jane.user_identity_id });
    expect(listed.map((g) => g.access_grant_id)).toEqual([grant.access_grant_id]);

    await seam.accessGrants.delete({ access_grant_id: grant.access_grant_id });
    await expect(seam.accessGrants.get({ access_grant_id: grant.access_grant_id })).rejects.toMatchObject({ statusCode: 404 });
    expect(await seam.accessGrants.list({ user_identity_id: jane.user_identity_id })).toHaveLength(0);
  });

  it('covers spaces, identities, client sessions, instant keys and phones', async () => {
    const systems = await seam.acs.systems.list();
    expect(systems).toHaveLength(1);
    expect((await seam.acs.systems.get({ acs_system_id: systems[0]!.acs_system_id })).name).toContain('Hotel');
    const entrances = await seam.acs.entrances.list({ acs_system_id: systems[0]!.acs_system_id });
    const gym = entrances.find((e) => e.display_name === 'Gym')!;
    expect((await seam.acs.entrances.get({ acs_entrance_id: gym.acs_entrance_id })).space_ids).toHaveLength(1);

    const space = await seam.spaces.create({ name: 'Spa', acs_entrance_ids: [gym.acs_entrance_id] });
    expect(space.acs_entrance_count).toBe(1);
    const room = entrances.find((e) => e.display_name === 'Room 301')!;
    await seam.spaces.addAcsEntrances({ space_id: space.space_id, acs_entrance_ids: [room.acs_entrance_id] });
    expect((await seam.spaces.get({ space_id: space.space_id })).acs_entrance_count).toBe(2);
    expect(await seam.acs.entrances.list({ space_id: space.space_id })).toHaveLength(2);
    await seam.spaces.removeAcsEntrances({ space_id: space.space_id, acs_entrance_ids: [room.acs_entrance_id] });
    const renamed = await seam.spaces.update({ space_id: space.space_id, name: 'Spa & Pool' });
    expect(renamed.name).toBe('Spa & Pool');
    expect((await seam.spaces.list()).map((s) => s.name)).toContain('Spa & Pool');

    const grant = await seam.accessGrants.create({
      user_identity: { full_name: 'Sam Guest', email_address: 'sam@example.com' },
      space_ids: [space.space_id],
      requested_access_methods: [{ mode: 'mobile_key' }],
      ends_at: '2027-01-01T00:00:00.000Z',
    });
    expect(grant.space_ids).toEqual([space.space_id]);
    const sam = await seam.userIdentities.get({ user_identity_id: grant.user_identity_id });
    expect(sam.email_address).toBe('sam@example.com');
    await seam.userIdentities.update({ user_identity_id: sam.user_identity_id, user_identity_key: 'sam-1' });
    expect((await seam.userIdentities.get({ user_identity_key: 'sam-1' })).user_identity_id).toBe(sam.user_identity_id);
    expect((await seam.userIdentities.list({ search: 'Sam' })).map((u) => u.user_identity_id)).toEqual([sam.user_identity_id]);

    const instantKey = await seam.userIdentities.generateInstantKey({ user_identity_id: sam.user_identity_id, max_use_count: 2 });
    expect(instantKey.user_identity_id).toBe(sam.user_identity_id);
    const session = await seam.clientSessions.create({ user_identity_id: sam.user_identity_id });
    expect(session.token.startsWith('seam_cst')).toBe(true);
    expect((await seam.clientSessions.get({ client_session_id: session.client_session_id })).token).toBe(session.token);
    expect(await seam.phones.list({ owner_user_identity_id: sam.user_identity_id })).toEqual([]);

    await seam.spaces.delete({ space_id: space.space_id });
    await seam.userIdentities.delete({ user_identity_id: sam.user_identity_id });
    await expect(seam.userIdentities.get({ user_identity_id: sam.user_identity_id })).rejects.toMatchObject({ statusCode: 404 });
    await expect(seam.accessGrants.get({ access_grant_id: grant.access_grant_id })).rejects.toMatchObject({ statusCode: 404 });
  });

  it('paginates user identities', async () => {
    for (let i = 0; i < 5; i++) await seam.userIdentities.create({ full_name: `Pager ${i}`, user_identity_key: `pager-${i}` });
    const first = await seam.createPaginator(seam.userIdentities.list({ limit: 2, search: 'Pager' })).firstPage();
    expect(first[0]).toHaveLength(2);
    expect(first[1].hasNextPage).toBe(true);
    const all = await seam.createPaginator(seam.userIdentities.list({ limit: 2, search: 'Pager' })).flattenToArray();
    expect(all.map((u) => u.full_name)).toEqual(['Pager 0', 'Pager 1', 'Pager 2', 'Pager 3', 'Pager 4']);
  });

  it('has a validator that rejects a body missing required fields (canary)', () => {
    const validate = createResponseValidator();
  const { issuer, tokenSecret } = server.context.secrets;
  const secrets = [issuer.secretKey, tokenSecret].flatMap((bytes) => [Buffer.from(bytes).toString('base64url'), Buffer.from(bytes).toString('base64'), Buffer.from(bytes).toString('hex')]);
    expect(validate('/access_grants/get', 'post', { access_grant: { access_grant_id: 'x' }, ok: true })).toMatch(/required/);
    expect(validate('/instant_keys/get', 'get', { instant_key: { instant_key_id: '00000000-0000-4000-8000-000000000000', workspace_id: '00000000-0000-4000-8000-000000000000', created_at: 'yesterday', instant_key_url: 'https://x/y', client_session_id: '00000000-0000-4000-8000-000000000000', user_identity_id: '00000000-0000-4000-8000-000000000000', expires_at: '2026-01-01T00:00:00Z' }, ok: true })).toMatch(/date-time/);
  });

  it('validated every SDK response against the OpenAPI schema', () => {
    expect(problems).toEqual([]);
    expect(validated.length).toBeGreaterThan(40);
  });
});
