/** Seam endpoints: access_grants/*, access_methods/*. */
import type { FastifyInstance } from 'fastify';
import { inTransaction, mapInOrder, nowIso, type ServerContext } from '../context.ts';
import { invalidInput, notFound } from '../http/errors.ts';
import { checkInput } from '../http/input.ts';
import { apiRoute, pageRequest, paginationJson } from '../http/route.ts';
import { accessGrantJson, accessMethodJson } from '../http/serialize.ts';
import { createGrant, deleteGrant, updateGrant } from '../services/grants.ts';
import { revokeCredentials } from '../services/revocation.ts';
import { identitySpec } from './identities.ts';

const pageSpec = { limit: { kind: 'int', min: 1, max: 1000 }, page_cursor: { kind: 'string', max: 64, nullable: true } } as const;

export function registerGrantRoutes(app: FastifyInstance, context: ServerContext): void {
  const { grants } = context.repo;

  apiRoute(app, context, '/access_grants/create', async ({ workspaceId, input }) => {
    const q = checkInput(input, {
      user_identity_id: { kind: 'uuid' },
      user_identity: { kind: 'object' },
      acs_entrance_ids: { kind: 'uuid_array' },
      space_ids: { kind: 'uuid_array' },
      location_ids: { kind: 'uuid_array' },
      space_keys: { kind: 'string_array' },
      requested_access_methods: { kind: 'object_array', required: true, min: 1, max: 3 },
      starts_at: { kind: 'datetime' },
      ends_at: { kind: 'datetime' },
      name: { kind: 'string', max: 200 },
      access_grant_key: { kind: 'string', min: 1, max: 200 },
      reservation_key: { kind: 'string', min: 1, max: 200 },
    });
    if ((q.user_identity_id === undefined) === (q.user_identity === undefined)) {
      throw invalidInput('give exactly one of user_identity_id and user_identity', [{ path: 'user_identity_id', message: 'exactly one of user_identity_id, user_identity' }]);
    }
    const modes = q.requested_access_methods.map((method, index) => {
      const { mode } = checkInput(method, { mode: { kind: 'string', required: true, max: 20 } });
      if (!['code', 'card', 'mobile_key'].includes(mode)) throw invalidInput(`requested_access_methods[${index}].mode is invalid`, [{ path: `requested_access_methods.${index}.mode`, message: 'must be code, card or mobile_key' }]);
      return mode;
    });
    const userIdentity = q.user_identity === undefined ? undefined : checkInput(q.user_identity, identitySpec);
    // location_ids is Seam's older name for space_ids; space_keys name spaces by their key.
    const spaceIds = new Set([...(q.space_ids ?? []), ...(q.location_ids ?? [])]);
    for (const key of q.space_keys ?? []) {
      const spaces = await context.repo.directory.listSpaces(workspaceId, { space_key: key });
      if (spaces.length === 0) throw notFound(`space with space_key ${key}`);
      for (const space of spaces) spaceIds.add(space.space_id);
    }
    const row = await createGrant(context, workspaceId, {
      userIdentityId: q.user_identity_id, userIdentity, acsEntranceIds: q.acs_entrance_ids ?? [], spaceIds: [...spaceIds], modes,
      startsAt: q.starts_at, endsAt: q.ends_at, name: q.name, accessGrantKey: q.access_grant_key, reservationKey: q.reservation_key,
    });
    return { access_grant: await accessGrantJson(context, row) };
  });

  apiRoute(app, context, '/access_grants/get', async ({ workspaceId, input }) => {
    const q = checkInput(input, { access_grant_id: { kind: 'uuid' }, access_grant_key: { kind: 'string', min: 1, max: 200 } });
    if (q.access_grant_id === undefined && q.access_grant_key === undefined) throw invalidInput('access_grant_id is required', [{ path: 'access_grant_id', message: 'is required' }]);
    const row = q.access_grant_id !== undefined ? await grants.getGrant(workspaceId, q.access_grant_id) : await grants.getGrantByKey(workspaceId, q.access_grant_key!);
    if (row === undefined) throw notFound('access_grant');
    return { access_grant: await accessGrantJson(context, row) };
  });

  apiRoute(app, context, '/access_grants/list', async ({ workspaceId, input }) => {
    const q = checkInput(input, {
      ...pageSpec, user_identity_id: { kind: 'uuid' }, acs_entrance_id: { kind: 'uuid' }, acs_system_id: { kind: 'uuid' }, space_id: { kind: 'uuid' },
      location_id: { kind: 'uuid' }, access_grant_ids: { kind: 'uuid_array' }, access_grant_key: { kind: 'string', max: 200 }, reservation_key: { kind: 'string', max: 200 },
    });
    // location_id is Seam's older name for a space id; given both, a grant must name both.
    const spaceIds = [...new Set([q.space_id, q.location_id].filter((id) => id !== undefined))];
    const page = spaceIds.length > 1 ? { rows: [], nextOffset: undefined } : await grants.listGrants(workspaceId, { ...q, space_id: spaceIds[0] }, pageRequest(q));
    return { access_grants: await mapInOrder(page.rows, (row) => accessGrantJson(context, row)), pagination: paginationJson(page.nextOffset) };
  });

  apiRoute(app, context, '/access_grants/update', async ({ workspaceId, input }) => {
    const q = checkInput(input, { access_grant_id: { kind: 'uuid', required: true }, name: { kind: 'string', max: 200 }, starts_at: { kind: 'datetime' }, ends_at: { kind: 'datetime' } });
    await updateGrant(context, workspaceId, q.access_grant_id, { name: q.name, startsAt: q.starts_at, endsAt: q.ends_at });
    return {};
  });

  apiRoute(app, context, '/access_grants/delete', async ({ workspaceId, input }) => {
    const { access_grant_id } = checkInput(input, { access_grant_id: { kind: 'uuid', required: true } });
    await deleteGrant(context, workspaceId, access_grant_id);
    return {};
  });

  apiRoute(app, context, '/access_methods/list', async ({ workspaceId, input }) => {
    const q = checkInput(input, { access_grant_id: { kind: 'uuid', required: true }, acs_entrance_id: { kind: 'uuid' }, space_id: { kind: 'uuid' } });
    if (await grants.getGrant(workspaceId, q.access_grant_id) === undefined) throw notFound(`access_grant ${q.access_grant_id}`);
    // Every access method of a grant opens every door of the grant: the entrance (or any entrance
    // of the space) must be one of the grant's, else no method of it applies there.
    const doors = new Set((await grants.grantEntrances(q.access_grant_id)).map((door) => door.acs_entrance_id));
    const atEntrance = q.acs_entrance_id === undefined || doors.has(q.acs_entrance_id);
    const inSpace = q.space_id === undefined || (await context.repo.directory.entranceIdsOfSpace(q.space_id)).some((id) => doors.has(id));
    const methods = atEntrance && inSpace ? await grants.accessMethodsOf(q.access_grant_id) : [];
    return { access_methods: await mapInOrder(methods, (row) => accessMethodJson(context, row)) };
  });
  apiRoute(app, context, '/access_methods/get', async ({ workspaceId, input }) => {
    const { access_method_id } = checkInput(input, { access_method_id: { kind: 'uuid', required: true } });
    const row = await grants.getAccessMethod(workspaceId, access_method_id);
    if (row === undefined) throw notFound(`access_method ${access_method_id}`);
    return { access_method: await accessMethodJson(context, row) };
  });
  apiRoute(app, context, '/access_methods/delete', async ({ workspaceId, input }) => {
    const { access_method_id } = checkInput(input, { access_method_id: { kind: 'uuid', required: true } });
    await inTransaction(context, async (context) => {
      const row = await context.repo.grants.getAccessMethod(workspaceId, access_method_id);
      if (row === undefined) throw notFound(`access_method ${access_method_id}`);
      await context.repo.grants.deleteAccessMethod(access_method_id, nowIso(context));
      // Without a mobile key method the grant's phone credentials must die too.
      if (!(await context.repo.grants.accessMethodsOf(row.access_grant_id)).some((m) => m.mode === 'mobile_key')) await revokeCredentials(context, await context.repo.grants.liveCredentialsOfGrant(row.access_grant_id));
    });
    return {};
  });
}
