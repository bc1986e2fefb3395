/**
 * Client sessions as Seam has them (client_sessions/create, get_or_create, grant_access, revoke,
 * delete) and the caller a client-session token stands for. A session may act for several user
 * identities (a join table; the first one is also `client_sessions.user_identity_id`, the identity
 * the Instant Key app registers phones for). Revoking or deleting a session kills its token on the
 * next request: the token lookup skips such sessions (repository/sqlite-identities.ts).
 *
 * Lifetimes are unchanged: a session made through the API lives `clientSessionLifetimeMs`
 * (services/instant-keys.ts) unless `expires_at` says otherwise; an Instant Key link's session lives
 * by its link and idle deadline (services/phones.ts).
 */
import { inTransaction, nowIso, type ServerContext } from '../context.ts';
import { invalidInput, notFound, unauthorized } from '../http/errors.ts';
import { hashToken } from '../issuance/tokens.ts';
import type { ClientSessionRow } from '../repository/index.ts';
import { createClientSession } from './instant-keys.ts';
import { sessionFromToken } from './phones.ts';

/** Who a client-session token acts for: one workspace, one session, its live identities. */
export interface ClientSessionCaller {
  workspaceId: string;
  clientSessionId: string;
  userIdentityIds: string[];
}

export interface SessionIdentityInput {
  userIdentityIds: string[];
  userIdentifierKey?: string | undefined;
}

async function liveIdentity(context: ServerContext, workspaceId: string, id: string): Promise<void> {
  if (await context.repo.identities.getUserIdentity(workspaceId, id) === undefined) throw notFound(`user_identity ${id}`);
}

function futureExpiry(context: ServerContext, expiresAt: string | undefined): void {
  if (expiresAt !== undefined && Date.parse(expiresAt) <= context.clock()) throw invalidInput('expires_at must be in the future', [{ path: 'expires_at', message: 'must be in the future' }]);
}

export async function sessionOf(context: ServerContext, workspaceId: string, clientSessionId: string): Promise<ClientSessionRow> {
  const row = await context.repo.identities.getClientSession(workspaceId, clientSessionId);
  if (row === undefined) throw notFound(`client_session ${clientSessionId}`);
  return row;
}

export function createSession(
  context: ServerContext,
  workspaceId: string,
  input: SessionIdentityInput & { customerKey?: string | undefined; expiresAt?: string | undefined },
): Promise<ClientSessionRow> {
  futureExpiry(context, input.expiresAt);
  return inTransaction(context, async (context) => {
    for (const id of input.userIdentityIds) await liveIdentity(context, workspaceId, id);
    const [first, ...rest] = input.userIdentityIds;
    const row = await createClientSession(context, workspaceId, {
      userIdentityId: first ?? null, userIdentifierKey: input.userIdentifierKey ?? null, customerKey: input.customerKey ?? null, ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
    });
    for (const id of rest) await context.repo.sessions.addSessionIdentity(row.client_session_id, id, row.created_at);
    return row;
  });
}

/** Adds identities (and a user_identifier_key) to a session. A revoked session stays revoked. */
async function associate(context: ServerContext, session: ClientSessionRow, input: SessionIdentityInput): Promise<void> {
  const { sessions } = context.repo;
  for (const id of input.userIdentityIds) {
    await liveIdentity(context, session.workspace_id, id);
    await sessions.addSessionIdentity(session.client_session_id, id, nowIso(context));
    await sessions.setPrimaryIdentityIfNone(session.client_session_id, id);
  }
  if (input.userIdentifierKey !== undefined && input.userIdentifierKey !== session.user_identifier_key) {
    if (session.user_identifier_key !== null) {
      throw invalidInput('the client session already has another user_identifier_key', [{ path: 'user_identifier_key', message: 'differs from the session\'s user_identifier_key' }]);
    }
    await sessions.setUserIdentifierKey(session.client_session_id, input.userIdentifierKey);
  }
}

