/**
 * Tenants without internal code: workspaces (each with one ACS system for its virtual locks), API
 * keys (create, list, revoke), and personal access tokens — an operator's `seam_at1_…` token that
 * creates workspaces through `workspaces/create` and acts on the ones it created (with a
 * `seam-workspace` header, as Seam's SDK sends). Secrets are shown once and stored as SHA-256
 * hashes; listings carry an id and the first characters only. A revoked key or token stops working
 * on the next request (lookups skip revoked rows).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { inTransaction, nowIso, type ServerContext } from '../context.ts';
import { notFound } from '../http/errors.ts';
import { hashToken, newApiKey } from '../issuance/tokens.ts';
import { addEntrance } from '../provision.ts';
import type { ApiKeyRow, PersonalAccessTokenRow, WorkspaceRow } from '../repository/index.ts';

export const personalAccessTokenPrefix = 'seam_at1_';
/** How much of a secret a listing shows: the prefix and a few random characters. */
const shortTokenOf = (secret: string, prefixLength: number): string => secret.slice(0, prefixLength + 4);

export interface NewWorkspace {
  name: string;
  companyName?: string | undefined;
  isSandbox?: boolean | undefined;
  createdByTokenId?: string | undefined;
  /** Virtual doors to provision ("Door 1" …); they start with the next `latchkey up`. */
  doors?: number | undefined;
}

export async function createTenantWorkspace(context: ServerContext, input: NewWorkspace): Promise<WorkspaceRow> {
  return inTransaction(context, async (context) => {
    const { directory } = context.repo;
    const at = nowIso(context);
    const row: WorkspaceRow = {
      workspace_id: randomUUID(), name: input.name, company_name: input.companyName ?? input.name, is_sandbox: input.isSandbox === false ? 0 : 1,
      created_at: at, created_by_token_id: input.createdByTokenId ?? null,
    };
    await directory.insertWorkspace(row);
    const acsSystemId = randomUUID();
    await directory.insertAcsSystem({ acs_system_id: acsSystemId, workspace_id: row.workspace_id, connected_account_id: randomUUID(), name: `${input.name} locks`, time_zone: 'UTC', created_at: at });
    for (let i = 1; i <= (input.doors ?? 0); i++) await addEntrance(context, row.workspace_id, acsSystemId, { name: `Door ${i}`, shared: false });
    return row;
  });
}

export async function workspaceOf(context: ServerContext, workspaceId: string): Promise<WorkspaceRow> {
  const row = await context.repo.directory.getWorkspace(workspaceId);
  if (row === undefined) throw notFound(`workspace ${workspaceId}`);
  return row;
}

/** A new API key for the workspace: the secret (shown once) and its listing row. */
export async function createApiKey(context: ServerContext, workspaceId: string, name?: string | null): Promise<{ secret: string; row: ApiKeyRow }> {
  const secret = newApiKey();
  const row: ApiKeyRow = { api_key_id: randomUUID(), workspace_id: workspaceId, name: name ?? null, short_token: shortTokenOf(secret, 'seam_lk1_'.length), created_at: nowIso(context), revoked_at: null };
  await inTransaction(context, async (context) => {
    await workspaceOf(context, workspaceId);
    await context.repo.directory.insertApiKey(hashToken(secret), workspaceId, row.created_at, { apiKeyId: row.api_key_id, name: row.name, shortToken: row.short_token });
  });
  return { secret, row };
}

export async function revokeApiKey(context: ServerContext, workspaceId: string, apiKeyId: string): Promise<void> {
  await inTransaction(context, async (context) => {
    if (await context.repo.accessKeys.getApiKey(workspaceId, apiKeyId) === undefined) throw notFound(`api_key ${apiKeyId}`);
    await context.repo.accessKeys.revokeApiKey(apiKeyId, nowIso(context));
  });
}

export async function createPersonalAccessToken(context: ServerContext, name?: string | null): Promise<{ secret: string; row: PersonalAccessTokenRow }> {
  const secret = `${personalAccessTokenPrefix}${randomBytes(24).toString('base64url')}`;
  const row: PersonalAccessTokenRow = { personal_access_token_id: randomUUID(), name: name ?? null, short_token: shortTokenOf(secret, personalAccessTokenPrefix.length), created_at: nowIso(context), revoked_at: null };
  await inTransaction(context, async (context) => context.repo.accessKeys.insertPersonalAccessToken({ ...row, token_hash: hashToken(secret) }));
  return { secret, row };
}

export async function revokePersonalAccessToken(context: ServerContext, id: string): Promise<void> {
  await inTransaction(context, async (context) => {
    if (await context.repo.accessKeys.getPersonalAccessToken(id) === undefined) throw notFound(`personal_access_token ${id}`);
    await context.repo.accessKeys.revokePersonalAccessToken(id, nowIso(context));
  });
}

export function apiKeyJson(row: ApiKeyRow) {
  return { api_key_id: row.api_key_id, workspace_id: row.workspace_id, name: row.name, short_token: row.short_token, created_at: row.created_at };
}

export function personalAccessTokenJson(row: PersonalAccessTokenRow) {
  return { personal_access_token_id: row.personal_access_token_id, name: row.name, short_token: row.short_token, created_at: row.created_at };
}
