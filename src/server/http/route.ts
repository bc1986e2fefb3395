/**
 * Route registration in the Seam style: every endpoint accepts the HTTP methods the SDK may use
 * (GET with a query string, POST/PUT/PATCH/DELETE with a JSON or empty form body), input is the
 * merged query + body object, and the handler returns the response fields; `ok: true` is added here.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.ts';
import { hashToken } from '../issuance/tokens.ts';
import type { ClientSessionCaller } from '../services/client-sessions.ts';
import { callerOfRequest, type Caller } from './caller.ts';
import { clientSessionScope } from './client-session-scope.ts';
import { invalidInput, unauthorized } from './errors.ts';
import { isPlainObject } from './input.ts';

export interface ApiRequest {
  workspaceId: string;
  input: Record<string, unknown>;
  fromQuery: boolean;
  /** Set when a client-session token calls (the input is already narrowed: http/client-session-scope.ts). */
  clientSession?: ClientSessionCaller;
}

export type ApiHandler = (request: ApiRequest) => Record<string, unknown>;

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header.trim());
  return match?.[1];
}

/** The workspace of an API key (`seam_…`, not a client-session token or other kind); 401 otherwise. */
export function workspaceOfApiKey(context: ServerContext, token: string): string {
  if (!token.startsWith('seam_') || token.startsWith('seam_cst') || token.startsWith('seam_at') || token.startsWith('seam_pk')) throw unauthorized('an API key (seam_…) is required');
  const workspaceId = context.repo.directory.workspaceIdOfKey(hashToken(token));
  if (workspaceId === undefined) throw unauthorized('unknown API key');
  return workspaceId;
}

/** API keys only, as `Authorization: Bearer` (never in a URL: URLs end up in logs and histories). */
export function workspaceOfRequest(context: ServerContext, request: FastifyRequest): string {
  const token = bearerToken(request);
  if (token === undefined) throw unauthorized('missing Authorization: Bearer <api key>');
  return workspaceOfApiKey(context, token);
}

export function inputOf(request: FastifyRequest): { input: Record<string, unknown>; fromQuery: boolean } {
  const query = isPlainObject(request.query) ? request.query : {};
  const body: unknown = request.body;
  if (body === undefined || body === '') return { input: { ...query }, fromQuery: Object.keys(query).length > 0 };
  if (!isPlainObject(body)) throw invalidInput('the request body must be a JSON object');
  return { input: { ...query, ...body }, fromQuery: false };
}

export function apiRoute(app: FastifyInstance, context: ServerContext, path: string, handler: ApiHandler): void {
  app.route({
    method: [...methods],
    url: path,
    handler: async (request, reply) => {
      const caller = callerOfRequest(context, request);
      const { input, fromQuery } = inputOf(request);
      const result = runAsCaller(context, caller, path, input, fromQuery, handler);
      return reply.code(200).send({ ...result, ok: true });
    },
  });
}

/**
 * The per-endpoint caller check, in one place: an API key (or a personal access token naming one of
 * its workspaces) runs any workspace endpoint; a client session runs only the endpoints in
 * `clientSessionScope`, through that endpoint's narrowing policy; anything else is 401.
 */
function runAsCaller(context: ServerContext, caller: Caller, path: string, input: Record<string, unknown>, fromQuery: boolean, handler: ApiHandler): Record<string, unknown> {
  if (caller.kind === 'client_session') {
    const policy = clientSessionScope.get(path);
    if (policy === undefined) throw unauthorized(`a client session token cannot call ${path}: it needs an API key`);
    return policy(context, caller, input, (narrowed) => handler({ workspaceId: caller.workspaceId, input: narrowed, fromQuery, clientSession: caller }));
  }
  if (caller.workspaceId === undefined) throw unauthorized(`a personal access token needs a seam-workspace header to call ${path}`);
  return handler({ workspaceId: caller.workspaceId, input, fromQuery });
}

/** Seam pagination object + cursor decoding (cursor = base64url of the next offset). */
export function pageRequest(input: { limit?: number | undefined; page_cursor?: string | null | undefined }): { limit: number; offset: number } {
  const limit = input.limit ?? 500;
  let offset = 0;
  if (input.page_cursor !== undefined && input.page_cursor !== null) {
    const decoded = Buffer.from(input.page_cursor, 'base64url').toString('utf8');
    if (!/^\d{1,9}$/.test(decoded)) throw invalidInput('page_cursor is not valid', [{ path: 'page_cursor', message: 'not a cursor from this server' }]);
    offset = Number(decoded);
  }
  return { limit, offset };
}

export function paginationJson(nextOffset: number | undefined) {
  const cursor = nextOffset === undefined ? null : Buffer.from(String(nextOffset), 'utf8').toString('base64url');
  return { has_next_page: cursor !== null, next_page_cursor: cursor, next_page_url: null };
}
