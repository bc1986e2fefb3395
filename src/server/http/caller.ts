/**
 * Who is calling: the bearer token's kind decides, by the Seam SDK's prefixes —
 *   `seam_cst…` a client session (one workspace, its own identities only: http/client-session-scope.ts),
 *   `seam_at…`  a personal access token (workspaces/create and /list; with a `seam-workspace` header
 *               naming a workspace it created, it acts as that workspace's API key),
 *   `seam_…`    an API key (one workspace). `seam_pk…` (publishable keys) are not supported.
 * Unknown, revoked or expired tokens are 401.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.ts';
import { hashToken } from '../issuance/tokens.ts';
import { clientSessionCaller, type ClientSessionCaller } from '../services/client-sessions.ts';
import { unauthorized } from './errors.ts';
import { bearerToken, inputOf, workspaceOfApiKey } from './request.ts';

export type Caller =
  | { kind: 'api_key'; workspaceId: string }
  | { kind: 'personal_access_token'; tokenId: string; workspaceId: string | undefined }
  | ({ kind: 'client_session' } & ClientSessionCaller);

export const personalAccessTokenPrefix = 'seam_at';
export const clientSessionPrefix = 'seam_cst';

export async function callerOfRequest(context: ServerContext, request: FastifyRequest): Promise<Caller> {
  const token = bearerToken(request);
  if (token === undefined) throw unauthorized('missing Authorization: Bearer <api key>');
  if (token.startsWith(clientSessionPrefix)) return { kind: 'client_session', ...await clientSessionCaller(context, token) };
  if (token.startsWith(personalAccessTokenPrefix)) {
    const row = await context.repo.accessKeys.liveTokenByHash(hashToken(token));
    if (row === undefined) throw unauthorized('unknown or revoked personal access token');
    const header = request.headers['seam-workspace'];
    if (header === undefined) return { kind: 'personal_access_token', tokenId: row.personal_access_token_id, workspaceId: undefined };
    const owned = typeof header === 'string' && (await context.repo.accessKeys.workspacesOfToken(row.personal_access_token_id)).some((w) => w.workspace_id === header);
    if (!owned) throw unauthorized('the seam-workspace header names no workspace this personal access token created');
    return { kind: 'personal_access_token', tokenId: row.personal_access_token_id, workspaceId: header as string };
  }
  return { kind: 'api_key', workspaceId: await workspaceOfApiKey(context, token) };
}

/**
 * An endpoint that is not one workspace's (workspaces/create, workspaces/list): the kinds of caller
 * it accepts are declared here, per route, and any other caller is 401 before the handler runs.
 */
/** Paths registered with `callerRoute` that accept a client session (besides http/client-session-scope.ts). */
export const callerRoutesOpenToClientSessions = new Set<string>();

export function callerRoute<K extends Caller['kind']>(
  app: FastifyInstance,
  context: ServerContext,
  path: string,
  accepted: readonly K[],
  handler: (caller: Extract<Caller, { kind: K }>, input: Record<string, unknown>) => Promise<Record<string, unknown>>,
): void {
  if ((accepted as readonly string[]).includes('client_session')) callerRoutesOpenToClientSessions.add(path);
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: path,
    handler: async (request, reply) => {
      const caller = await callerOfRequest(context, request);
      if (!(accepted as readonly string[]).includes(caller.kind)) throw unauthorized(`${path} needs ${accepted.join(' or ').replaceAll('_', ' ')}`);
      const { input } = inputOf(request);
      return reply.code(200).send({ ...(await handler(caller as Extract<Caller, { kind: K }>, input)), ok: true });
    },
  });
}
