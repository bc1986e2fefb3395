/**
 * Customization profiles: how a workspace's Instant Key page looks (name, primary and secondary
 * colour, logo). The logo bytes live in the row; `logo_sha256` names the version a URL points to.
 */
import type { Sql } from './sqlite-base.ts';
import type { CustomizationProfileRow } from './types.ts';

const columns = 'customization_profile_id, workspace_id, name, primary_color, secondary_color, logo_type, logo_sha256, created_at';

export function createCustomizationStore(sql: Sql) {
  return {
    insertProfile(row: CustomizationProfileRow): void {
      sql.run(
        `INSERT INTO customization_profiles (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        row.customization_profile_id, row.workspace_id, row.name, row.primary_color, row.secondary_color, row.logo_type, row.logo_sha256, row.created_at,
      );
    },
    getProfile: (workspaceId: string, id: string) =>
      sql.get<CustomizationProfileRow>(`SELECT ${columns} FROM customization_profiles WHERE workspace_id = ? AND customization_profile_id = ?`, workspaceId, id),
    listProfiles: (workspaceId: string) =>
      sql.all<CustomizationProfileRow>(`SELECT ${columns} FROM customization_profiles WHERE workspace_id = ? ORDER BY created_at, rowid`, workspaceId),
    /** The workspace's own look: its first profile (a link without a profile of its own uses it). */
    defaultProfile: (workspaceId: string) =>
      sql.get<CustomizationProfileRow>(`SELECT ${columns} FROM customization_profiles WHERE workspace_id = ? ORDER BY created_at, rowid LIMIT 1`, workspaceId),
    updateProfile(id: string, changes: Partial<Pick<CustomizationProfileRow, 'name' | 'primary_color' | 'secondary_color'>>): void {
      for (const column of ['name', 'primary_color', 'secondary_color'] as const) {
        const value = changes[column];
        if (value !== undefined) sql.run(`UPDATE customization_profiles SET ${column} = ? WHERE customization_profile_id = ?`, value, id);
      }
    },
    setLogo(id: string, logo: { bytes: Uint8Array; type: string; sha256: string }): void {
      sql.run('UPDATE customization_profiles SET logo = ?, logo_type = ?, logo_sha256 = ? WHERE customization_profile_id = ?', logo.bytes, logo.type, logo.sha256, id);
    },
    /** The logo bytes by profile id alone: the logo URL is public (it is shown on guests' pages). */
    logoOf: (id: string) =>
      sql.get<{ logo: Uint8Array; logo_type: string; logo_sha256: string }>('SELECT logo, logo_type, logo_sha256 FROM customization_profiles WHERE customization_profile_id = ? AND logo IS NOT NULL', id),
  };
}

export type CustomizationStore = ReturnType<typeof createCustomizationStore>;
