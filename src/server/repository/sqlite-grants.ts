/**
 * Access grants (with their entrances, spaces and access methods), issued credentials and the
 * per-lock revocation entries that signed lock updates are built from.
 */
import { placeholders, type Sql } from './sqlite-base.ts';
import type { AccessGrantRow, AccessMethodRow, CredentialDoorRow, CredentialRow, GrantEntranceRow, Page, PageRequest, RevocationRow } from './types.ts';

const grantColumns = 'access_grant_id, workspace_id, user_identity_id, instant_key_id, name, access_grant_key, reservation_key, starts_at, ends_at, revision, created_at';
const liveGrant = 'deleted_at IS NULL';

export interface GrantFilter {
  user_identity_id?: string | undefined;
  acs_entrance_id?: string | undefined;
  acs_system_id?: string | undefined;
  space_id?: string | undefined;
  access_grant_ids?: string[] | undefined;
  access_grant_key?: string | undefined;
  reservation_key?: string | undefined;
}

export function createGrantStore(sql: Sql) {
  return {
    insertGrant(row: AccessGrantRow, entrances: GrantEntranceRow[], spaceIds: string[]): void {
      sql.run(
        `INSERT INTO access_grants (${grantColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        row.access_grant_id, row.workspace_id, row.user_identity_id, row.instant_key_id, row.name, row.access_grant_key, row.reservation_key,
        row.starts_at, row.ends_at, row.revision, row.created_at,
      );
      for (const entrance of entrances) sql.run('INSERT INTO access_grant_entrances VALUES (?, ?, ?)', row.access_grant_id, entrance.acs_entrance_id, entrance.door_sequence);
      for (const spaceId of spaceIds) sql.run('INSERT INTO access_grant_spaces VALUES (?, ?)', row.access_grant_id, spaceId);
    },
    getGrant: (workspaceId: string, id: string) => sql.get<AccessGrantRow>(`SELECT ${grantColumns} FROM access_grants WHERE workspace_id = ? AND access_grant_id = ? AND ${liveGrant}`, workspaceId, id),
    getGrantByKey: (workspaceId: string, key: string) => sql.get<AccessGrantRow>(`SELECT ${grantColumns} FROM access_grants WHERE workspace_id = ? AND access_grant_key = ? AND ${liveGrant}`, workspaceId, key),
    listGrants(workspaceId: string, filter: GrantFilter, page: PageRequest): Page<AccessGrantRow> {
      const where = ['g.workspace_id = ?', `g.${liveGrant}`];
      const params: unknown[] = [workspaceId];
      const eq = (column: string, value: string | undefined): void => {
        if (value !== undefined) (where.push(`g.${column} = ?`), params.push(value));
      };
      eq('user_identity_id', filter.user_identity_id);
      eq('access_grant_key', filter.access_grant_key);
      eq('reservation_key', filter.reservation_key);
      if (filter.acs_entrance_id !== undefined) (where.push('g.access_grant_id IN (SELECT access_grant_id FROM access_grant_entrances WHERE acs_entrance_id = ?)'), params.push(filter.acs_entrance_id));
      if (filter.space_id !== undefined) (where.push('g.access_grant_id IN (SELECT access_grant_id FROM access_grant_spaces WHERE space_id = ?)'), params.push(filter.space_id));
      if (filter.acs_system_id !== undefined) {
        where.push('g.access_grant_id IN (SELECT ge.access_grant_id FROM access_grant_entrances ge JOIN acs_entrances e USING (acs_entrance_id) WHERE e.acs_system_id = ?)');
        params.push(filter.acs_system_id);
      }
      if (filter.access_grant_ids !== undefined) {
        if (filter.access_grant_ids.length === 0) return { rows: [], nextOffset: undefined };
        where.push(`g.access_grant_id IN (${placeholders(filter.access_grant_ids.length)})`);
        params.push(...filter.access_grant_ids);
      }
      return sql.page<AccessGrantRow>(`SELECT ${grantColumns.split(', ').map((c) => `g.${c}`).join(', ')} FROM access_grants g WHERE ${where.join(' AND ')} ORDER BY g.created_at, g.rowid`, params, page);
    },
    updateGrant(id: string, changes: { name?: string | undefined; starts_at?: string | undefined; ends_at?: string | undefined }, bumpRevision: boolean): void {
      if (changes.name !== undefined) sql.run('UPDATE access_grants SET name = ? WHERE access_grant_id = ?', changes.name, id);
      if (changes.starts_at !== undefined) sql.run('UPDATE access_grants SET starts_at = ? WHERE access_grant_id = ?', changes.starts_at, id);
      if (changes.ends_at !== undefined) sql.run('UPDATE access_grants SET ends_at = ? WHERE access_grant_id = ?', changes.ends_at, id);
      if (bumpRevision) sql.run('UPDATE access_grants SET revision = revision + 1 WHERE access_grant_id = ?', id);
    },
    deleteGrant(id: string, at: string): void {
      sql.run('UPDATE access_grants SET deleted_at = ? WHERE access_grant_id = ?', at, id);
      sql.run('UPDATE access_methods SET deleted_at = ? WHERE access_grant_id = ? AND deleted_at IS NULL', at, id);
    },
    grantEntrances: (grantId: string) =>
      sql.all<GrantEntranceRow>('SELECT ge.* FROM access_grant_entrances ge JOIN acs_entrances e USING (acs_entrance_id) WHERE ge.access_grant_id = ? ORDER BY e.created_at, e.rowid', grantId),
    grantSpaceIds: (grantId: string) => sql.all<{ space_id: string }>('SELECT space_id FROM access_grant_spaces WHERE access_grant_id = ? ORDER BY rowid', grantId).map((r) => r.space_id),
    /** Whether the identity ever had a grant (deleted ones included). */
    hadAnyGrant: (userIdentityId: string) => sql.get<{ one: number }>('SELECT 1 AS one FROM access_grants WHERE user_identity_id = ? LIMIT 1', userIdentityId) !== undefined,
    liveGrantsOf: (userIdentityId: string) => sql.all<AccessGrantRow>(`SELECT ${grantColumns} FROM access_grants WHERE user_identity_id = ? AND ${liveGrant} ORDER BY created_at, rowid`, userIdentityId),

    insertAccessMethod(row: AccessMethodRow): void {
      sql.run(
        'INSERT INTO access_methods (access_method_id, workspace_id, access_grant_id, mode, display_name, created_at, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        row.access_method_id, row.workspace_id, row.access_grant_id, row.mode, row.display_name, row.created_at, row.issued_at,
      );
    },
    accessMethodsOf: (grantId: string) =>
      sql.all<AccessMethodRow>('SELECT access_method_id, workspace_id, access_grant_id, mode, display_name, created_at, issued_at FROM access_methods WHERE access_grant_id = ? AND deleted_at IS NULL ORDER BY created_at, rowid', grantId),
    getAccessMethod: (workspaceId: string, id: string) =>
      sql.get<AccessMethodRow>('SELECT access_method_id, workspace_id, access_grant_id, mode, display_name, created_at, issued_at FROM access_methods WHERE workspace_id = ? AND access_method_id = ? AND deleted_at IS NULL', workspaceId, id),
    deleteAccessMethod(id: string, at: string): void {
      sql.run('UPDATE access_methods SET deleted_at = ? WHERE access_method_id = ?', at, id);
    },

    insertCredential(row: CredentialRow, doors: readonly CredentialDoorRow[]): void {
      sql.run(
        'INSERT INTO credentials (credential_id, workspace_id, device_id, access_grant_id, grant_revision, bytes, expires_at_s, issued_at, revoked_at, replaced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        row.credential_id, row.workspace_id, row.device_id, row.access_grant_id, row.grant_revision, row.bytes, row.expires_at_s, row.issued_at, row.revoked_at, row.replaced_at,
      );
      for (const door of doors) sql.run('INSERT INTO credential_doors (credential_id, acs_entrance_id, door_sequence) VALUES (?, ?, ?)', row.credential_id, door.acs_entrance_id, door.door_sequence);
    },
    credentialDoors: (credentialId: string) => sql.all<CredentialDoorRow>('SELECT acs_entrance_id, door_sequence FROM credential_doors WHERE credential_id = ?', credentialId),
    liveCredentialsOfPhone: (deviceId: string) => sql.all<CredentialRow>('SELECT * FROM credentials WHERE device_id = ? AND revoked_at IS NULL ORDER BY rowid', deviceId),
    liveCredentialsOfGrant: (grantId: string) => sql.all<CredentialRow>('SELECT * FROM credentials WHERE access_grant_id = ? AND revoked_at IS NULL ORDER BY rowid', grantId),
    doorsOfCredential: (credentialId: string) => sql.all<{ acs_entrance_id: string }>('SELECT acs_entrance_id FROM credential_doors WHERE credential_id = ?', credentialId).map((r) => r.acs_entrance_id),
    /** A grant's window only widened: its live credentials stay valid (their window lies inside the new one) but are replaced at the next sync. */
    markGrantCredentialsReplaced(grantId: string, at: string): void {
      sql.run('UPDATE credentials SET replaced_at = ? WHERE access_grant_id = ? AND revoked_at IS NULL AND replaced_at IS NULL', at, grantId);
    },
    markCredentialRevoked(credentialId: string, at: string): void {
      sql.run('UPDATE credentials SET revoked_at = ? WHERE credential_id = ?', at, credentialId);
    },
    insertRevocation(entranceId: string, credentialId: string, expiresAtS: number): void {
      sql.run('INSERT INTO lock_revocations (acs_entrance_id, credential_id, expires_at_s) VALUES (?, ?, ?)', entranceId, credentialId, expiresAtS);
    },
    /**
     * The revocations a lock still needs (what its next signed update lists): credentials not yet
     * expired at `keptAfterS` (expiry + grace), holding a sequence at the door at or above its
     * supersede floor (the floor already kills the rest). Newest first, at most `limit`.
     */
    liveRevocationsOfLock: (entranceId: string, keptAfterS: number, floor: number, limit: number) =>
      sql.all<RevocationRow>(
        `SELECT r.credential_id, MAX(r.expires_at_s) AS expires_at_s FROM lock_revocations r
         JOIN credential_doors cd ON cd.credential_id = r.credential_id AND cd.acs_entrance_id = r.acs_entrance_id
         WHERE r.acs_entrance_id = ? AND r.expires_at_s > ? AND cd.door_sequence >= ?
         GROUP BY r.credential_id ORDER BY MAX(r.revocation_seq) DESC LIMIT ?`,
        entranceId, keptAfterS, floor, limit,
      ),
    /** How many revocations `liveRevocationsOfLock` would list without a limit. */
    liveRevocationCountOfLock: (entranceId: string, keptAfterS: number, floor: number) =>
      sql.get<{ n: number }>(
        `SELECT COUNT(DISTINCT r.credential_id) AS n FROM lock_revocations r
         JOIN credential_doors cd ON cd.credential_id = r.credential_id AND cd.acs_entrance_id = r.acs_entrance_id
         WHERE r.acs_entrance_id = ? AND r.expires_at_s > ? AND cd.door_sequence >= ?`,
        entranceId, keptAfterS, floor,
      )?.n ?? 0,
    /**
     * Of those, the ones guests' own deactivations made (any identity; services/phone-budget.ts, the
     * door's guest share): operators' revocations do not use up the guests' share (third attack on
     * issue 13: front-desk work blocked every guest's lost-phone deactivation at a door).
     */
    liveGuestRevocationCountOfLock: (entranceId: string, keptAfterS: number, floor: number) =>
      sql.get<{ n: number }>(
        `SELECT COUNT(DISTINCT r.credential_id) AS n FROM lock_revocations r
         JOIN credential_doors cd ON cd.credential_id = r.credential_id AND cd.acs_entrance_id = r.acs_entrance_id
         JOIN credentials c ON c.credential_id = r.credential_id
         JOIN phones p ON p.device_id = c.device_id
         WHERE r.acs_entrance_id = ? AND r.expires_at_s > ? AND cd.door_sequence >= ?
         AND p.deactivated_at IS NOT NULL AND (p.deactivated_by IS NULL OR p.deactivated_by <> 'operator')
         AND c.revoked_at >= p.deactivated_at`,
        entranceId, keptAfterS, floor,
      )?.n ?? 0,
    /**
     * The phones whose live revocations at this door a guest's own deactivations of this identity's phones made (services/phone-budget.ts,
     * per-identity share of a door): credentials revoked at or after their phone's deactivation by a
     * client session (NULL = older rows, counted as the guest's, as the phone-change budget does), not
     * of a link revoked since (a leaked link's holder does not spend the guest's share).
     */
    liveGuestPhoneCountOfIdentity: (entranceId: string, userIdentityId: string, keptAfterS: number, floor: number) =>
      sql.get<{ n: number }>(
        `SELECT COUNT(DISTINCT p.device_id) AS n FROM lock_revocations r
         JOIN credential_doors cd ON cd.credential_id = r.credential_id AND cd.acs_entrance_id = r.acs_entrance_id
         JOIN credentials c ON c.credential_id = r.credential_id
         JOIN phones p ON p.device_id = c.device_id
         WHERE r.acs_entrance_id = ? AND r.expires_at_s > ? AND cd.door_sequence >= ?
         AND p.user_identity_id = ? AND p.deactivated_at IS NOT NULL AND (p.deactivated_by IS NULL OR p.deactivated_by <> 'operator')
         AND c.revoked_at >= p.deactivated_at
         AND (p.instant_key_id IS NULL OR p.instant_key_id NOT IN (SELECT instant_key_id FROM instant_keys WHERE revoked_at IS NOT NULL))`,
        entranceId, keptAfterS, floor, userIdentityId,
      )?.n ?? 0,
    /** Moves the live grants holding `fromSequence` at a door to `toSequence` (a raised floor re-issues them). */
    moveGrantSequences(entranceId: string, fromSequence: number, toSequence: number): void {
      sql.run(
        `UPDATE access_grant_entrances SET door_sequence = ? WHERE acs_entrance_id = ? AND door_sequence = ?
         AND access_grant_id IN (SELECT access_grant_id FROM access_grants WHERE ${liveGrant})`,
        toSequence, entranceId, fromSequence,
      );
    },
    /**
     * The sequences live grants hold at a door, each with the earliest start and the latest end among
     * the grants holding it (`ends_at` null when one of them never ends).
     */
    liveSequencesAtDoor(entranceId: string): { door_sequence: number; starts_at: string | null; ends_at: string | null }[] {
      return sql.all<{ door_sequence: number; starts_at: string | null; ends_at: string | null }>(
        `SELECT e.door_sequence, MIN(g.starts_at) AS starts_at, CASE WHEN COUNT(g.ends_at) < COUNT(*) THEN NULL ELSE MAX(g.ends_at) END AS ends_at
         FROM access_grant_entrances e JOIN access_grants g ON g.access_grant_id = e.access_grant_id
         WHERE e.acs_entrance_id = ? AND g.${liveGrant} GROUP BY e.door_sequence ORDER BY e.door_sequence`,
        entranceId,
      );
    },
    /** Marks unrevoked credentials holding a sequence below `floor` at a door as replaced (their phones get new ones). */
    markReplacedBelowFloor(entranceId: string, floor: number, at: string): void {
      sql.run(
        `UPDATE credentials SET replaced_at = ? WHERE revoked_at IS NULL AND replaced_at IS NULL
         AND credential_id IN (SELECT credential_id FROM credential_doors WHERE acs_entrance_id = ? AND door_sequence < ?)`,
        at, entranceId, floor,
      );
    },
  };
}

export type GrantStore = ReturnType<typeof createGrantStore>;
