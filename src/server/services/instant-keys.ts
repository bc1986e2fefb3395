/**
 * Instant Keys and client sessions. A link belongs to one user identity; each link has its own
 * client session (the token the Instant Key app uses). A `mobile_key` grant reuses the identity's
 * newest live link, so one URL shows every grant ("reissue automatically").
 */
import { randomUUID } from 'node:crypto';
import { nowIso, type ServerContext } from '../context.ts';
import { clientSessionToken, hashToken, instantKeyCode } from '../issuance/tokens.ts';
import type { ClientSessionRow, InstantKeyRow } from '../repository/index.ts';

export const clientSessionLifetimeMs = 365 * 86400_000;
/** A link with no grant yet (generate_instant_key) lives this long. */
export const instantKeyDefaultLifetimeMs = 86400_000;

export async function createClientSession(
  context: ServerContext,
  workspaceId: string,
  options: { userIdentityId: string | null; userIdentifierKey?: string | null; customerKey?: string | null; expiresAt?: string },
): Promise<ClientSessionRow> {
  const id = randomUUID();
  const row: ClientSessionRow = {
    client_session_id: id,
    workspace_id: workspaceId,
    token_hash: hashToken(clientSessionToken(context.secrets.tokenSecret, id)),
    user_identity_id: options.userIdentityId,
    user_identifier_key: options.userIdentifierKey ?? null,
    customer_key: options.customerKey ?? null,
    created_at: nowIso(context),
    expires_at: options.expiresAt ?? new Date(context.clock() + clientSessionLifetimeMs).toISOString(),
  };
  await context.repo.identities.insertClientSession(row);
  if (options.userIdentityId !== null) await context.repo.sessions.addSessionIdentity(id, options.userIdentityId, row.created_at);
  return row;
}

export async function createInstantKey(
  context: ServerContext,
  workspaceId: string,
  userIdentityId: string,
  options: { maxUseCount?: number | undefined; customizationProfileId?: string | undefined } = {},
): Promise<InstantKeyRow> {
  const session = await createClientSession(context, workspaceId, { userIdentityId });
  const id = randomUUID();
  const row: InstantKeyRow = {
    instant_key_id: id,
    workspace_id: workspaceId,
    user_identity_id: userIdentityId,
    client_session_id: session.client_session_id,
    code_hash: '',
    customization_profile_id: options.customizationProfileId ?? null,
    max_use_count: options.maxUseCount ?? null,
    use_count: 0,
    created_at: nowIso(context),
    default_expires_at: new Date(context.clock() + instantKeyDefaultLifetimeMs).toISOString(),
    revoked_at: null,
  };
  row.code_hash = codeHashOf(context, id);
  await context.repo.identities.insertInstantKey(row);
  return row;
}

/** The link code is derived from the id (tokens.ts); only its hash is stored. */
export function codeHashOf(context: ServerContext, instantKeyId: string): string {
  return hashToken(instantKeyCode(context.secrets.tokenSecret, instantKeyId));
}

export async function instantKeyForGrant(context: ServerContext, workspaceId: string, userIdentityId: string): Promise<InstantKeyRow> {
  return await context.repo.identities.latestInstantKeyOf(userIdentityId) ?? await createInstantKey(context, workspaceId, userIdentityId);
}
