/** Seam endpoints: workspaces/get, acs/systems/*, acs/entrances/*, spaces/*. */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { nowIso, type ServerContext } from '../context.ts';
import { conflict, invalidInput, notFound } from '../http/errors.ts';
import { checkInput } from '../http/input.ts';
import { apiRoute, pageRequest, paginationJson } from '../http/route.ts';
import { acsSystemJson, entranceJson, spaceJson, workspaceJson } from '../http/serialize.ts';

const pageSpec = { limit: { kind: 'int', min: 1, max: 1000 }, page_cursor: { kind: 'string', max: 64, nullable: true } } as const;

export function registerDirectoryRoutes(app: FastifyInstance, context: ServerContext): void {
  const { directory } = context.repo;
  const entrancesOf = (workspaceId: string, ids: string[]): void => {
    for (const id of ids) if (directory.getEntrance(workspaceId, id) === undefined) throw notFound(`acs_entrance ${id}`);
  };

  apiRoute(app, context, '/workspaces/get', ({ workspaceId }) => ({ workspace: workspaceJson(directory.getWorkspace(workspaceId)!) }));

  apiRoute(app, context, '/acs/systems/list', ({ workspaceId, input }) => {
    const q = checkInput(input, { connected_account_id: { kind: 'uuid' } });
    const systems = directory.listAcsSystems(workspaceId).filter((row) => q.connected_account_id === undefined || row.connected_account_id === q.connected_account_id);
    return { acs_systems: systems.map(acsSystemJson) };
  });
  apiRoute(app, context, '/acs/systems/get', ({ workspaceId, input }) => {
    const { acs_system_id } = checkInput(input, { acs_system_id: { kind: 'uuid', required: true } });
    const row = directory.getAcsSystem(workspaceId, acs_system_id);
    if (row === undefined) throw notFound(`acs_system ${acs_system_id}`);
    return { acs_system: acsSystemJson(row) };
  });

  apiRoute(app, context, '/acs/entrances/list', ({ workspaceId, input }) => {
    const q = checkInput(input, {
      ...pageSpec, acs_system_id: { kind: 'uuid' }, connected_account_id: { kind: 'uuid' }, space_id: { kind: 'uuid' }, location_id: { kind: 'uuid' },
      acs_entrance_ids: { kind: 'uuid_array' }, search: { kind: 'string', max: 200 },
    });
    // location_id is Seam's older name for a space id; given both, an entrance must be in both.
    const spaceIds = [...new Set([q.space_id, q.location_id].filter((id) => id !== undefined))];
    const page = spaceIds.length > 1 ? { rows: [], nextOffset: undefined } : directory.listEntrances(workspaceId, { ...q, space_id: spaceIds[0] }, pageRequest(q));
    return { acs_entrances: page.rows.map((row) => entranceJson(context, row)), pagination: paginationJson(page.nextOffset) };
  });
  apiRoute(app, context, '/acs/entrances/get', ({ workspaceId, input }) => {
    const { acs_entrance_id } = checkInput(input, { acs_entrance_id: { kind: 'uuid', required: true } });
    const row = directory.getEntrance(workspaceId, acs_entrance_id);
    if (row === undefined) throw notFound(`acs_entrance ${acs_entrance_id}`);
    return { acs_entrance: entranceJson(context, row) };
  });

  /** 409 space_key_already_in_use when another live space of the workspace holds the key. */
  const spaceKeyFree = (workspaceId: string, spaceKey: string | undefined, selfId?: string): void => {
    if (spaceKey === undefined) return;
    const holder = directory.getSpaceByKey(workspaceId, spaceKey);
    if (holder !== undefined && holder.space_id !== selfId) throw conflict('space_key');
  };
  apiRoute(app, context, '/spaces/create', ({ workspaceId, input }) => {
    const q = checkInput(input, { name: { kind: 'string', required: true, min: 1, max: 200 }, space_key: { kind: 'string', min: 1, max: 200 }, acs_entrance_ids: { kind: 'uuid_array' }, device_ids: { kind: 'uuid_array', max: 0 } });
    const row = context.repo.transaction(() => {
      entrancesOf(workspaceId, q.acs_entrance_ids ?? []);
      spaceKeyFree(workspaceId, q.space_key);
      const space = { space_id: randomUUID(), workspace_id: workspaceId, name: q.name, space_key: q.space_key ?? null, created_at: nowIso(context) };
      directory.insertSpace(space);
      directory.addSpaceEntrances(space.space_id, q.acs_entrance_ids ?? []);
      return space;
    });
    return { space: spaceJson(context, row) };
  });
  const spaceOf = (workspaceId: string, spaceId: string) => {
    const row = directory.getSpace(workspaceId, spaceId);
    if (row === undefined) throw notFound(`space ${spaceId}`);
    return row;
  };
  apiRoute(app, context, '/spaces/get', ({ workspaceId, input }) => {
    const q = checkInput(input, { space_id: { kind: 'uuid' }, space_key: { kind: 'string', min: 1, max: 200 } });
    if (q.space_id === undefined && q.space_key === undefined) throw invalidInput('space_id or space_key is required', [{ path: 'space_id', message: 'is required (or space_key)' }]);
    if (q.space_id !== undefined) {
      const row = spaceOf(workspaceId, q.space_id);
      if (q.space_key !== undefined && row.space_key !== q.space_key) throw notFound(`space ${q.space_id} with space_key ${q.space_key}`);
      return { space: spaceJson(context, row) };
    }
    const [row] = directory.listSpaces(workspaceId, { space_key: q.space_key });
    if (row === undefined) throw notFound('space with this space_key');
    return { space: spaceJson(context, row) };
  });
  apiRoute(app, context, '/spaces/list', ({ workspaceId, input }) => {
    const q = checkInput(input, { search: { kind: 'string', max: 200 }, space_key: { kind: 'string', max: 200 } });
    return { spaces: directory.listSpaces(workspaceId, q).map((row) => spaceJson(context, row)) };
  });
  apiRoute(app, context, '/spaces/update', ({ workspaceId, input }) => {
    const q = checkInput(input, { space_id: { kind: 'uuid', required: true }, name: { kind: 'string', min: 1, max: 200 }, space_key: { kind: 'string', min: 1, max: 200 }, acs_entrance_ids: { kind: 'uuid_array' }, device_ids: { kind: 'uuid_array', max: 0 } });
    const row = context.repo.transaction(() => {
      spaceOf(workspaceId, q.space_id);
      spaceKeyFree(workspaceId, q.space_key, q.space_id);
      directory.updateSpace(q.space_id, q);
      if (q.acs_entrance_ids !== undefined) {
        entrancesOf(workspaceId, q.acs_entrance_ids);
        directory.removeSpaceEntrances(q.space_id, directory.entranceIdsOfSpace(q.space_id));
        directory.addSpaceEntrances(q.space_id, q.acs_entrance_ids);
      }
      return spaceOf(workspaceId, q.space_id);
    });
    return { space: spaceJson(context, row) };
  });
  apiRoute(app, context, '/spaces/delete', ({ workspaceId, input }) => {
    const { space_id } = checkInput(input, { space_id: { kind: 'uuid', required: true } });
    context.repo.transaction(() => {
      spaceOf(workspaceId, space_id);
      directory.deleteSpace(space_id, nowIso(context));
    });
    return {};
  });
  for (const [path, add] of [['/spaces/add_acs_entrances', true], ['/spaces/remove_acs_entrances', false]] as const) {
    apiRoute(app, context, path, ({ workspaceId, input }) => {
      const q = checkInput(input, { space_id: { kind: 'uuid', required: true }, acs_entrance_ids: { kind: 'uuid_array', required: true, min: 1 } });
      context.repo.transaction(() => {
        spaceOf(workspaceId, q.space_id);
        entrancesOf(workspaceId, q.acs_entrance_ids);
        if (add) directory.addSpaceEntrances(q.space_id, q.acs_entrance_ids);
        else directory.removeSpaceEntrances(q.space_id, q.acs_entrance_ids);
      });
      return {};
    });
  }
}