/**
 * The usable API-made session for this user_identifier_key (else for this identity), with the given
 * identities added and `expires_at` applied; or a new session. Link sessions are never returned:
 * they die with their link.
 */
export async function getOrCreateSession(context: ServerContext, workspaceId: string, input: SessionIdentityInput & { expiresAt?: string | undefined }): Promise<ClientSessionRow> {
  futureExpiry(context, input.expiresAt);
  if (input.userIdentifierKey === undefined && input.userIdentityIds.length === 0) {
    throw invalidInput('user_identifier_key or user_identity_id is required', [{ path: 'user_identifier_key', message: 'user_identifier_key or user_identity_id is required' }]);
  }
  return inTransaction(context, async (context) => {
    const { sessions } = context.repo;
    const now = nowIso(context);
    for (const id of input.userIdentityIds) await liveIdentity(context, workspaceId, id);
    const existing = input.userIdentifierKey !== undefined
      ? await sessions.liveSessionByUserIdentifierKey(workspaceId, input.userIdentifierKey, now)
      : await sessions.liveApiSessionOfIdentity(workspaceId, input.userIdentityIds[0]!, now);
    if (existing === undefined || await context.repo.identities.instantKeyOfSession(existing.client_session_id) !== undefined) {
      return createSession(context, workspaceId, { ...input });
    }
    await associate(context, existing, input);
    if (input.expiresAt !== undefined) await context.repo.identities.setClientSessionExpiry(existing.client_session_id, input.expiresAt);
    return sessionOf(context, workspaceId, existing.client_session_id);
  });
}

export async function grantSessionAccess(context: ServerContext, workspaceId: string, clientSessionId: string, input: SessionIdentityInput): Promise<void> {
  await inTransaction(context, async (context) => {
    const session = await sessionOf(context, workspaceId, clientSessionId);
    if (session.revoked_at != null) throw invalidInput('the client session is revoked', [{ path: 'client_session_id', message: 'is revoked' }]);
    if (await context.repo.identities.instantKeyOfSession(clientSessionId) !== undefined && input.userIdentityIds.some((id) => id !== session.user_identity_id)) {
      // A link's session acts for the link's identity only: the link's holder must not gain another guest's keys.
      throw invalidInput('an Instant Key link\'s client session acts for its own user identity only', [{ path: 'user_identity_id', message: 'not the identity of this Instant Key link' }]);
    }
    await associate(context, session, input);
  });
}

export async function revokeSession(context: ServerContext, workspaceId: string, clientSessionId: string): Promise<void> {
  await inTransaction(context, async (context) => {
    await sessionOf(context, workspaceId, clientSessionId);
    await context.repo.sessions.revokeClientSession(clientSessionId, nowIso(context));
  });
}

export async function deleteSession(context: ServerContext, workspaceId: string, clientSessionId: string): Promise<void> {
  await inTransaction(context, async (context) => {
    await sessionOf(context, workspaceId, clientSessionId);
    await context.repo.sessions.deleteClientSession(clientSessionId, nowIso(context));
  });
}

/**
 * The caller of a client-session token, or 401: unknown, revoked, deleted or expired session; an
 * Instant Key link's session also goes through the link's checks (services/phones.ts: revoked,
 * expired, identity deleted, grants gone), which move its idle deadline on.
 */
export async function clientSessionCaller(context: ServerContext, token: string): Promise<ClientSessionCaller> {
  const { identities, sessions } = context.repo;
  const session = await identities.clientSessionByTokenHash(hashToken(token));
  if (session === undefined || session.expires_at <= nowIso(context)) throw unauthorized('client session token is unknown, expired or revoked');
  if (await identities.instantKeyOfSession(session.client_session_id) !== undefined) await sessionFromToken(context, token);
  return { workspaceId: session.workspace_id, clientSessionId: session.client_session_id, userIdentityIds: await sessions.identityIdsOfSession(session.client_session_id) };
}
