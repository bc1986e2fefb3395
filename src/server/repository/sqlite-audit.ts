/**
 * Audit records uploaded by phones, and each phone's count of records it had to drop (its queue is
 * bounded). Reads the credential tables only to answer "which credentials did this phone hold for
 * this door" (revoked ones included: a refusal for a revoked credential is worth recording).
 */
import { placeholders, type Sql } from './sqlite-base.ts';
import type { AuditRecordRow, Page, PageRequest } from './types.ts';

/** A stored record with what a Seam event needs from its door's ACS system. */
export type AuditEventRow = AuditRecordRow & { acs_system_id: string; connected_account_id: string; event_rowid: number };

/** Where a page of events ended: the next page holds the events listed after it (older, or same time and stored earlier). */
export interface EventPosition {
  created_at: string;
  rowid: number;
}

export interface AuditEventFilter {
  created_after?: string | undefined;
  created_before?: string | undefined;
  outcomes?: ('unlocked' | 'refused')[] | undefined;
  acs_entrance_ids?: string[] | undefined;
  acs_system_ids?: string[] | undefined;
  connected_account_id?: string | undefined;
  user_identity_id?: string | undefined;
  audit_record_ids?: string[] | undefined;
  after?: EventPosition | undefined;
}

const eventColumns = 'r.*, r.rowid AS event_rowid, e.acs_system_id, s.connected_account_id';

export function createAuditStore(sql: Sql) {
  return {
    recordCountOf: (deviceId: string) => sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit_records WHERE device_id = ?', deviceId)!.n,
    getRecord: (id: string) => sql.get<AuditRecordRow>('SELECT * FROM audit_records WHERE audit_record_id = ?', id),
    recordByTranscriptHash: (hash: string) => sql.get<AuditRecordRow>('SELECT * FROM audit_records WHERE transcript_hash = ?', hash),
    insertRecord(row: AuditRecordRow): void {
      sql.run(
        'INSERT INTO audit_records (audit_record_id, workspace_id, device_id, user_identity_id, acs_entrance_id, occurred_at, created_at, path, outcome, error_code, verified_by_lock, transcript_hash, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        row.audit_record_id, row.workspace_id, row.device_id, row.user_identity_id, row.acs_entrance_id, row.occurred_at, row.created_at, row.path, row.outcome, row.error_code, row.verified_by_lock, row.transcript_hash, row.evidence,
      );
    },
    /** Every credential ever issued to the phone that names the door (bytes, to match a credential hash). */
    credentialsOfPhoneForDoor: (deviceId: string, entranceId: string) =>
      sql.all<{ credential_id: string; bytes: Uint8Array }>(
        'SELECT c.credential_id, c.bytes FROM credentials c JOIN credential_doors d USING (credential_id) WHERE c.device_id = ? AND d.acs_entrance_id = ?',
        deviceId, entranceId,
      ),
    /** The phone's cumulative dropped count only grows (an old upload replayed cannot lower it). */
    recordDropped(deviceId: string, droppedTotal: number, at: string): number {
      sql.run(
        'INSERT INTO audit_uploads (device_id, dropped_total, updated_at) VALUES (?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET dropped_total = MAX(dropped_total, excluded.dropped_total), updated_at = excluded.updated_at',
        deviceId, droppedTotal, at,
      );
      return sql.get<{ dropped_total: number }>('SELECT dropped_total FROM audit_uploads WHERE device_id = ?', deviceId)!.dropped_total;
    },
    droppedOf: (deviceId: string) => sql.get<{ dropped_total: number }>('SELECT dropped_total FROM audit_uploads WHERE device_id = ?', deviceId)?.dropped_total ?? 0,
    /** Newest first (by upload time, then upload order). */
    listEvents(workspaceId: string, filter: AuditEventFilter, page: PageRequest): Page<AuditEventRow> {
      const where = ['r.workspace_id = ?'];
      const params: unknown[] = [workspaceId];
      const within = (column: string, values: string[] | undefined): boolean => {
        if (values === undefined) return true;
        if (values.length === 0) return false;
        where.push(`${column} IN (${placeholders(values.length)})`);
        params.push(...values);
        return true;
      };
      if (filter.created_after !== undefined) (where.push('r.created_at > ?'), params.push(filter.created_after));
      if (filter.created_before !== undefined) (where.push('r.created_at < ?'), params.push(filter.created_before));
      if (filter.connected_account_id !== undefined) (where.push('s.connected_account_id = ?'), params.push(filter.connected_account_id));
      if (filter.user_identity_id !== undefined) (where.push('r.user_identity_id = ?'), params.push(filter.user_identity_id));
      // Keyset, not offset: events stored while a client pages never shift or repeat its later pages.
      if (filter.after !== undefined) (where.push('(r.created_at < ? OR (r.created_at = ? AND r.rowid < ?))'), params.push(filter.after.created_at, filter.after.created_at, filter.after.rowid));
      const matches =
        within('r.outcome', filter.outcomes) && within('r.acs_entrance_id', filter.acs_entrance_ids) && within('e.acs_system_id', filter.acs_system_ids) && within('r.audit_record_id', filter.audit_record_ids);
      if (!matches) return { rows: [], nextOffset: undefined };
      return sql.page<AuditEventRow>(
        `SELECT ${eventColumns} FROM audit_records r JOIN acs_entrances e USING (acs_entrance_id) JOIN acs_systems s ON s.acs_system_id = e.acs_system_id WHERE ${where.join(' AND ')} ORDER BY r.created_at DESC, r.rowid DESC`,
        params,
        page,
      );
    },
  };
}

export type AuditStore = ReturnType<typeof createAuditStore>;
