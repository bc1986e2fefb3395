/**
 * Client sessions beyond their row (sqlite-identities.ts has insert and token lookup): the user
 * identities a session acts for (a session may carry several, as Seam allows), listing, revocation
 * and deletion. Every read takes the workspace id.
 */
import { type Sql } from './sqlite-base.ts';
import type { ClientSessionRow } from './types.ts';

export interface ClientSessionFilter {
  client_session_id?: string | undefined;
  user_identifier_key?: string | undefined;
  user_identity_id?: string | undefined;
  without_user_identifier_key?: boolean | undefined;
}

const listed = 's.deleted_at IS NULL';

export function createSessionStore(sql: Sql) {
  return {
    addSessionIdentity(clientSessionId: string, userIdentityId: string, at: string): void {
      sql.run('INSERT OR IGNORE INTO client_session_identities (client_session_id, user_identity_id, added_at) VALUES (?, ?, ?)', clientSessionId, userIdentityId, at);
    },
    /** The live (not deleted) identities of a session, oldest first. */
    identityIdsOfSession: (clientSessionId: string) =>
      sql.all<{ user_identity_id: string }>(
        `SELECT ci.user_identity_id FROM client_session_identities ci JOIN user_identities u USING (user_identity_id)
         WHERE ci.client_session_id = ? AND u.deleted_at IS NULL ORDER BY ci.added_at, ci.rowid`,
        clientSessionId,
      ).map((row) => row.user_identity_id),
    listClientSessions(workspaceId: string, filter: ClientSessionFilter): ClientSessionRow[] {
      const where = ['s.workspace_id = ?', listed];
      const params: unknown[] = [workspaceId];
      if (filter.client_session_id !== undefined) (where.push('s.client_session_id = ?'), params.push(filter.client_session_id));
      if (filter.user_identifier_key !== undefined) (where.push('s.user_identifier_key = ?'), params.push(filter.user_identifier_key));
      if (filter.without_user_identifier_key === true) where.push('s.user_identifier_key IS NULL');
      if (filter.user_identity_id !== undefined) {
        where.push('s.client_session_id IN (SELECT client_session_id FROM client_session_identities WHERE user_identity_id = ?)');
        params.push(filter.user_identity_id);
      }
      return sql.all<ClientSessionRow>(`SELECT s.* FROM client_sessions s WHERE ${where.join(' AND ')} ORDER BY s.created_at, s.rowid`, ...params);
    },
    /** The newest session still usable (not revoked, deleted or expired) with this user_identifier_key. */
    liveSessionByUserIdentifierKey: (workspaceId: string, key: string, now: string) =>
      sql.get<ClientSessionRow>(
        'SELECT * FROM client_sessions WHERE workspace_id = ? AND user_identifier_key = ? AND revoked_at IS NULL AND deleted_at IS NULL AND expires_at > ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
        workspaceId, key, now,
      ),
    /** The newest usable session made through the API (not an Instant Key link's) for this identity. */
    liveApiSessionOfIdentity: (workspaceId: string, userIdentityId: string, now: string) =>
      sql.get<ClientSessionRow>(
        `SELECT s.* FROM client_sessions s WHERE s.workspace_id = ? AND s.revoked_at IS NULL AND s.deleted_at IS NULL AND s.expires_at > ?
         AND s.client_session_id IN (SELECT client_session_id FROM client_session_identities WHERE user_identity_id = ?)
         AND s.client_session_id NOT IN (SELECT client_session_id FROM instant_keys)
         ORDER BY s.created_at DESC, s.rowid DESC LIMIT 1`,
        workspaceId, now, userIdentityId,
      ),
    setUserIdentifierKey(clientSessionId: string, key: string): void {
      sql.run('UPDATE client_sessions SET user_identifier_key = ? WHERE client_session_id = ?', key, clientSessionId);
    },
    /** Sets the first identity (the one the Instant Key app acts for) when the session has none yet. */
    setPrimaryIdentityIfNone(clientSessionId: string, userIdentityId: string): void {
      sql.run('UPDATE client_sessions SET user_identity_id = ? WHERE client_session_id = ? AND user_identity_id IS NULL', userIdentityId, clientSessionId);
    },
    revokeClientSession(clientSessionId: string, at: string): void {
      sql.run('UPDATE client_sessions SET revoked_at = ?, expires_at = MIN(expires_at, ?) WHERE client_session_id = ? AND revoked_at IS NULL', at, at, clientSessionId);
    },
    deleteClientSession(clientSessionId: string, at: string): void {
      sql.run('UPDATE client_sessions SET deleted_at = ?, revoked_at = COALESCE(revoked_at, ?), expires_at = MIN(expires_at, ?) WHERE client_session_id = ?', at, at, at, clientSessionId);
    },
    /** Active phones of all the session's live identities. */
    phoneCountOfSession: (clientSessionId: string) =>
      sql.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM phones WHERE deactivated_at IS NULL AND user_identity_id IN
         (SELECT ci.user_identity_id FROM client_session_identities ci JOIN user_identities u USING (user_identity_id) WHERE ci.client_session_id = ? AND u.deleted_at IS NULL)`,
        clientSessionId,
      )!.n,
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
