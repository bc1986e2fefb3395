/** Seam endpoints: user_identities/*, instant_keys/*, phones/* (client_sessions/*: client-sessions.ts). */
import type { FastifyInstance } from 'fastify';
import { inTransaction, mapInOrder, type ServerContext } from '../context.ts';
import { invalidInput, notFound } from '../http/errors.ts';
import { checkInput } from '../http/input.ts';
import { apiRoute, pageRequest, paginationJson } from '../http/route.ts';
import { instantKeyJson, phoneJson, userIdentityJson } from '../http/serialize.ts';
import { codeFromInstantKeyUrl, hashToken } from '../issuance/tokens.ts';
import { profileOf } from '../services/customization.ts';
import { createUserIdentity, deleteUserIdentity, updateUserIdentity } from '../services/identities.ts';
import { createInstantKey } from '../services/instant-keys.ts';
import { deactivatePhone, revokeInstantKey } from '../services/phones.ts';

export const identitySpec = {
  full_name: { kind: 'string', min: 1, max: 200, nullable: true },
  email_address: { kind: 'email', max: 320, nullable: true },
  phone_number: { kind: 'phone', nullable: true },
  user_identity_key: { kind: 'string', min: 1, max: 200, nullable: true },
} as const;

export function registerIdentityRoutes(app: FastifyInstance, context: ServerContext): void {
  const { identities } = context.repo;
  const identityOf = async (context: ServerContext, workspaceId: string, id: string) => {
    const row = await context.repo.identities.getUserIdentity(workspaceId, id);
    if (row === undefined) throw notFound(`user_identity ${id}`);
    return row;
  };

  apiRoute(app, context, '/user_identities/create', async ({ workspaceId, input }) => {
    const q = checkInput(input, { ...identitySpec, acs_system_ids: { kind: 'uuid_array' } });
    const row = await inTransaction(context, async (context) => {
      for (const id of q.acs_system_ids ?? []) if (await context.repo.directory.getAcsSystem(workspaceId, id) === undefined) throw notFound(`acs_system ${id}`);
      return createUserIdentity(context, workspaceId, q);
    });
    return { user_identity: userIdentityJson(row) };
  });
  apiRoute(app, context, '/user_identities/get', async ({ workspaceId, input }) => {
    const q = checkInput(input, { user_identity_id: { kind: 'uuid' }, user_identity_key: { kind: 'string', min: 1, max: 200 } });
    if (q.user_identity_id === undefined && q.user_identity_key === undefined) throw invalidInput('user_identity_id is required', [{ path: 'user_identity_id', message: 'is required' }]);
    const row = q.user_identity_id !== undefined ? await identities.getUserIdentity(workspaceId, q.user_identity_id) : await identities.getUserIdentityByKey(workspaceId, q.user_identity_key!);
    if (row === undefined) throw notFound('user_identity');
    return { user_identity: userIdentityJson(row) };
  });
  apiRoute(app, context, '/user_identities/list', async ({ workspaceId, input }) => {
    const q = checkInput(input, {
      limit: { kind: 'int', min: 1, max: 1000 }, page_cursor: { kind: 'string', max: 64, nullable: true }, search: { kind: 'string', max: 200 },
      user_identity_ids: { kind: 'uuid_array' }, created_before: { kind: 'datetime' }, credential_manager_acs_system_id: { kind: 'uuid' },
    });
    const page = await identities.listUserIdentities(workspaceId, q, pageRequest(q));
    return { user_identities: page.rows.map(userIdentityJson), pagination: paginationJson(page.nextOffset) };
  });
  apiRoute(app, context, '/user_identities/update', async ({ workspaceId, input }) => {
    const q = checkInput(input, { ...identitySpec, user_identity_id: { kind: 'uuid', required: true } });
    await updateUserIdentity(context, workspaceId, q.user_identity_id, q);
    return {};
  });
  apiRoute(app, context, '/user_identities/delete', async ({ workspaceId, input }) => {
    const { user_identity_id } = checkInput(input, { user_identity_id: { kind: 'uuid', required: true } });
    await deleteUserIdentity(context, workspaceId, user_identity_id);
    return {};
  });
  apiRoute(app, context, '/user_identities/generate_instant_key', async ({ workspaceId, input }) => {
    const q = checkInput(input, { user_identity_id: { kind: 'uuid', required: true }, max_use_count: { kind: 'int', min: 1, max: 1000 }, customization_profile_id: { kind: 'uuid' } });
    const row = await inTransaction(context, async (context) => {
      await identityOf(context, workspaceId, q.user_identity_id);
      if (q.customization_profile_id !== undefined) await profileOf(context, workspaceId, q.customization_profile_id); // 404, not a dangling id
      return createInstantKey(context, workspaceId, q.user_identity_id, { maxUseCount: q.max_use_count, customizationProfileId: q.customization_profile_id });
    });
    return { instant_key: await instantKeyJson(context, row) };
  });

  apiRoute(app, context, '/instant_keys/get', async ({ workspaceId, input }) => {
    const q = checkInput(input, { instant_key_id: { kind: 'uuid' }, instant_key_url: { kind: 'string', min: 1, max: 500 } });
    if (q.instant_key_id === undefined && q.instant_key_url === undefined) throw invalidInput('instant_key_id or instant_key_url is required', [{ path: 'instant_key_id', message: 'is required' }]);
    const byUrl = q.instant_key_url !== undefined ? await identities.instantKeyByCodeHash(hashToken(codeFromInstantKeyUrl(q.instant_key_url))) : undefined;
    const row = q.instant_key_id !== undefined ? await identities.getInstantKey(workspaceId, q.instant_key_id) : byUrl && await identities.getInstantKey(workspaceId, byUrl.instant_key_id);
    if (row === undefined) throw notFound('instant_key');
    return { instant_key: await instantKeyJson(context, row) };
  });
  apiRoute(app, context, '/instant_keys/list', async ({ workspaceId, input }) => {
    const q = checkInput(input, { user_identity_id: { kind: 'uuid' } });
    return { instant_keys: await mapInOrder(await identities.listInstantKeys(workspaceId, q.user_identity_id), (row) => instantKeyJson(context, row)) };
  });

  apiRoute(app, context, '/instant_keys/delete', async ({ workspaceId, input }) => {
    const { instant_key_id } = checkInput(input, { instant_key_id: { kind: 'uuid', required: true } });
    await revokeInstantKey(context, workspaceId, instant_key_id);
    return {};
  });

  apiRoute(app, context, '/phones/list', async ({ workspaceId, input }) => {
    const q = checkInput(input, { owner_user_identity_id: { kind: 'uuid' }, acs_credential_id: { kind: 'uuid' } });
    return { phones: (await identities.listPhones(workspaceId, q.owner_user_identity_id)).map(phoneJson) };
  });
  apiRoute(app, context, '/phones/get', async ({ workspaceId, input }) => {
    const { device_id } = checkInput(input, { device_id: { kind: 'uuid', required: true } });
    const row = await identities.getPhone(workspaceId, device_id);
    if (row === undefined) throw notFound(`phone ${device_id}`);
    return { phone: phoneJson(row) };
  });
  apiRoute(app, context, '/phones/deactivate', async ({ workspaceId, input, clientSession }) => {
    const { device_id } = checkInput(input, { device_id: { kind: 'uuid', required: true } });
    await deactivatePhone(context, workspaceId, device_id, { byGuest: clientSession !== undefined });
    return {};
  });
}
