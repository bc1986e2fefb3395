/**
 * API keys (one workspace each) and personal access tokens (an operator's token that creates
 * workspaces and acts on the ones it created). Secrets are stored only as SHA-256 hashes; listings
 * show the first characters (`short_token`), never the secret. Revocation is a timestamp, and every
 * lookup skips revoked rows.
 */
import type { Sql } from './sqlite-base.ts';
import type { WorkspaceRow } from './types.ts';

export interface ApiKeyRow {
  api_key_id: string;
  workspace_id: string;
  name: string | null;
  short_token: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface PersonalAccessTokenRow {
  personal_access_token_id: string;
  name: string | null;
  short_token: string;
  created_at: string;
  revoked_at: string | null;
}

const apiKeyColumns = 'api_key_id, workspace_id, name, short_token, created_at, revoked_at';
const tokenColumns = 'personal_access_token_id, name, short_token, created_at, revoked_at';

export function createAccessKeyStore(sql: Sql) {
  return {
    listApiKeys: (workspaceId: string) =>
      sql.all<ApiKeyRow>(`SELECT ${apiKeyColumns} FROM api_keys WHERE workspace_id = ? AND revoked_at IS NULL ORDER BY created_at, rowid`, workspaceId),
    getApiKey: (workspaceId: string, apiKeyId: string) =>
      sql.get<ApiKeyRow>(`SELECT ${apiKeyColumns} FROM api_keys WHERE workspace_id = ? AND api_key_id = ? AND revoked_at IS NULL`, workspaceId, apiKeyId),
    revokeApiKey(apiKeyId: string, at: string): void {
      sql.run('UPDATE api_keys SET revoked_at = ? WHERE api_key_id = ? AND revoked_at IS NULL', at, apiKeyId);
    },

    insertPersonalAccessToken(row: PersonalAccessTokenRow & { token_hash: string }): void {
      sql.run(
        'INSERT INTO personal_access_tokens (personal_access_token_id, token_hash, name, short_token, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)',
        row.personal_access_token_id, row.token_hash, row.name, row.short_token, row.created_at, row.revoked_at,
      );
    },
    liveTokenByHash: (tokenHash: string) =>
      sql.get<PersonalAccessTokenRow>(`SELECT ${tokenColumns} FROM personal_access_tokens WHERE token_hash = ? AND revoked_at IS NULL`, tokenHash),
    listPersonalAccessTokens: () => sql.all<PersonalAccessTokenRow>(`SELECT ${tokenColumns} FROM personal_access_tokens WHERE revoked_at IS NULL ORDER BY created_at, rowid`),
    getPersonalAccessToken: (id: string) => sql.get<PersonalAccessTokenRow>(`SELECT ${tokenColumns} FROM personal_access_tokens WHERE personal_access_token_id = ? AND revoked_at IS NULL`, id),
    revokePersonalAccessToken(id: string, at: string): void {
      sql.run('UPDATE personal_access_tokens SET revoked_at = ? WHERE personal_access_token_id = ? AND revoked_at IS NULL', at, id);
    },

    /** Workspaces a personal access token created. */
    workspacesOfToken: (tokenId: string) => sql.all<WorkspaceRow>('SELECT * FROM workspaces WHERE created_by_token_id = ? ORDER BY created_at, rowid', tokenId),
    listWorkspaces: () => sql.all<WorkspaceRow>('SELECT * FROM workspaces ORDER BY created_at, rowid'),
  };
}

export type AccessKeyStore = ReturnType<typeof createAccessKeyStore>;
