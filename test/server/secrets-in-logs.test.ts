/**
 * No secret in any log line (issue 13, item 4). The server logs at trace level into a captured
 * stream while a realistic flow runs: API calls with the key, a grant, the guest opening the Instant
 * Key page and link, registering and syncing, the operator signing in to the dashboard and watching
 * it, the simulator links, and the mistakes people make (a key pasted into a URL, a token in a path,
 * a wrong bearer). Then none of the API key, client-session token, link code, simulator token or
 * dashboard ticket appears in the log, while the lines that name those routes are there, masked.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { redactSecrets } from '../../src/server/http/redact.ts';
import { codeFromInstantKeyUrl } from '../../src/server/issuance/tokens.ts';
import { call, newHolder, registerPhone, startTestServer } from './helpers.ts';

let server: RunningServer;
let log = '';

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log += chunk.toString('utf8');
      done();
    },
  });
  server = await startTestServer({ logLevel: 'trace', logDestination: sink });
});

afterAll(async () => {
  await server.close();
});

it('masks every kind of secret in a line', () => {
  const apiKey = 'seam_lk1_AbCdEfGhIjKlMnOpQrStUvWxYz012345';
  const line = `GET /dashboard?key=${apiKey}&x=1 /ik/Q2FmZWJhYmVDYWZlYmFiZQ?sim=abcDEF123_- Bearer seam_cst1_abc Bearer opaque.token latchkey_dashboard=t1ck3t; /ik/logo/a/b`;
  const masked = redactSecrets(line);
  for (const secret of [apiKey, 'Q2FmZWJhYmVDYWZlYmFiZQ', 'abcDEF123_-', 'seam_cst1_abc', 'opaque.token', 't1ck3t']) expect(masked).not.toContain(secret);
  expect(masked).toContain('/ik/logo/a/b'); // no secret in a logo path: kept for debugging
  expect(masked).toContain('&x=1');
});

it('a realistic flow leaves no secret in the log', async () => {
  const apiKey = server.apiKey!;
  const entrances = (await call(server.url, '/acs/entrances/list', { token: apiKey, body: {} })).body['acs_entrances'] as { acs_entrance_id: string }[];
  const grant = (await call(server.url, '/access_grants/create', {
    token: apiKey,
    body: { user_identity: { full_name: 'Logged Guest' }, acs_entrance_ids: [entrances[0]!.acs_entrance_id], requested_access_methods: [{ mode: 'mobile_key' }], ends_at: new Date(Date.now() + 86400_000).toISOString() },
  })).body['access_grant'] as { instant_key_url: string };
  const url = grant.instant_key_url;
  const code = codeFromInstantKeyUrl(url);

  expect((await fetch(url)).status).toBe(200); // the guest's page
  const opened = await call(server.url, '/instant_key_app/open', { body: { instant_key_url: url } });
  const token = opened.body['client_session_token'] as string;
  const registered = await registerPhone(server.url, token, newHolder());
  expect(registered.status).toBe(200);
  const deviceId = (registered.body['phone'] as { device_id: string }).device_id;
  expect((await call(server.url, '/instant_key_app/sync', { token, body: { device_id: deviceId } })).status).toBe(200);

  const signIn = await fetch(`${server.url}/dashboard/session`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `key=${encodeURIComponent(apiKey)}` });
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  const ticket = cookie.split('=')[1]!;
  expect((await fetch(`${server.url}/dashboard`, { headers: { cookie } })).status).toBe(200);
  expect((await fetch(`${server.url}/dashboard/doors`, { headers: { cookie } })).status).toBe(200);
  const links = (await (await fetch(`${server.url}/sim/links`, { headers: { cookie } })).json()) as { links: { simulator_url: string }[] };
  const simulatorUrl = links.links[0]!.simulator_url;
  const simToken = new URL(simulatorUrl).searchParams.get('sim')!;
  expect((await fetch(simulatorUrl)).status).toBe(200);

  // Mistakes: secrets where they do not belong still never reach the log.
  await fetch(`${server.url}/dashboard?key=${encodeURIComponent(apiKey)}`);
  await fetch(`${server.url}/workspaces/get?key=${encodeURIComponent(apiKey)}&token=${token}`);
  await fetch(`${server.url}/no/such/route/${apiKey}/${token}`);
  await fetch(`${server.url}/workspaces/get`, { headers: { authorization: 'Bearer not-a-seam-secret-but-still-secret' } });
  await fetch(`${server.url}/ik/${code}?sim=${simToken}`);

  await new Promise((resolve) => setImmediate(resolve));
  expect(log).toContain('incoming request');
  for (const [name, secret] of Object.entries({ apiKey, token, code, simToken, ticket, bearer: 'not-a-seam-secret-but-still-secret' })) {
    expect(log.includes(secret), `${name} appears in the log`).toBe(false);
  }
  expect(log).toContain('/ik/[redacted]');
  expect(log).toContain('/instant_key_app/phones/register');
  expect(log).not.toMatch(/seam_(lk1|cst1)_[A-Za-z0-9_-]{8}/);
  expect(log.toLowerCase()).not.toContain('authorization');
  expect(log).not.toContain('latchkey_dashboard=');
});
