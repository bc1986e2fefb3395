/** Seam endpoints: workspaces/get, acs/systems/*, acs/entrances/*, spaces/*. */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { inTransaction, mapInOrder, nowIso, type ServerContext } from '../context.ts';
import { conflict, invalidInput, notFound } from '../http/errors.ts';
import { checkInput } from '../http/input.ts';
import { apiRoute, pageRequest, paginationJson } from '../http/route.ts';
import { acsSystemJson, entranceJson, spaceJson, workspaceJson } from '../http/serialize.ts';

const pageSpec = { limit: { kind: 'int', min: 1, max: 1000 }, page_cursor: { kind: 'string', max: 64, nullable: true } } as const;

export function registerDirectoryRoutes(app: FastifyInstance, context: ServerContext): void {
  const { directory } = context.repo;
  const entrancesOf = async (context: ServerContext, workspaceId: string, ids: string[]): Promise<void> => {
    for (const id of ids) if (await context.repo.directory.getEntrance(workspaceId, id) === undefined) throw notFound(`acs_entrance ${id}`);
  };

  apiRoute(app, context, '/workspaces/get', async ({ workspaceId }) => ({ workspace: workspaceJson((await directory.getWorkspace(workspaceId))!) }));

  apiRoute(app, context, '/acs/systems/list', async ({ workspaceId, input }) => {
    const q = checkInput(input, { connected_account_id: { kind: 'uuid' } });
    const systems = (await directory.listAcsSystems(workspaceId)).filter((row) => q.connected_account_id === undefined || row.connected_account_id === q.connected_account_id);
    return { acs_systems: systems.map(acsSystemJson) };
  });
  apiRoute(app, context, '/acs/systems/get', async ({ workspaceId, input }) => {
    const { acs_system_id } = checkInput(input, { acs_system_id: { kind: 'uuid', required: true } });
    const row = await directory.getAcsSystem(workspaceId, acs_system_id);
    if (row === undefined) throw notFound(`acs_system ${acs_system_id}`);
    return { acs_system: acsSystemJson(row) };
  });

  apiRoute(app, context, '/acs/entrances/list', async ({ workspaceId, input }) => {
    const q = checkInput(input, {
      ...pageSpec, acs_system_id: { kind: 'uuid' }, connected_account_id: { kind: 'uuid' }, space_id: { kind: 'uuid' }, location_id: { kind: 'uuid' },
      acs_entrance_ids: { kind: 'uuid_array' }, search: { kind: 'string', max: 200 },
    });
    // location_id is Seam's older name for a space id; given both, an entrance must be in both.
    const spaceIds = [...new Set([q.space_id, q.location_id].filter((id) => id !== undefined))];
    const page = spaceIds.length > 1 ? { rows: [], nextOffset: undefined } : await directory.listEntrances(workspaceId, { ...q, space_id: spaceIds[0] }, pageRequest(q));
    return { acs_entrances: await mapInOrder(page.rows, (row) => entranceJson(context, row)), pagination: paginationJson(page.nextOffset) };
  });
  apiRoute(app, context, '/acs/entrances/get', async ({ workspaceId, input }) => {
    const { acs_entrance_id } = checkInput(input, { acs_entrance_id: { kind: 'uuid', required: true } });
    const row = await directory.getEntrance(workspaceId, acs_entrance_id);
    if (row === undefined) throw notFound(`acs_entrance ${acs_entrance_id}`);
    return { acs_entrance: await entranceJson(context, row) };
  });

  /** 409 space_key_already_in_use when another live space of the workspace holds the key. */
  const spaceKeyFree = async (context: ServerContext, workspaceId: string, spaceKey: string | undefined, selfId?: string): Promise<void> => {
    if (spaceKey === undefined) return;
    const holder = await context.repo.directory.getSpaceByKey(workspaceId, spaceKey);
    if (holder !== undefined && holder.space_id !== selfId) throw conflict('space_key');
  };
  apiRoute(app, context, '/spaces/create', async ({ workspaceId, input }) => {
    const q = checkInput(input, { name: { kind: 'string', required: true, min: 1, max: 200 }, space_key: { kind: 'string', min: 1, max: 200 }, acs_entrance_ids: { kind: 'uuid_array' }, device_ids: { kind: 'uuid_array', max: 0 } });
    const row = await inTransaction(context, async (context) => {
      await entrancesOf(context, workspaceId, q.acs_entrance_ids ?? []);
      await spaceKeyFree(context, workspaceId, q.space_key);
      const space = { space_id: randomUUID(), workspace_id: workspaceId, name: q.name, space_key: q.space_key ?? null, created_at: nowIso(context) };
      await context.repo.directory.insertSpace(space);
      await context.repo.directory.addSpaceEntrances(space.space_id, q.acs_entrance_ids ?? []);
      return space;
    });
    return { space: await spaceJson(context, row) };
  });
  const spaceOf = async (context: ServerContext, workspaceId: string, spaceId: string) => {
    const row = await context.repo.directory.getSpace(workspaceId, spaceId);
    if (row === undefined) throw notFound(`space ${spaceId}`);
    return row;
  };
  apiRoute(app, context, '/spaces/get', async ({ workspaceId, input }) => {
    const q = checkInput(input, { space_id: { kind: 'uuid' }, space_key: { kind: 'string', min: 1, max: 200 } });
    if (q.space_id === undefined && q.space_key === undefined) throw invalidInput('space_id or space_key is required', [{ path: 'space_id', message: 'is required (or space_key)' }]);
    if (q.space_id !== undefined) {
      const row = await spaceOf(context, workspaceId, q.space_id);
      if (q.space_key !== undefined && row.space_key !== q.space_key) throw notFound(`space ${q.space_id} with space_key ${q.space_key}`);
      return { space: await spaceJson(context, row) };
    }
    const [row] = await directory.listSpaces(workspaceId, { space_key: q.space_key });
    if (row === undefined) throw notFound('space with this space_key');
    return { space: await spaceJson(context, row) };
  });
  apiRoute(app, context, '/spaces/list', async ({ workspaceId, input }) => {
    const q = checkInput(input, { search: { kind: 'string', max: 200 }, space_key: { kind: 'string', max: 200 } });
    return { spaces: await mapInOrder((await directory.listSpaces(workspaceId, q)), (row) => spaceJson(context, row)) };
  });
  apiRoute(app, context, '/spaces/update', async ({ workspaceId, input }) => {
    const q = checkInput(input, { space_id: { kind: 'uuid', required: true }, name: { kind: 'string', min: 1, max: 200 }, space_key: { kind: 'string', min: 1, max: 200 }, acs_entrance_ids: { kind: 'uuid_array' }, device_ids: { kind: 'uuid_array', max: 0 } });
    const row = await inTransaction(context, async (context) => {
      await spaceOf(context, workspaceId, q.space_id);
      await spaceKeyFree(context, workspaceId, q.space_key, q.space_id);
      await context.repo.directory.updateSpace(q.space_id, q);
      if (q.acs_entrance_ids !== undefined) {
        await entrancesOf(context, workspaceId, q.acs_entrance_ids);
        await context.repo.directory.removeSpaceEntrances(q.space_id, await context.repo.directory.entranceIdsOfSpace(q.space_id));
        await context.repo.directory.addSpaceEntrances(q.space_id, q.acs_entrance_ids);
      }
      return spaceOf(context, workspaceId, q.space_id);
    });
    return { space: await spaceJson(context, row) };
  });
  apiRoute(app, context, '/spaces/delete', async ({ workspaceId, input }) => {
    const { space_id } = checkInput(input, { space_id: { kind: 'uuid', required: true } });
    await inTransaction(context, async (context) => {
      await spaceOf(context, workspaceId, space_id);
      await context.repo.directory.deleteSpace(space_id, nowIso(context));
    });
    return {};
  });
  for (const [path, add] of [['/spaces/add_acs_entrances', true], ['/spaces/remove_acs_entrances', false]] as const) {
    apiRoute(app, context, path, async ({ workspaceId, input }) => {
      const q = checkInput(input, { space_id: { kind: 'uuid', required: true }, acs_entrance_ids: { kind: 'uuid_array', required: true, min: 1 } });
      await inTransaction(context, async (context) => {
        await spaceOf(context, workspaceId, q.space_id);
        await entrancesOf(context, workspaceId, q.acs_entrance_ids);
        if (add) await context.repo.directory.addSpaceEntrances(q.space_id, q.acs_entrance_ids);
        else await context.repo.directory.removeSpaceEntrances(q.space_id, q.acs_entrance_ids);
      });
      return {};
    });
  }
}
