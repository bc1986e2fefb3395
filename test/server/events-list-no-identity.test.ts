/**
 * events/list with a client-session token that carries no user identity answers an empty page in
 * the same shape as every other caller's: `events` and `pagination` (third attack on issue 13: the
 * pagination object was missing, so a client reading `pagination.has_next_page` broke).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { call, startTestServer } from './helpers.ts';

let server: RunningServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });

it('an identity-less client session gets an empty events page with pagination', async () => {
  const created = await call(server.url, '/client_sessions/create', { token: server.apiKey!, body: {} });
  expect(created.status).toBe(200);
  const token = (created.body['client_session'] as { token: string }).token;
  const listed = await call(server.url, '/events/list', { token, body: {} });
  expect(listed.status).toBe(200);
  expect(listed.body).toMatchObject({ events: [], pagination: { has_next_page: false, next_page_cursor: null, next_page_url: null } });
});
