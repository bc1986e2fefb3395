/**
 * Signing in to the door dashboard without an API key in any URL. The operator posts the key once
 * (a form body, never a query string); the server answers with a random ticket in a cookie,
 * `HttpOnly` (page scripts cannot read it), `SameSite=Strict` (no other site's page can send it)
 * and `Path=/` (the dashboard's EventSource and `/sim/links` send it by themselves: EventSource
 * cannot set headers, which is why the key used to travel as `?key=`). The cookie holds the ticket,
 * not the key: tickets live `dashboardSessionLifetimeMs`, in memory (a restart signs everyone out),
 * and each use re-checks the key it was made from. Tickets are bounded per workspace
 * (`dashboardSessionsPerWorkspaceMax`: a new sign-in evicts only its own workspace's oldest, so one
 * tenant signing in a thousand times cannot sign another tenant's front desk out, as the global FIFO
 * used to), and in all (`dashboardSessionsMax`: when full, the workspace holding the most tickets
 * loses its oldest).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.ts';
import { hashToken } from '../issuance/tokens.ts';
import { unauthorized } from './errors.ts';
import { bearerToken, workspaceOfApiKey } from './route.ts';

export const dashboardCookieName = 'latchkey_dashboard';
/** A working day: long enough for a shift at the front desk, short enough that a forgotten browser signs out. */
export const dashboardSessionLifetimeMs = 8 * 3600_000;
export const dashboardSessionsPerWorkspaceMax = 50;
export const dashboardSessionsMax = 10_000;

interface Ticket {
  apiKeyHash: string;
  workspaceId: string;
  expiresAtMs: number;
}

export interface DashboardSessions {
  /** Checks the API key and mints a ticket; returns the `Set-Cookie` value. */
  signIn(apiKey: string): Promise<string>;
  /** Forgets the request's ticket; returns the `Set-Cookie` value that clears the cookie. */
  signOut(request: FastifyRequest): string;
  /** The workspace of `Authorization: Bearer <api key>`, else of the session cookie; 401 otherwise. */
  workspaceOf(request: FastifyRequest): Promise<string>;
}

export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

const ticketHash = (ticket: string): string => createHash('sha256').update(ticket, 'utf8').digest('hex');

export function createDashboardSessions(context: ServerContext): DashboardSessions {
  const tickets = new Map<string, Ticket>();
  const cookie = (value: string, maxAgeS: number): string => `${dashboardCookieName}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}`;
  /** The oldest ticket of `workspaceId` (Map order is insertion order). */
  const evictOldestOf = (workspaceId: string): void => {
    for (const [hash, ticket] of tickets) {
      if (ticket.workspaceId === workspaceId) {
        tickets.delete(hash);
        return;
      }
    }
  };
  /** Drops expired tickets, then makes room for one more ticket of `workspaceId`. */
  const makeRoom = (nowMs: number, workspaceId: string): void => {
    const perWorkspace = new Map<string, number>();
    for (const [hash, ticket] of tickets) {
      if (ticket.expiresAtMs <= nowMs) tickets.delete(hash);
      else perWorkspace.set(ticket.workspaceId, (perWorkspace.get(ticket.workspaceId) ?? 0) + 1);
    }
    if ((perWorkspace.get(workspaceId) ?? 0) >= dashboardSessionsPerWorkspaceMax) evictOldestOf(workspaceId);
    else if (tickets.size >= dashboardSessionsMax) {
      const [largest] = [...perWorkspace].reduce((top, entry) => (entry[1] > top[1] ? entry : top));
      evictOldestOf(largest);
    }
  };
  return {
    async signIn(apiKey) {
      const workspaceId = await workspaceOfApiKey(context, apiKey);
      const nowMs = context.clock();
      makeRoom(nowMs, workspaceId);
      const ticket = randomBytes(32).toString('base64url');
      tickets.set(ticketHash(ticket), { apiKeyHash: hashToken(apiKey), workspaceId, expiresAtMs: nowMs + dashboardSessionLifetimeMs });
      return cookie(ticket, dashboardSessionLifetimeMs / 1000);
    },
    signOut(request) {
      const ticket = cookieValue(request, dashboardCookieName);
      if (ticket !== undefined) tickets.delete(ticketHash(ticket));
      return cookie('', 0);
    },
    async workspaceOf(request) {
      const bearer = bearerToken(request);
      if (bearer !== undefined) return workspaceOfApiKey(context, bearer);
      const value = cookieValue(request, dashboardCookieName);
      const ticket = value === undefined ? undefined : tickets.get(ticketHash(value));
      if (ticket === undefined || ticket.expiresAtMs <= context.clock()) throw unauthorized('sign in to the dashboard (POST /dashboard/session) or send Authorization: Bearer <api key>');
      const workspaceId = await context.repo.directory.workspaceIdOfKey(ticket.apiKeyHash);
      if (workspaceId === undefined) throw unauthorized('the API key this session was made from is no longer valid');
      return workspaceId;
    },
  };
}
