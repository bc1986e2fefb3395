/**
 * Reading a request: the bearer token, the workspace of an API key, and the merged query + body
 * input. Its own module so that http/caller.ts and http/route.ts (which uses the caller) do not
 * import each other; route.ts re-exports these.
 */
import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.ts';
import { hashToken } from '../issuance/tokens.ts';
import { invalidInput, unauthorized } from './errors.ts';
import { isPlainObject } from './input.ts';

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header.trim());
  return match?.[1];
}

/** The workspace of an API key (`seam_…`, not a client-session token or other kind); 401 otherwise. */
export async function workspaceOfApiKey(context: ServerContext, token: string): Promise<string> {
  if (!token.startsWith('seam_') || token.startsWith('seam_cst') || token.startsWith('seam_at') || token.startsWith('seam_pk')) throw unauthorized('an API key (seam_…) is required');
  const workspaceId = await context.repo.directory.workspaceIdOfKey(hashToken(token));
  if (workspaceId === undefined) throw unauthorized('unknown API key');
  return workspaceId;
}

/** API keys only, as `Authorization: Bearer` (never in a URL: URLs end up in logs and histories). */
export async function workspaceOfRequest(context: ServerContext, request: FastifyRequest): Promise<string> {
  const token = bearerToken(request);
  if (token === undefined) throw unauthorized('missing Authorization: Bearer <api key>');
  return workspaceOfApiKey(context, token);
}

/** The merged query + body of a request to one of latchkey's own endpoints (no Seam schema; Seam endpoints: http/route.ts). */
export function inputOf(request: FastifyRequest): { input: Record<string, unknown> } {
  const query = isPlainObject(request.query) ? request.query : {};
  const body: unknown = request.body;
  if (body === undefined || body === '') return { input: { ...query } };
  if (!isPlainObject(body)) throw invalidInput('the request body must be a JSON object');
  return { input: { ...query, ...body } };
}
