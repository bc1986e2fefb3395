/**
 * The credentials phones hold, as rows for Seam's `acs/credentials/list`: each live credential (not
 * revoked, not replaced after a floor raise) with its phone's owner and name, its grant's start and
 * the ACS system of its doors. Every read takes the workspace id.
 */
import { escapeLike, type Sql } from './sqlite-base.ts';
import type { Page, PageRequest } from './types.ts';

export interface CredentialViewRow {
  credential_id: string;
  workspace_id: string;
  issued_at: string;
  expires_at_s: number;
  user_identity_id: string;
  phone_name: string;
  starts_at: string;
  acs_system_id: string;
  connected_account_id: string;
}

export interface CredentialViewFilter {
  user_identity_id?: string | undefined;
  acs_system_id?: string | undefined;
  created_before?: string | undefined;
  search?: string | undefined;
}

export function createCredentialViewStore(sql: Sql) {
  return {
    listCredentials(workspaceId: string, filter: CredentialViewFilter, page: PageRequest): Page<CredentialViewRow> {
      const where = ['c.workspace_id = ?', 'c.revoked_at IS NULL', 'c.replaced_at IS NULL'];
      const params: unknown[] = [workspaceId];
      if (filter.user_identity_id !== undefined) (where.push('p.user_identity_id = ?'), params.push(filter.user_identity_id));
      if (filter.acs_system_id !== undefined) (where.push('e.acs_system_id = ?'), params.push(filter.acs_system_id));
      if (filter.created_before !== undefined) (where.push('c.issued_at < ?'), params.push(filter.created_before));
      if (filter.search !== undefined) (where.push("p.display_name LIKE ? ESCAPE '\\'"), params.push(`%${escapeLike(filter.search)}%`));
      return sql.page<CredentialViewRow>(
        `SELECT c.credential_id, c.workspace_id, c.issued_at, c.expires_at_s, p.user_identity_id, p.display_name AS phone_name, g.starts_at, e.acs_system_id, s.connected_account_id
         FROM credentials c
         JOIN phones p ON p.device_id = c.device_id
         JOIN access_grants g ON g.access_grant_id = c.access_grant_id
         JOIN acs_entrances e ON e.acs_entrance_id = (SELECT cd.acs_entrance_id FROM credential_doors cd WHERE cd.credential_id = c.credential_id ORDER BY cd.rowid LIMIT 1)
         JOIN acs_systems s ON s.acs_system_id = e.acs_system_id
         WHERE ${where.join(' AND ')} ORDER BY c.issued_at, c.rowid`,
        params,
        page,
      );
    },
  };
}

export type CredentialViewStore = ReturnType<typeof createCredentialViewStore>;
