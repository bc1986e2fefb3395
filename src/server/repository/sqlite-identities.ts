/**
 * User identities, client sessions, instant keys and phones (the devices that opened a link).
 * Tokens and link codes are stored only as hashes; lookups go by hash.
 */
import { escapeLike, placeholders, type Sql } from './sqlite-base.ts';
import type { ClientSessionRow, InstantKeyRow, Page, PageRequest, PhoneRow, UserIdentityRow } from './types.ts';

const live = 'deleted_at IS NULL';
const identityColumns = 'user_identity_id, workspace_id, user_identity_key, email_address, phone_number, full_name, created_at';

export interface IdentityFilter {
  search?: string | undefined;
  user_identity_ids?: string[] | undefined;
  created_before?: string | undefined;
}

export function createIdentityStore(sql: Sql) {
  return {
    insertUserIdentity(row: UserIdentityRow): void {
      sql.run(
        `INSERT INTO user_identities (${identityColumns}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        row.user_identity_id, row.workspace_id, row.user_identity_key, row.email_address, row.phone_number, row.full_name, row.created_at,
      );
    },
    getUserIdentity: (workspaceId: string, id: string) => sql.get<UserIdentityRow>(`SELECT ${identityColumns} FROM user_identities WHERE workspace_id = ? AND user_identity_id = ? AND ${live}`, workspaceId, id),
    getUserIdentityByKey: (workspaceId: string, key: string) => sql.get<UserIdentityRow>(`SELECT ${identityColumns} FROM user_identities WHERE workspace_id = ? AND user_identity_key = ? AND ${live}`, workspaceId, key),
    listUserIdentities(workspaceId: string, filter: IdentityFilter, page: PageRequest): Page<UserIdentityRow> {
      const where = ['workspace_id = ?', live];
      const params: unknown[] = [workspaceId];
      if (filter.created_before !== undefined) (where.push('created_at < ?'), params.push(filter.created_before));
      if (filter.user_identity_ids !== undefined) {
        if (filter.user_identity_ids.length === 0) return { rows: [], nextOffset: undefined };
        where.push(`user_identity_id IN (${placeholders(filter.user_identity_ids.length)})`);
        params.push(...filter.user_identity_ids);
      }
      if (filter.search !== undefined) {
        where.push("(full_name LIKE ? ESCAPE '\\' OR email_address LIKE ? ESCAPE '\\' OR phone_number LIKE ? ESCAPE '\\' OR user_identity_key LIKE ? ESCAPE '\\')");
        const pattern = `%${escapeLike(filter.search)}%`;
        params.push(pattern, pattern, pattern, pattern);
      }
      return sql.page<UserIdentityRow>(`SELECT ${identityColumns} FROM user_identities WHERE ${where.join(' AND ')} ORDER BY created_at, rowid`, params, page);
    },
    updateUserIdentity(id: string, changes: Partial<Pick<UserIdentityRow, 'user_identity_key' | 'email_address' | 'phone_number' | 'full_name'>>): void {
      for (const column of ['user_identity_key', 'email_address', 'phone_number', 'full_name'] as const) {
        const value = changes[column];
        if (value !== undefined) sql.run(`UPDATE user_identities SET ${column} = ? WHERE user_identity_id = ?`, value, id);
      }
    },
    deleteUserIdentity(id: string, at: string): void {
      sql.run('UPDATE user_identities SET deleted_at = ? WHERE user_identity_id = ?', at, id);
    },

    insertClientSession(row: ClientSessionRow): void {
      sql.run(
        'INSERT INTO client_sessions (client_session_id, workspace_id, token_hash, user_identity_id, user_identifier_key, customer_key, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        row.client_session_id, row.workspace_id, row.token_hash, row.user_identity_id, row.user_identifier_key, row.customer_key, row.created_at, row.expires_at,
      );
    },
    getClientSession: (workspaceId: string, id: string) => sql.get<ClientSessionRow>('SELECT * FROM client_sessions WHERE workspace_id = ? AND client_session_id = ? AND deleted_at IS NULL', workspaceId, id),
    /** A revoked or deleted session's token finds nothing: revocation takes effect on the next request. */
    clientSessionByTokenHash: (hash: string) => sql.get<ClientSessionRow>('SELECT * FROM client_sessions WHERE token_hash = ? AND revoked_at IS NULL AND deleted_at IS NULL', hash),
    setClientSessionExpiry(id: string, expiresAt: string): void {
      sql.run('UPDATE client_sessions SET expires_at = ? WHERE client_session_id = ?', expiresAt, id);
    },
    /** The link a client session was made for (revoked ones too), if it was made for one. */
    instantKeyOfSession: (clientSessionId: string) => sql.get<InstantKeyRow>('SELECT * FROM instant_keys WHERE client_session_id = ?', clientSessionId),

    /**
     * Stores a registration challenge; drops expired ones. An 'api' challenge drops the session's
     * oldest beyond `limits.perSessionMax`. A 'page' challenge (handed out with a first visit's page)
     * drops nothing: it is not stored (false) when the session already has `limits.pageMax` live page
     * challenges or `perSessionMax` in all, so page loads (link previews) cannot push out a challenge
     * a guest's page is signing.
     */
    insertRegistrationChallenge(row: { challenge_hash: string; client_session_id: string; created_at: string; expires_at: string; source: 'api' | 'page' }, limits: { perSessionMax: number; pageMax: number }): boolean {
      sql.run('DELETE FROM registration_challenges WHERE expires_at <= ?', row.created_at);
      if (row.source === 'page') {
        const held = sql.get<{ total: number; page: number }>(
          "SELECT COUNT(*) AS total, COALESCE(SUM(source = 'page'), 0) AS page FROM registration_challenges WHERE client_session_id = ?",
          row.client_session_id,
        )!;
        if (held.page >= limits.pageMax || held.total >= limits.perSessionMax) return false;
      } else {
        sql.run(
          `DELETE FROM registration_challenges WHERE client_session_id = ? AND challenge_hash NOT IN
           (SELECT challenge_hash FROM registration_challenges WHERE client_session_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
          row.client_session_id, row.client_session_id, limits.perSessionMax - 1,
        );
      }
      sql.run('INSERT INTO registration_challenges (challenge_hash, client_session_id, created_at, expires_at, source) VALUES (?, ?, ?, ?, ?)', row.challenge_hash, row.client_session_id, row.created_at, row.expires_at, row.source);
      return true;
    },
    /** Removes a challenge (single use, whatever comes next) and says whether it was this session's and unexpired. */
    takeRegistrationChallenge(challengeHash: string, clientSessionId: string, now: string): boolean {
      const row = sql.get<{ client_session_id: string; expires_at: string }>('SELECT client_session_id, expires_at FROM registration_challenges WHERE challenge_hash = ?', challengeHash);
      if (row === undefined) return false;
      sql.run('DELETE FROM registration_challenges WHERE challenge_hash = ?', challengeHash);
      return row.client_session_id === clientSessionId && row.expires_at > now;
    },

    insertInstantKey(row: InstantKeyRow): void {
      sql.run(
        'INSERT INTO instant_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        row.instant_key_id, row.workspace_id, row.user_identity_id, row.client_session_id, row.code_hash, row.customization_profile_id,
        row.max_use_count, row.use_count, row.created_at, row.default_expires_at, row.revoked_at,
      );
    },
    getInstantKey: (workspaceId: string, id: string) => sql.get<InstantKeyRow>('SELECT * FROM instant_keys WHERE workspace_id = ? AND instant_key_id = ? AND revoked_at IS NULL', workspaceId, id),
    instantKeyByCodeHash: (hash: string) => sql.get<InstantKeyRow>('SELECT * FROM instant_keys WHERE code_hash = ?', hash),
    instantKeyById: (id: string) => sql.get<InstantKeyRow>('SELECT * FROM instant_keys WHERE instant_key_id = ?', id),
    listInstantKeys(workspaceId: string, userIdentityId: string | undefined): InstantKeyRow[] {
      if (userIdentityId === undefined) return sql.all<InstantKeyRow>('SELECT * FROM instant_keys WHERE workspace_id = ? AND revoked_at IS NULL ORDER BY created_at, rowid', workspaceId);
      return sql.all<InstantKeyRow>('SELECT * FROM instant_keys WHERE workspace_id = ? AND user_identity_id = ? AND revoked_at IS NULL ORDER BY created_at, rowid', workspaceId, userIdentityId);
    },
    latestInstantKeyOf: (userIdentityId: string) => sql.get<InstantKeyRow>('SELECT * FROM instant_keys WHERE user_identity_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1', userIdentityId),
    countInstantKeyUse(id: string): void {
      sql.run('UPDATE instant_keys SET use_count = use_count + 1 WHERE instant_key_id = ?', id);
    },
    revokeInstantKey(id: string, at: string): void {
      sql.run('UPDATE instant_keys SET revoked_at = ? WHERE instant_key_id = ? AND revoked_at IS NULL', at, id);
    },
    phonesOfInstantKey: (instantKeyId: string) => sql.all<PhoneRow>('SELECT * FROM phones WHERE instant_key_id = ? AND deactivated_at IS NULL', instantKeyId),
    revokeInstantKeysOf(userIdentityId: string, at: string): void {
      sql.run('UPDATE instant_keys SET revoked_at = ? WHERE user_identity_id = ? AND revoked_at IS NULL', at, userIdentityId);
    },

    insertPhone(row: PhoneRow): void {
      sql.run(
        'INSERT INTO phones (device_id, workspace_id, user_identity_id, instant_key_id, public_key, display_name, device_type, created_at, deactivated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        row.device_id, row.workspace_id, row.user_identity_id, row.instant_key_id, row.public_key, row.display_name, row.device_type, row.created_at, row.deactivated_at,
      );
    },
    getPhone: (workspaceId: string, id: string) => sql.get<PhoneRow>('SELECT * FROM phones WHERE workspace_id = ? AND device_id = ? AND deactivated_at IS NULL', workspaceId, id),
    phoneById: (id: string) => sql.get<PhoneRow>('SELECT * FROM phones WHERE device_id = ?', id),
    listPhones(workspaceId: string, ownerId: string | undefined): PhoneRow[] {
      if (ownerId === undefined) return sql.all<PhoneRow>('SELECT * FROM phones WHERE workspace_id = ? AND deactivated_at IS NULL ORDER BY created_at, rowid', workspaceId);
      return sql.all<PhoneRow>('SELECT * FROM phones WHERE workspace_id = ? AND user_identity_id = ? AND deactivated_at IS NULL ORDER BY created_at, rowid', workspaceId, ownerId);
    },
    /**
     * Registrations plus deactivations of the identity's phones at or after `since` that count against
     * its phone-change budget (services/phone-budget.ts): not an operator's deactivations, and nothing
     * of a phone registered through a link that has since been revoked.
     */
    phoneChangesSince(userIdentityId: string, since: string): number {
      const counted = `user_identity_id = ? AND (instant_key_id IS NULL OR instant_key_id NOT IN (SELECT instant_key_id FROM instant_keys WHERE user_identity_id = ? AND revoked_at IS NOT NULL))`;
      const row = sql.get<{ changes: number }>(
        `SELECT (SELECT count(*) FROM phones WHERE ${counted} AND created_at >= ?)
              + (SELECT count(*) FROM phones WHERE ${counted} AND deactivated_at >= ? AND (deactivated_by IS NULL OR deactivated_by <> 'operator')) AS changes`,
        userIdentityId, userIdentityId, since, userIdentityId, userIdentityId, since,
      );
      return row?.changes ?? 0;
    },
    activePhonesOf: (userIdentityId: string) => sql.all<PhoneRow>('SELECT * FROM phones WHERE user_identity_id = ? AND deactivated_at IS NULL', userIdentityId),
    deactivatePhone(id: string, at: string, by: 'guest' | 'operator'): void {
      sql.run('UPDATE phones SET deactivated_at = ?, deactivated_by = ? WHERE device_id = ?', at, by, id);
    },
  };
}

export type IdentityStore = ReturnType<typeof createIdentityStore>;
