/**
 * Attack on issue 13, two low findings on the door dashboard:
 * - tickets were one global FIFO of 1000, so one tenant signing in 1000 times signed every other
 *   tenant's front desk out; now each workspace holds at most 50 and evicts only its own oldest;
 * - the SSE stream (`/dashboard/events`, written on the raw socket) lacked the headers every other
 *   page gets: now text/event-stream, Cache-Control no-cache + no-store, X-Accel-Buffering no, and
 *   the security headers (no framing, nosniff, no referrer) and the request id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import type { RunningServer } from '../../src/server/index.ts';
import { createDashboardSessions, dashboardSessionsPerWorkspaceMax } from '../../src/server/http/dashboard-session.ts';
import { createWorkspace } from '../../src/server/provision.ts';
import { startTestServer } from './helpers.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const requestWithCookie = (setCookie: string): FastifyRequest => ({ headers: { cookie: setCookie.split(';')[0]! } }) as unknown as FastifyRequest;

describe('dashboard tickets are bounded per workspace', () => {
  it('another tenant signing in 1001 times does not sign this one out; it evicts only its own oldest tickets', async () => {
    const sessions = createDashboardSessions(server.context);
    const mine = await sessions.signIn(server.apiKey!);
    const other = await createWorkspace(server.context, 'Noisy Inn');
    const otherCookies: string[] = [];
    for (let i = 0; i < 1001; i++) otherCookies.push(await sessions.signIn(other.apiKey));
    expect(await sessions.workspaceOf(requestWithCookie(mine))).toBe(server.workspaceId);
    // The other tenant keeps its newest 50 and lost its older ones.
    expect(await sessions.workspaceOf(requestWithCookie(otherCookies.at(-1)!))).toBe(other.workspaceId);
    expect(await sessions.workspaceOf(requestWithCookie(otherCookies.at(-dashboardSessionsPerWorkspaceMax)!))).toBe(other.workspaceId);
    await expect(sessions.workspaceOf(requestWithCookie(otherCookies.at(-dashboardSessionsPerWorkspaceMax - 1)!))).rejects.toThrow();
    await expect(sessions.workspaceOf(requestWithCookie(otherCookies[0]!))).rejects.toThrow();
  });

  it('a workspace\'s 51st sign-in evicts its own oldest', async () => {
    const sessions = createDashboardSessions(server.context);
    const cookies: string[] = [];
    for (let i = 0; i <= dashboardSessionsPerWorkspaceMax; i++) cookies.push(await sessions.signIn(server.apiKey!));
    await expect(sessions.workspaceOf(requestWithCookie(cookies[0]!))).rejects.toThrow();
    expect(await sessions.workspaceOf(requestWithCookie(cookies[1]!))).toBe(server.workspaceId);
  });
});

describe('the dashboard event stream', () => {
  it('is served as SSE with no caching or proxy buffering and the security headers the pages get', async () => {
    const events = new AbortController();
    const stream = await fetch(`${server.url}/dashboard/events`, { headers: { authorization: `Bearer ${server.apiKey!}` }, signal: events.signal });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const cacheControl = stream.headers.get('cache-control') ?? '';
      expect(cacheControl).toContain('no-cache');
      expect(cacheControl).toContain('no-store');
      expect(stream.headers.get('x-accel-buffering')).toBe('no');
      expect(stream.headers.get('x-frame-options')).toBe('DENY');
      expect(stream.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
      expect(stream.headers.get('referrer-policy')).toBe('no-referrer');
      expect(stream.headers.get('seam-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      events.abort();
    }
  });
});
