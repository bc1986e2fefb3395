/**
 * Attack on issue 13: Seam's endpoints take JSON, but a filled form body was parsed into strings and
 * run (`full_name=x` created an identity), and other content types answered with Fastify's own
 * error codes in the message. Now every non-JSON body on a Seam route is a 400 invalid_input in
 * Seam's envelope (never 415 or 500), nothing is written, and the two forms that must work still do:
 * the empty form body the seam SDK sends for a bare list(), and the dashboard's sign-in form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { startTestServer } from './helpers.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function post(path: string, contentType: string | undefined, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { authorization: `Bearer ${server.apiKey!}` };
  if (contentType !== undefined) headers['content-type'] = contentType;
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function expectSeamInvalidInput(response: { status: number; body: Record<string, unknown> }): void {
  expect(response.status).toBe(400);
  expect(response.body['ok']).toBe(false);
  const error = response.body['error'] as { type: string; message: string; request_id: string; validation_errors: unknown };
  expect(error.type).toBe('invalid_input');
  expect(typeof error.request_id).toBe('string');
  expect(error.validation_errors).toBeDefined();
  expect(error.message).not.toMatch(/FST_/);
}

describe('non-JSON bodies on Seam routes', () => {
  it('a filled form body is 400 invalid_input and writes nothing', async () => {
    const before = await post('/user_identities/list', 'application/json', '{}');
    const count = (before.body['user_identities'] as unknown[]).length;
    expectSeamInvalidInput(await post('/user_identities/create', 'application/x-www-form-urlencoded', 'full_name=Form+Guest'));
    expectSeamInvalidInput(await post('/user_identities/list', 'application/x-www-form-urlencoded', 'limit=2'));
    const after = await post('/user_identities/list', 'application/json', '{}');
    expect((after.body['user_identities'] as unknown[]).length).toBe(count);
  });

  it('other content types are 400 invalid_input in the Seam envelope, never 415 or 500', async () => {
    for (const [type, body] of [['application/xml', '<a/>'], ['multipart/form-data; boundary=x', '--x--'], ['text/csv', 'a,b'], ['application/json', '{bad'], ['text/plain', 'hello']] as const) {
      expectSeamInvalidInput(await post('/user_identities/list', type, body));
    }
  });

  it('the empty form body of a bare list() and the dashboard sign-in form still work', async () => {
    expect((await post('/user_identities/list', 'application/x-www-form-urlencoded', '')).status).toBe(200);
    const signIn = await fetch(`${server.url}/dashboard/session`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ key: server.apiKey! }).toString() });
    expect(signIn.status).toBe(303);
  });
});
