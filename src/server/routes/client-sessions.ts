/**
 * Seam endpoints client_sessions/create, get, list, get_or_create, grant_access, revoke, delete
 * (@seamapi/types 1.724.0 has no client_sessions/update). A session may carry several user
 * identities (create with one, add more with grant_access). `revoke` kills the token at once and the
 * session stays listed (its expires_at becomes the revocation time); `delete` kills the token and
 * removes the session from get/list. A client-session token may call `get` for its own session only
 * (http/client-session-scope.ts); the others need an API key.
 */
import type { FastifyInstance } from 'fastify';
import { mapInOrder, type ServerContext } from '../context.ts';
import { invalidInput, notFound } from '../http/errors.ts';
import { checkInput } from '../http/input.ts';
import { apiRoute } from '../http/route.ts';
import { clientSessionJson } from '../http/serialize.ts';
import { createSession, deleteSession, getOrCreateSession, grantSessionAccess, revokeSession, sessionOf } from '../services/client-sessions.ts';

/** Seam's user_identity_id / deprecated user_identity_ids (at most one item) pair. */
const identityFields = {
  user_identity_id: { kind: 'uuid' },
  user_identity_ids: { kind: 'uuid_array', min: 1, max: 1 },
  user_identifier_key: { kind: 'string', min: 1, max: 200 },
} as const;
/** Connect Webviews and connected accounts do not exist in latchkey: only empty lists are accepted. */
const connectFields = { connected_account_ids: { kind: 'uuid_array', max: 0 }, connect_webview_ids: { kind: 'uuid_array', max: 0 } } as const;

function identityIdsOf(q: { user_identity_id?: string | undefined; user_identity_ids?: string[] | undefined }): string[] {
  return [...new Set([...(q.user_identity_id !== undefined ? [q.user_identity_id] : []), ...(q.user_identity_ids ?? [])])];
}

export function registerClientSessionRoutes(app: FastifyInstance, context: ServerContext): void {
  const { sessions } = context.repo;

  apiRoute(app, context, '/client_sessions/create', async ({ workspaceId, input }) => {
    const q = checkInput(input, { ...identityFields, ...connectFields, customer_key: { kind: 'string', min: 1, max: 200 }, expires_at: { kind: 'datetime' } });
    const row = await createSession(context, workspaceId, { userIdentityIds: identityIdsOf(q), userIdentifierKey: q.user_identifier_key, customerKey: q.customer_key, expiresAt: q.expires_at });
    return { client_session: await clientSessionJson(context, row) };
  });

  apiRoute(app, context, '/client_sessions/get_or_create', async ({ workspaceId, input }) => {
    const q = checkInput(input, { ...identityFields, ...connectFields, expires_at: { kind: 'datetime' } });
    const row = await getOrCreateSession(context, workspaceId, { userIdentityIds: identityIdsOf(q), userIdentifierKey: q.user_identifier_key, expiresAt: q.expires_at });
    return { client_session: await clientSessionJson(context, row) };
  });

  apiRoute(app, context, '/client_sessions/get', async ({ workspaceId, input }) => {
    const q = checkInput(input, { client_session_id: { kind: 'uuid' }, user_identifier_key: { kind: 'string', min: 1, max: 200 } });
    if (q.client_session_id !== undefined) {
      const row = await sessionOf(context, workspaceId, q.client_session_id);
      if (q.user_identifier_key !== undefined && row.user_identifier_key !== q.user_identifier_key) throw notFound(`client_session ${q.client_session_id}`);
      return { client_session: await clientSessionJson(context, row) };
    }
    if (q.user_identifier_key === undefined) throw invalidInput('client_session_id or user_identifier_key is required', [{ path: 'client_session_id', message: 'client_session_id or user_identifier_key is required' }]);
    const rows = await sessions.listClientSessions(workspaceId, { user_identifier_key: q.user_identifier_key });
    const row = rows[rows.length - 1];
    if (row === undefined) throw notFound('client_session');
    return { client_session: await clientSessionJson(context, row) };
  });

  apiRoute(app, context, '/client_sessions/list', async ({ workspaceId, input }) => {
    const q = checkInput(input, {
      client_session_id: { kind: 'uuid' }, user_identifier_key: { kind: 'string', min: 1, max: 200 }, user_identity_id: { kind: 'uuid' },
      without_user_identifier_key: { kind: 'bool' }, connect_webview_id: { kind: 'uuid' },
    });
    if (q.connect_webview_id !== undefined) return { client_sessions: [] }; // no Connect Webviews in latchkey: no session has one
    return { client_sessions: await mapInOrder((await sessions.listClientSessions(workspaceId, q)), (row) => clientSessionJson(context, row)) };
  });

  apiRoute(app, context, '/client_sessions/grant_access', async ({ workspaceId, input }) => {
    const q = checkInput(input, { ...identityFields, ...connectFields, client_session_id: { kind: 'uuid', required: true } });
    await grantSessionAccess(context, workspaceId, q.client_session_id, { userIdentityIds: identityIdsOf(q), userIdentifierKey: q.user_identifier_key });
    return { client_session: await clientSessionJson(context, await sessionOf(context, workspaceId, q.client_session_id)) };
  });

  apiRoute(app, context, '/client_sessions/revoke', async ({ workspaceId, input }) => {
    const { client_session_id } = checkInput(input, { client_session_id: { kind: 'uuid', required: true } });
    await revokeSession(context, workspaceId, client_session_id);
    return {};
  });

  apiRoute(app, context, '/client_sessions/delete', async ({ workspaceId, input }) => {
    const { client_session_id } = checkInput(input, { client_session_id: { kind: 'uuid', required: true } });
    await deleteSession(context, workspaceId, client_session_id);
    return {};
  });
}
