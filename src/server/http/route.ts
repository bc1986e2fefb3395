/**
 * Route registration in the Seam style: every endpoint accepts the HTTP methods the SDK may use
 * (GET with a query string, POST/PUT/PATCH/DELETE with a JSON or empty form body); a Seam
 * endpoint's input is validated by Fastify against its generated schema first (apiRoute below),
 * and the handler returns the response fields; `ok: true` is added here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.ts';
import type { ClientSessionCaller } from '../services/client-sessions.ts';
import { callerOfRequest, type Caller } from './caller.ts';
import { clientSessionScope } from './client-session-scope.ts';
import { invalidInput, unauthorized } from './errors.ts';
import { refuseUnimplementedFields } from './fields.ts';
import { isPlainObject } from './input.ts';
import { queryInput, requestSchemaOf } from './request-schema.ts';

export interface ApiRequest {
  workspaceId: string;
  input: Record<string, unknown>;
  /** Set when a client-session token calls (the input is already narrowed: http/client-session-scope.ts). */
  clientSession?: ClientSessionCaller;
}

export type ApiHandler = (request: ApiRequest) => Promise<Record<string, unknown>>;

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

import { inputOf } from './request.ts';
export { bearerToken, inputOf, workspaceOfApiKey, workspaceOfRequest } from './request.ts';

/** The Seam paths each app registered through apiRoute (tests check them against http/fields.ts). */
const apiPaths = new WeakMap<FastifyInstance, string[]>();
export function apiPathsOf(app: FastifyInstance): readonly string[] {
  return apiPaths.get(app) ?? [];
}

/** The caller of a request, found before its input is validated (an unauthenticated request is a 401, whatever it sends). */
const callers = new WeakMap<FastifyRequest, Caller>();

/**
 * Registers a Seam-style endpoint. A Seam endpoint (one with a generated request schema,
 * http/request-schema.ts) is two Fastify routes sharing one handler: GET, whose query string is
 * the input (typed by queryInput, then validated by Fastify's ajv against the schema), and
 * POST/PUT/PATCH/DELETE, whose JSON body is the input (validated against the same schema; a
 * bodyless request's query string stands in for it). Before validation: the caller (401, also a
 * client session outside its scope table) and refused fields (400 with the reason, http/fields.ts);
 * after it, in the handler, the client session's narrowing. latchkey's own
 * endpoints (no schema) read the merged query + body and check it with http/input.ts alone.
 */
export function apiRoute(app: FastifyInstance, context: ServerContext, path: string, handler: ApiHandler): void {
  apiPaths.set(app, [...apiPathsOf(app), path]);
  const schema = requestSchemaOf(path);
  const preValidation = async (request: FastifyRequest): Promise<void> => {
    const caller = await callerOfRequest(context, request);
    refuseOutOfScope(caller, path);
    callers.set(request, caller);
    if (schema === undefined) return;
    if (request.method === 'GET' || request.method === 'HEAD') request.query = queryInput(request.query, schema);
    else if (request.body === undefined || request.body === '') request.body = queryInput(request.query, schema);
    // A refused field gets its reason, not the schema's complaint about some other field.
    refuseUnimplementedFields(path, validatedInputOf(request));
  };
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const caller = callers.get(request) ?? await callerOfRequest(context, request);
    const input = schema === undefined ? inputOf(request).input : validatedInputOf(request);
    refuseUnimplementedFields(path, input);
    const result = await runAsCaller(context, caller, path, input, handler);
    const pagination = result['pagination'] as { next_page_cursor?: string | null; next_page_url?: string | null } | undefined;
    if (typeof pagination?.next_page_cursor === 'string') pagination.next_page_url = nextPageUrl(context.config.publicBaseUrl, path, input, pagination.next_page_cursor);
    return reply.code(200).send({ ...result, ok: true });
  };
  if (schema === undefined) {
    app.route({ method: [...methods], url: path, preValidation, handler: handle });
    return;
  }
  app.route({ method: 'GET', url: path, schema: { querystring: schema }, preValidation, handler: handle });
  app.route({ method: methods.filter((method) => method !== 'GET'), url: path, schema: { body: schema }, preValidation, handler: handle });
}

/** The input Fastify validated: the query string of a GET, else the body (a copy: handlers may not write through it). */
function validatedInputOf(request: FastifyRequest): Record<string, unknown> {
  const source = request.method === 'GET' || request.method === 'HEAD' ? request.query : request.body;
  return isPlainObject(source) ? { ...source } : {};
}

/**
 * The same request for the next page, as a GET URL (every Seam route here accepts GET): the input's
 * fields as query parameters the way the seam SDK serialises them (arrays as repeated keys, an empty
 * array as `key=`, nested objects as `a.b`), with `page_cursor` replaced, keys sorted.
 */
export function nextPageUrl(baseUrl: string, path: string, input: Record<string, unknown>, cursor: string): string {
  const params = new URLSearchParams();
  const add = (name: string, value: unknown): void => {
    if (value === undefined || (typeof value === 'string' && value.length === 0)) return;
    if (Array.isArray(value)) {
      if (value.length === 0) params.set(name, '');
      for (const item of value) params.append(name, String(item));
    } else if (isPlainObject(value)) {
      for (const [key, inner] of Object.entries(value)) add(`${name}.${key}`, inner);
    } else params.set(name, value === null ? '' : String(value));
  };
  for (const [key, value] of Object.entries(input)) if (key !== 'page_cursor') add(key, value);
  params.set('page_cursor', cursor);
  params.sort();
  return `${baseUrl}${path}?${params.toString()}`;
}

/**
 * The per-endpoint caller check, in one place: an API key (or a personal access token naming one of
 * its workspaces) runs any workspace endpoint; a client session runs only the endpoints in
 * `clientSessionScope`, through that endpoint's narrowing policy; anything else is 401.
 */
async function runAsCaller(context: ServerContext, caller: Caller, path: string, input: Record<string, unknown>, handler: ApiHandler): Promise<Record<string, unknown>> {
  refuseOutOfScope(caller, path);
  if (caller.kind === 'client_session') return clientSessionScope.get(path)!(context, caller, input, (narrowed) => handler({ workspaceId: caller.workspaceId, input: narrowed, clientSession: caller }));
  return handler({ workspaceId: caller.workspaceId!, input });
}

/** 401 unless the caller may call `path` at all: a client session only within its scope table, a personal access token only with a workspace. */
function refuseOutOfScope(caller: Caller, path: string): void {
  if (caller.kind === 'client_session') {
    if (!clientSessionScope.has(path)) throw unauthorized(`a client session token cannot call ${path}: it needs an API key`);
  } else if (caller.workspaceId === undefined) throw unauthorized(`a personal access token needs a seam-workspace header to call ${path}`);
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
