/**
 * User identities: create (user_identity_key unique per workspace), update, delete. Deleting an
 * identity deletes its grants (revoking their credentials), revokes its links and deactivates its
 * phones, in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { nowIso, type ServerContext } from '../context.ts';
import { conflict, notFound } from '../http/errors.ts';
import type { UserIdentityRow } from '../repository/index.ts';
import { deleteGrantRow, revokeCredentials } from './revocation.ts';

export interface IdentityFields {
  full_name?: string | null | undefined;
  email_address?: string | null | undefined;
  phone_number?: string | null | undefined;
  user_identity_key?: string | null | undefined;
}

function checkKeyFree(context: ServerContext, workspaceId: string, key: string | null | undefined, selfId?: string): void {
  if (key === undefined || key === null) return;
  const holder = context.repo.identities.getUserIdentityByKey(workspaceId, key);
  if (holder !== undefined && holder.user_identity_id !== selfId) throw conflict('user_identity_key');
}

/** Call inside a transaction. */
export function createUserIdentity(context: ServerContext, workspaceId: string, fields: IdentityFields): UserIdentityRow {
  checkKeyFree(context, workspaceId, fields.user_identity_key);
  const row: UserIdentityRow = {
    user_identity_id: randomUUID(),
    workspace_id: workspaceId,
    user_identity_key: fields.user_identity_key ?? null,
    email_address: fields.email_address ?? null,
    phone_number: fields.phone_number ?? null,
    full_name: fields.full_name ?? null,
    created_at: nowIso(context),
  };
  context.repo.identities.insertUserIdentity(row);
  return row;
}

export function updateUserIdentity(context: ServerContext, workspaceId: string, id: string, fields: IdentityFields): void {
  context.repo.transaction(() => {
    if (context.repo.identities.getUserIdentity(workspaceId, id) === undefined) throw notFound(`user_identity ${id}`);
    checkKeyFree(context, workspaceId, fields.user_identity_key, id);
    context.repo.identities.updateUserIdentity(id, fields);
  });
}

export function deleteUserIdentity(context: ServerContext, workspaceId: string, id: string): void {
  context.repo.transaction(() => {
    const { identities, grants } = context.repo;
    if (identities.getUserIdentity(workspaceId, id) === undefined) throw notFound(`user_identity ${id}`);
    const at = nowIso(context);
    for (const grant of grants.liveGrantsOf(id)) deleteGrantRow(context, grant);
    for (const phone of identities.activePhonesOf(id)) {
      identities.deactivatePhone(phone.device_id, at, 'operator');
      revokeCredentials(context, grants.liveCredentialsOfPhone(phone.device_id));
    }
    identities.revokeInstantKeysOf(id, at);
    identities.deleteUserIdentity(id, at);
  });
}
