/**
 * Workspaces, API keys, ACS systems, entrances (with their locks) and spaces. Every read takes the
 * workspace id: isolation is enforced here, in the WHERE clause, not left to handlers.
 */
import { randomUUID } from 'node:crypto';
import { escapeLike, placeholders, type Sql } from './sqlite-base.ts';
import type { AcsSystemRow, EntranceRow, LockSecretsRow, Page, PageRequest, SpaceRow, WorkspaceRow } from './types.ts';

export interface EntranceFilter {
  acs_system_id?: string | undefined;
  connected_account_id?: string | undefined;
  space_id?: string | undefined;
  acs_entrance_ids?: string[] | undefined;
  search?: string | undefined;
}

export function createDirectoryStore(sql: Sql) {
  return {
    insertWorkspace(row: WorkspaceRow): void {
      sql.run(
        'INSERT INTO workspaces (workspace_id, name, company_name, is_sandbox, created_at, created_by_token_id) VALUES (?, ?, ?, ?, ?, ?)',
        row.workspace_id, row.name, row.company_name, row.is_sandbox, row.created_at, row.created_by_token_id ?? null,
      );
    },
    getWorkspace: (workspaceId: string) => sql.get<WorkspaceRow>('SELECT * FROM workspaces WHERE workspace_id = ?', workspaceId),
    firstWorkspace: () => sql.get<WorkspaceRow>('SELECT * FROM workspaces ORDER BY created_at, rowid LIMIT 1'),
    /** An API key (stored as its hash); `api_key_id` is random unless given, `shortToken` the first characters shown in listings. */
    insertApiKey(keyHash: string, workspaceId: string, createdAt: string, extra: { apiKeyId?: string; name?: string | null; shortToken?: string | null } = {}): void {
      sql.run(
        'INSERT INTO api_keys (key_hash, workspace_id, created_at, api_key_id, name, short_token) VALUES (?, ?, ?, ?, ?, ?)',
        keyHash, workspaceId, createdAt, extra.apiKeyId ?? randomUUID(), extra.name ?? null, extra.shortToken ?? null,
      );
    },
    /** The workspace of a live (unrevoked) API key: a revoked key stops working on the next request. */
    workspaceIdOfKey: (keyHash: string) => sql.get<{ workspace_id: string }>('SELECT workspace_id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL', keyHash)?.workspace_id,

    insertAcsSystem(row: AcsSystemRow): void {
      sql.run('INSERT INTO acs_systems VALUES (?, ?, ?, ?, ?, ?)', row.acs_system_id, row.workspace_id, row.connected_account_id, row.name, row.time_zone, row.created_at);
    },
    getAcsSystem: (workspaceId: string, id: string) => sql.get<AcsSystemRow>('SELECT * FROM acs_systems WHERE workspace_id = ? AND acs_system_id = ?', workspaceId, id),
    listAcsSystems: (workspaceId: string) => sql.all<AcsSystemRow>('SELECT * FROM acs_systems WHERE workspace_id = ? ORDER BY created_at, rowid', workspaceId),

    insertEntrance(row: EntranceRow, secrets: LockSecretsRow | undefined): void {
      sql.run(
        'INSERT INTO acs_entrances (acs_entrance_id, workspace_id, acs_system_id, display_name, is_shared, lock_id, certificate, door_sequence, update_version, update_bytes, created_at, sequence_floor, update_ceiling) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        row.acs_entrance_id, row.workspace_id, row.acs_system_id, row.display_name, row.is_shared, row.lock_id, row.certificate,
        row.door_sequence, row.update_version, row.update_bytes, row.created_at, row.sequence_floor, row.update_ceiling,
      );
      if (secrets) sql.run('INSERT INTO virtual_lock_secrets VALUES (?, ?, ?)', secrets.acs_entrance_id, secrets.signing_secret, secrets.agreement_secret);
    },
    getEntrance: (workspaceId: string, id: string) => sql.get<EntranceRow>('SELECT * FROM acs_entrances WHERE workspace_id = ? AND acs_entrance_id = ?', workspaceId, id),
    entranceById: (id: string) => sql.get<EntranceRow>('SELECT * FROM acs_entrances WHERE acs_entrance_id = ?', id),
    /** Operator tools: every entrance with this id or display name, in any workspace. */
    entrancesByIdOrName: (text: string) => sql.all<EntranceRow>('SELECT * FROM acs_entrances WHERE acs_entrance_id = ? OR display_name = ? ORDER BY created_at, rowid', text, text),
    listEntrances(workspaceId: string, filter: EntranceFilter, page: PageRequest): Page<EntranceRow> {
      const where = ['e.workspace_id = ?'];
      const params: unknown[] = [workspaceId];
      if (filter.acs_system_id !== undefined) (where.push('e.acs_system_id = ?'), params.push(filter.acs_system_id));
      if (filter.connected_account_id !== undefined) (where.push('e.acs_system_id IN (SELECT acs_system_id FROM acs_systems WHERE connected_account_id = ?)'), params.push(filter.connected_account_id));
      if (filter.space_id !== undefined) (where.push('e.acs_entrance_id IN (SELECT acs_entrance_id FROM space_entrances WHERE space_id = ?)'), params.push(filter.space_id));
      if (filter.acs_entrance_ids !== undefined) {
        if (filter.acs_entrance_ids.length === 0) return { rows: [], nextOffset: undefined };
        where.push(`e.acs_entrance_id IN (${placeholders(filter.acs_entrance_ids.length)})`);
        params.push(...filter.acs_entrance_ids);
      }
      if (filter.search !== undefined) (where.push("e.display_name LIKE ? ESCAPE '\\'"), params.push(`%${escapeLike(filter.search)}%`));
      return sql.page<EntranceRow>(`SELECT e.* FROM acs_entrances e WHERE ${where.join(' AND ')} ORDER BY e.created_at, e.rowid`, params, page);
    },
    /** Space ids of live spaces holding each entrance. */
    spaceIdsOfEntrance: (entranceId: string) =>
      sql.all<{ space_id: string }>('SELECT se.space_id FROM space_entrances se JOIN spaces s USING (space_id) WHERE se.acs_entrance_id = ? AND s.deleted_at IS NULL ORDER BY s.created_at, s.rowid', entranceId).map((r) => r.space_id),
    lockSecrets: (entranceId: string) => sql.get<LockSecretsRow>('SELECT * FROM virtual_lock_secrets WHERE acs_entrance_id = ?', entranceId),
    allVirtualLocks: () => sql.all<EntranceRow & LockSecretsRow>('SELECT e.*, v.signing_secret, v.agreement_secret FROM acs_entrances e JOIN virtual_lock_secrets v USING (acs_entrance_id) ORDER BY e.created_at, e.rowid'),
    bumpDoorSequence(entranceId: string): number {
      sql.run('UPDATE acs_entrances SET door_sequence = door_sequence + 1 WHERE acs_entrance_id = ?', entranceId);
      return sql.get<{ door_sequence: number }>('SELECT door_sequence FROM acs_entrances WHERE acs_entrance_id = ?', entranceId)!.door_sequence;
    },
    setLockUpdate(entranceId: string, version: number, bytes: Uint8Array, ceiling: number): void {
      sql.run('UPDATE acs_entrances SET update_version = ?, update_bytes = ?, update_ceiling = ? WHERE acs_entrance_id = ?', version, bytes, ceiling, entranceId);
    },
    /** An administration reset: the door's new epoch and the reset's bytes (its routine update is signed next, in that epoch). */
    setAdminUpdate(entranceId: string, epoch: number, bytes: Uint8Array): void {
      sql.run('UPDATE acs_entrances SET update_epoch = ?, admin_update = ? WHERE acs_entrance_id = ?', epoch, bytes, entranceId);
    },
    /** A reset's floor (never lowers it: floors only grow at the server as at the lock). */
    raiseSequenceFloor(entranceId: string, floor: number): void {
      sql.run('UPDATE acs_entrances SET sequence_floor = MAX(sequence_floor, ?) WHERE acs_entrance_id = ?', floor, entranceId);
    },
    /** A new top sequence that is also the door's floor: everything issued for the door before dies at it. */
    raiseDoorFloor(entranceId: string, floor: number, top: number): void {
      sql.run('UPDATE acs_entrances SET door_sequence = ?, sequence_floor = ? WHERE acs_entrance_id = ?', top, floor, entranceId);
    },

    insertSpace(row: SpaceRow): void {
      sql.run('INSERT INTO spaces (space_id, workspace_id, name, space_key, created_at) VALUES (?, ?, ?, ?, ?)', row.space_id, row.workspace_id, row.name, row.space_key, row.created_at);
    },
    getSpace: (workspaceId: string, id: string) => sql.get<SpaceRow>('SELECT space_id, workspace_id, name, space_key, created_at FROM spaces WHERE workspace_id = ? AND space_id = ? AND deleted_at IS NULL', workspaceId, id),
    /** The live space holding `spaceKey` in this workspace (at most one: migration 8). */
    getSpaceByKey: (workspaceId: string, spaceKey: string) => sql.get<SpaceRow>('SELECT space_id, workspace_id, name, space_key, created_at FROM spaces WHERE workspace_id = ? AND space_key = ? AND deleted_at IS NULL', workspaceId, spaceKey),
    listSpaces(workspaceId: string, filter: { search?: string | undefined; space_key?: string | undefined }): SpaceRow[] {
      const where = ['workspace_id = ?', 'deleted_at IS NULL'];
      const params: unknown[] = [workspaceId];
      if (filter.space_key !== undefined) (where.push('space_key = ?'), params.push(filter.space_key));
      if (filter.search !== undefined) (where.push("name LIKE ? ESCAPE '\\'"), params.push(`%${escapeLike(filter.search)}%`));
      return sql.all<SpaceRow>(`SELECT space_id, workspace_id, name, space_key, created_at FROM spaces WHERE ${where.join(' AND ')} ORDER BY created_at, rowid`, ...params);
    },
    updateSpace(spaceId: string, changes: { name?: string | undefined; space_key?: string | undefined }): void {
      if (changes.name !== undefined) sql.run('UPDATE spaces SET name = ? WHERE space_id = ?', changes.name, spaceId);
      if (changes.space_key !== undefined) sql.run('UPDATE spaces SET space_key = ? WHERE space_id = ?', changes.space_key, spaceId);
    },
    deleteSpace(spaceId: string, at: string): void {
      sql.run('UPDATE spaces SET deleted_at = ? WHERE space_id = ?', at, spaceId);
      sql.run('DELETE FROM space_entrances WHERE space_id = ?', spaceId);
    },
    addSpaceEntrances(spaceId: string, entranceIds: string[]): void {
      for (const id of entranceIds) sql.run('INSERT OR IGNORE INTO space_entrances VALUES (?, ?)', spaceId, id);
    },
    removeSpaceEntrances(spaceId: string, entranceIds: string[]): void {
      for (const id of entranceIds) sql.run('DELETE FROM space_entrances WHERE space_id = ? AND acs_entrance_id = ?', spaceId, id);
    },
    entranceIdsOfSpace: (spaceId: string) =>
      sql.all<{ acs_entrance_id: string }>('SELECT se.acs_entrance_id FROM space_entrances se JOIN acs_entrances e USING (acs_entrance_id) WHERE se.space_id = ? ORDER BY e.created_at, e.rowid', spaceId).map((r) => r.acs_entrance_id),
  };
}

export type DirectoryStore = ReturnType<typeof createDirectoryStore>;
