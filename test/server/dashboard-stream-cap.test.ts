/**
 * Attack on issue 13 (second round, dashboard SSE flood): /dashboard/events had no cap on open
 * streams, and each stream recomputed the workspace's door snapshot every 100 ms, so one tenant's key
 * opening hundreds of streams slowed every tenant's API calls. Now a workspace may hold 8 streams and
 * the server 256 (config.dashboardStreams); one more is 429 `dashboard_streams_limit_reached` in the
 * Seam envelope, and a closed stream frees its place. The snapshot is computed once per workspace per
 * tick and fanned out to its streams.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { startTestServer } from './helpers.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function openStream(target: RunningServer): Promise<{ status: number; body?: Record<string, unknown>; close: () => void }> {
  const controller = new AbortController();
  const response = await fetch(`${target.url}/dashboard/events`, { headers: { authorization: `Bearer ${target.apiKey!}` }, signal: controller.signal });
  if (response.status !== 200) return { status: response.status, body: (await response.json()) as Record<string, unknown>, close: () => {} };
  // Read the first event so the stream is known to be live.
  const reader = response.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  expect(first).toContain('event: doors');
  return { status: 200, close: () => controller.abort() };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

it('a workspace holds at most 8 streams: the 9th is 429 in the Seam envelope, and a closed one frees its place', async () => {
  const streams = [];
  for (let i = 0; i < 8; i++) {
    const stream = await openStream(server);
    expect(stream.status).toBe(200);
    streams.push(stream);
  }
  const refused = await openStream(server);
  expect(refused.status).toBe(429);
  expect(refused.body).toMatchObject({ ok: false, error: { type: 'dashboard_streams_limit_reached' } });
  expect(typeof (refused.body!['error'] as { request_id?: unknown }).request_id).toBe('string');
  streams.pop()!.close();
  let again: Awaited<ReturnType<typeof openStream>> | undefined;
  await until(async () => {
    again = await openStream(server);
    return again.status === 200;
  });
  expect(again!.status).toBe(200);
  again!.close();
  for (const stream of streams) stream.close();
});

it('the server as a whole holds at most its total', async () => {
  const small = await startTestServer({ dashboardStreams: { perWorkspaceMax: 100, totalMax: 3 } });
  try {
    const streams = [];
    for (let i = 0; i < 3; i++) streams.push(await openStream(small));
    expect(streams.map((stream) => stream.status)).toEqual([200, 200, 200]);
    const refused = await openStream(small);
    expect(refused.status).toBe(429);
    expect((refused.body!['error'] as { type: string }).type).toBe('dashboard_streams_limit_reached');
    for (const stream of streams) stream.close();
  } finally {
    await small.close();
  }
});

it('one account (the token that created the workspaces) holds at most its share, so another tenant still gets a stream (third attack on issue 13)', async () => {
  const small = await startTestServer({ dashboardStreams: { perWorkspaceMax: 2, totalMax: 8, perAccountMax: 4 } });
  try {
    const { createPersonalAccessToken } = await import('../../src/server/services/workspaces.ts');
    const pat = (await createPersonalAccessToken(small.context, 'flood')).secret;
    const post = async (path: string, token: string, body: object, headers: Record<string, string> = {}) => {
      const response = await fetch(`${small.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      return (await response.json()) as Record<string, Record<string, string>>;
    };
    const statuses: number[] = [];
    const held: { close: () => void }[] = [];
    for (let w = 0; w < 4; w++) {
      const workspace = await post('/workspaces/create', pat, { name: `flood ${w}` });
      const key = await post('/api_keys/create', pat, { name: 'k' }, { 'seam-workspace': workspace['workspace']!['workspace_id']! });
      for (let i = 0; i < 2; i++) {
        const stream = await openStream({ ...small, apiKey: key['api_key']!['token']! } as RunningServer);
        statuses.push(stream.status);
        held.push(stream);
      }
    }
    // 4 of the flood's 8 streams opened (the account's share), so the server's 8 are not all taken.
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    const victim = await openStream(small);
    expect(victim.status).toBe(200);
    victim.close();
    for (const stream of held) stream.close();
  } finally {
    await small.close();
  }
});
