/**
 * Workspaces and their keys through the API (docs/API.md):
 *   workspaces/create   (Seam) personal access token only → the workspace; the token then acts on it
 *                       with a `seam-workspace: <workspace_id>` header (SeamHttp.fromPersonalAccessToken)
 *   workspaces/list     (Seam) a personal access token: the workspaces it created; an API key or a
 *                       client session: its own workspace
 *   api_keys/create     (latchkey) { name? } → { api_key: { …, token } } — the secret, shown once
 *   api_keys/list       (latchkey) → { api_keys } (ids, names, first characters; never the secret)
 *   api_keys/revoke     (latchkey) { api_key_id } → {} — the key stops working on its next request
 * The api_keys/* endpoints are workspace endpoints (an API key, or a personal access token naming
 * the workspace); Seam has no public equivalent (keys are made in its console).
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { callerRoute } from '../http/caller.ts';
import { invalidInput } from '../http/errors.ts';
import { checkInput } from '../http/input.ts';
import { apiRoute } from '../http/route.ts';
import { workspaceJson } from '../http/serialize.ts';
import { apiKeyJson, createApiKey, createTenantWorkspace, revokeApiKey, workspaceOf } from '../services/workspaces.ts';

/** workspaces/create fields about Connect Webviews, which latchkey does not have: refused by name, never ignored. */
const webviewFields = ['connect_webview_customization', 'webview_logo_shape', 'webview_primary_button_color', 'webview_primary_button_text_color', 'webview_success_message'];

export function registerWorkspaceRoutes(app: FastifyInstance, context: ServerContext): void {
  callerRoute(app, context, '/workspaces/create', ['personal_access_token'], async (caller, input) => {
    const refused = webviewFields.filter((name) => input[name] !== undefined);
    if (refused.length > 0) throw invalidInput(`latchkey has no Connect Webviews: ${refused.join(', ')} not supported`, refused.map((path) => ({ path, message: 'not supported (no Connect Webviews)' })));
    const q = checkInput(input, {
      name: { kind: 'string', required: true, min: 1, max: 200 }, company_name: { kind: 'string', min: 1, max: 200 },
      connect_partner_name: { kind: 'string', min: 1, max: 200, nullable: true }, is_sandbox: { kind: 'bool' },
    });
    const row = await createTenantWorkspace(context, { name: q.name, companyName: q.company_name ?? q.connect_partner_name ?? undefined, isSandbox: q.is_sandbox, createdByTokenId: caller.tokenId });
    return { workspace: workspaceJson(row) };
  });

  callerRoute(app, context, '/workspaces/list', ['personal_access_token', 'api_key', 'client_session'], async (caller, input) => {
    checkInput(input, {});
    const rows = caller.kind === 'personal_access_token' ? await context.repo.accessKeys.workspacesOfToken(caller.tokenId) : [await workspaceOf(context, caller.workspaceId)];
    return { workspaces: rows.map(workspaceJson) };
  });

  apiRoute(app, context, '/api_keys/create', async ({ workspaceId, input }) => {
    const q = checkInput(input, { name: { kind: 'string', min: 1, max: 200 } });
    const { secret, row } = await createApiKey(context, workspaceId, q.name);
    return { api_key: { ...apiKeyJson(row), token: secret } };
  });
  apiRoute(app, context, '/api_keys/list', async ({ workspaceId, input }) => {
    checkInput(input, {});
    return { api_keys: (await context.repo.accessKeys.listApiKeys(workspaceId)).map(apiKeyJson) };
  });
  apiRoute(app, context, '/api_keys/revoke', async ({ workspaceId, input }) => {
    const { api_key_id } = checkInput(input, { api_key_id: { kind: 'uuid', required: true } });
    await revokeApiKey(context, workspaceId, api_key_id);
    return {};
  });
}
