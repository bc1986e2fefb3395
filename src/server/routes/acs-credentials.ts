/**
 * Seam `acs/credentials/list`: the mobile-key credentials phones hold (one per grant revision and
 * phone, issued at registration or sync; revoked and superseded ones are not listed). A credential's
 * `acs_credential_id` is its 16-byte protocol id written as a UUID; `user_identity_id` is the
 * phone's owner, `starts_at`/`ends_at` its validity. Filters: `user_identity_id`, `acs_system_id`,
 * `created_before`, `search` (the phone's name), `limit`/`page_cursor`. latchkey has no ACS users
 * and no multi-phone sync credentials: `acs_user_id`, or `is_multi_phone_sync_credential: true`,
 * match nothing. A client session sees its own identities' credentials (http/client-session-scope.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { checkInput } from '../http/input.ts';
import { apiRoute, pageRequest, paginationJson } from '../http/route.ts';
import type { CredentialViewRow } from '../repository/sqlite-credentials.ts';

const uuidOfHex = (hex: string): string => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;

export function acsCredentialJson(row: CredentialViewRow) {
  return {
    acs_credential_id: uuidOfHex(row.credential_id),
    workspace_id: row.workspace_id,
    acs_system_id: row.acs_system_id,
    connected_account_id: row.connected_account_id,
    user_identity_id: row.user_identity_id,
    display_name: `Mobile key · ${row.phone_name}`,
    access_method: 'mobile_key' as const,
    created_at: row.issued_at,
    issued_at: row.issued_at,
    is_issued: true,
    starts_at: row.starts_at,
    ends_at: new Date(row.expires_at_s * 1000).toISOString(),
    is_managed: true,
    is_multi_phone_sync_credential: false,
    is_one_time_use: false,
    errors: [],
    warnings: [],
  };
}

export function registerAcsCredentialRoutes(app: FastifyInstance, context: ServerContext): void {
  apiRoute(app, context, '/acs/credentials/list', async ({ workspaceId, input }) => {
    const q = checkInput(input, {
      user_identity_id: { kind: 'uuid' }, acs_system_id: { kind: 'uuid' }, acs_user_id: { kind: 'uuid' }, created_before: { kind: 'datetime' },
      is_multi_phone_sync_credential: { kind: 'bool' }, search: { kind: 'string', max: 200 },
      limit: { kind: 'int', min: 1, max: 1000 }, page_cursor: { kind: 'string', max: 64, nullable: true },
    });
    if (q.acs_user_id !== undefined || q.is_multi_phone_sync_credential === true) return { acs_credentials: [], pagination: paginationJson(undefined) };
    const page = await context.repo.credentialViews.listCredentials(workspaceId, q, pageRequest(q));
    return { acs_credentials: page.rows.map(acsCredentialJson), pagination: paginationJson(page.nextOffset) };
  });
}
