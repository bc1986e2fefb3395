/**
 * The server's HTML pages against framing and key leaks (issue 13, items 4 and 5): `/dashboard`
 * (sign-in form and page) and `/ik/<code>` forbid being framed (CSP `frame-ancestors 'none'` and
 * X-Frame-Options DENY); the dashboard takes its API key in a POST body only and hands back an
 * HttpOnly, SameSite=Strict session cookie holding a ticket (not the key) that its EventSource and
 * JSON routes accept; `?key=` in a URL no longer signs anyone in.
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

function expectNoFraming(response: Response): void {
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
}

async function signIn(key: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/dashboard/session`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ key }).toString(),
  });
}

describe('framing', () => {
  it('the Instant Key page may not be framed', async () => {
    const page = await fetch(server.instantKeyUrl!);
    expect(page.status).toBe(200);
    expectNoFraming(page);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'"); // its own policy kept
  });

  it('the dashboard, its sign-in form and the API answers may not be framed', async () => {
    const form = await fetch(`${server.url}/dashboard`);
    expect(form.status).toBe(401);
    expectNoFraming(form);
    const cookie = (await signIn(server.apiKey!)).headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(`${server.url}/dashboard`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expectNoFraming(page);
    expectNoFraming(await fetch(`${server.url}/workspaces/get`, { headers: { authorization: `Bearer ${server.apiKey!}` } }));
  });
});

describe('dashboard sign-in', () => {
  it('a posted API key becomes an HttpOnly, SameSite=Strict ticket cookie that the page, its events and its JSON accept', async () => {
    const form = await fetch(`${server.url}/dashboard`);
    expect(await form.text()).toContain('<form method="post" action="/dashboard/session">');
    const answer = await signIn(server.apiKey!);
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/dashboard');
    const setCookie = answer.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^latchkey_dashboard=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).not.toContain(server.apiKey!);
    const cookie = setCookie.split(';')[0]!;

    const page = await fetch(`${server.url}/dashboard`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const script = await (await fetch(`${server.url}/dashboard/app.js`)).text();
    expect(script).not.toContain('key=');
    expect(script).toContain("new EventSource('/dashboard/events')");
    const doors = await fetch(`${server.url}/dashboard/doors`, { headers: { cookie } });
    expect(doors.status).toBe(200);
    expect(((await doors.json()) as { doors: unknown[] }).doors.length).toBe(server.property.doors.size);
    expect((await fetch(`${server.url}/sim/links`, { headers: { cookie } })).status).toBe(200);

    const events = new AbortController();
    const stream = await fetch(`${server.url}/dashboard/events`, { headers: { cookie }, signal: events.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    events.abort();

    const signedOut = await fetch(`${server.url}/dashboard/sign-out`, { method: 'POST', redirect: 'manual', headers: { cookie } });
    expect(signedOut.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await fetch(`${server.url}/dashboard/doors`, { headers: { cookie } })).status).toBe(401);
  });

  it('refuses a key in the URL, a wrong key, a client-session token, a made-up cookie and a cross-site sign-in', async () => {
    expect((await fetch(`${server.url}/dashboard?key=${encodeURIComponent(server.apiKey!)}`)).status).toBe(401);
    expect((await fetch(`${server.url}/dashboard/doors?key=${encodeURIComponent(server.apiKey!)}`)).status).toBe(401);
    expect((await fetch(`${server.url}/dashboard/events?key=${encodeURIComponent(server.apiKey!)}`)).status).toBe(401);
    expect((await fetch(`${server.url}/sim/links?key=${encodeURIComponent(server.apiKey!)}`)).status).toBe(401);
    const wrong = await signIn('seam_lk1_not-a-key');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect((await signIn('seam_cst1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
    expect((await signIn('')).status).toBe(401);
    expect((await fetch(`${server.url}/dashboard/doors`, { headers: { cookie: 'latchkey_dashboard=made-up' } })).status).toBe(401);
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site', origin: 'null' }] as Record<string, string>[]) {
      const crossSite = await signIn(server.apiKey!, headers);
      expect(crossSite.status).toBe(403);
      expect(crossSite.headers.get('set-cookie')).toBeNull();
    }
  });
});
