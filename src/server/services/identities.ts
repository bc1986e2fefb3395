/**
 * User identities: create (user_identity_key unique per workspace), update, delete. Deleting an
 * identity deletes its grants (revoking their credentials), revokes its links and deactivates its
 * phones, in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { inTransaction, nowIso, type ServerContext } from '../context.ts';
import { conflict, notFound } from '../http/errors.ts';
import type { UserIdentityRow } from '../repository/index.ts';
import { deleteGrantRow, revokeCredentials } from './revocation.ts';

export interface IdentityFields {
  full_name?: string | null | undefined;
  email_address?: string | null | undefined;
  phone_number?: string | null | undefined;
  user_identity_key?: string | null | undefined;
}

async function checkKeyFree(context: ServerContext, workspaceId: string, key: string | null | undefined, selfId?: string): Promise<void> {
  if (key === undefined || key === null) return;
  const holder = await context.repo.identities.getUserIdentityByKey(workspaceId, key);
  if (holder !== undefined && holder.user_identity_id !== selfId) throw conflict('user_identity_key');
}

/** Call inside a transaction. */
export async function createUserIdentity(context: ServerContext, workspaceId: string, fields: IdentityFields): Promise<UserIdentityRow> {
  await checkKeyFree(context, workspaceId, fields.user_identity_key);
  const row: UserIdentityRow = {
    user_identity_id: randomUUID(),
    workspace_id: workspaceId,
    user_identity_key: fields.user_identity_key ?? null,
    email_address: fields.email_address ?? null,
    phone_number: fields.phone_number ?? null,
    full_name: fields.full_name ?? null,
    created_at: nowIso(context),
  };
  await context.repo.identities.insertUserIdentity(row);
  return row;
}

export async function updateUserIdentity(context: ServerContext, workspaceId: string, id: string, fields: IdentityFields): Promise<void> {
  await inTransaction(context, async (context) => {
    if (await context.repo.identities.getUserIdentity(workspaceId, id) === undefined) throw notFound(`user_identity ${id}`);
    await checkKeyFree(context, workspaceId, fields.user_identity_key, id);
    await context.repo.identities.updateUserIdentity(id, fields);
  });
}

export async function deleteUserIdentity(context: ServerContext, workspaceId: string, id: string): Promise<void> {
  await inTransaction(context, async (context) => {
    const { identities, grants } = context.repo;
    if (await identities.getUserIdentity(workspaceId, id) === undefined) throw notFound(`user_identity ${id}`);
    const at = nowIso(context);
    for (const grant of await grants.liveGrantsOf(id)) await deleteGrantRow(context, grant);
    for (const phone of await identities.activePhonesOf(id)) {
      await identities.deactivatePhone(phone.device_id, at, 'operator');
      await revokeCredentials(context, await grants.liveCredentialsOfPhone(phone.device_id));
    }
    await identities.revokeInstantKeysOf(id, at);
    await identities.deleteUserIdentity(id, at);
  });
}
