/**
 * A second tenant without internal code: `latchkey workspace|key|token` on a database file, then
 * the API on the same file (official `seam` SDK where it has the method — workspaces.create/list
 * with a personal access token, workspaces.get — raw HTTP for latchkey's api_keys/*). Covered: the
 * CLI's --json output and exit codes, keys listed without their secret, revocation effective on the
 * next request, and isolation: one workspace's key, token or client session never reaches another's
 * rows or keys. Every SDK response is validated against the @seamapi/types schema.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Seam, SeamWithoutWorkspace } from 'seam';
import { main } from '../../src/cli/main.ts';
import type { RunningServer } from '../../src/server/index.ts';
import { call, startTestServer } from './helpers.ts';
import { responseChecks } from '../helpers/seam-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-workspaces-'));
const dbPath = join(dir, 'tenants.db');
const { validated, problems } = responseChecks(() => server.url);
let server: RunningServer;

/** Runs the CLI in-process; returns its exit code and its stdout parsed as JSON (with --json). */
async function cli(...argv: string[]): Promise<{ code: number; json: Record<string, unknown> }> {
  const lines: string[] = [];
  const code = await main([...argv, '--db', dbPath, '--json', '--log-level', 'silent'], (text) => lines.push(text));
  return { code, json: lines.length > 0 ? (JSON.parse(lines.join('\n')) as Record<string, unknown>) : {} };
}

let innId: string;
let innKey: string;
let token: string;

beforeAll(async () => {
  const created = await cli('workspace', 'create', '--name', 'Second Inn', '--doors', '2');
  expect(created.code).toBe(0);
  innId = created.json['workspace_id'] as string;
  innKey = (created.json['api_key'] as { token: string }).token;
  token = ((await cli('token', 'create', '--name', 'ops')).json['personal_access_token'] as { token: string }).token;
  server = await startTestServer({ dbPath, provisionDemo: false });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('latchkey workspace|key|token', () => {
  it('creates a workspace whose key and doors work through the SDK', async () => {
    const seam = validated(new Seam({ apiKey: innKey, endpoint: server.url }));
    const workspace = await seam.workspaces.get();
    expect(workspace).toMatchObject({ workspace_id: innId, name: 'Second Inn', is_sandbox: true });
    expect((await seam.acs.entrances.list()).map((e) => e.display_name)).toEqual(['Door 1', 'Door 2']);
    expect((await seam.workspaces.list()).map((w) => w.workspace_id)).toEqual([innId]);
    expect((await cli('workspace', 'list')).json['workspaces']).toEqual([expect.objectContaining({ workspace_id: innId, name: 'Second Inn' })]);
  });

  it('creates, lists (without secrets) and revokes keys; revocation is effective on the next request', async () => {
    const created = await cli('key', 'create', '--workspace', innId, '--name', 'ci');
    expect(created.code).toBe(0);
    const key = created.json['api_key'] as { api_key_id: string; token: string };
    expect(key.token).toMatch(/^seam_lk1_/);
    expect((await call(server.url, '/workspaces/get', { token: key.token })).status).toBe(200);
    const listed = await cli('key', 'list', '--workspace', innId);
    expect(JSON.stringify(listed.json)).not.toContain(key.token);
    expect(JSON.stringify(listed.json)).not.toContain(innKey);
    // 'latchkey up' is the key the server minted when it started on this file.
    expect((listed.json['api_keys'] as { name: string }[]).map((k) => k.name)).toEqual(['first key', 'latchkey up', 'ci']);

    const signIn = await fetch(`${server.url}/dashboard/session`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ key: key.token }).toString() });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${server.url}/dashboard/doors`, { headers: { cookie } })).status).toBe(200);

    expect((await cli('key', 'revoke', key.api_key_id, '--workspace', innId)).code).toBe(0);
    expect((await call(server.url, '/workspaces/get', { token: key.token })).status).toBe(401);
    expect((await fetch(`${server.url}/dashboard/doors`, { headers: { cookie } })).status).toBe(401); // its dashboard session dies with it
    expect((await cli('key', 'revoke', key.api_key_id, '--workspace', innId)).code).toBe(1); // already revoked
    expect((await cli('key', 'revoke', 'not-a-uuid', '--workspace', innId)).code).toBe(2);
    expect((await cli('key', 'list', '--workspace', '00000000-0000-4000-8000-000000000000')).code).toBe(1);
    expect((await cli('workspace', 'create')).code).toBe(2);
    expect((await cli('key', 'create')).code).toBe(2);
  });
});

describe('workspaces/create, workspaces/list and api_keys/* through the API', () => {
  it('a personal access token creates a workspace, mints its key through seam-workspace, and sees only its own workspaces', async () => {
    const operator = validated(SeamWithoutWorkspace.fromPersonalAccessToken(token, { endpoint: server.url }));
    const workspace = await operator.workspaces.create({ name: 'Third Lodge', company_name: 'Lodge Ltd' });
    expect(workspace).toMatchObject({ name: 'Third Lodge', company_name: 'Lodge Ltd' });
    expect((await operator.workspaces.list()).map((w) => w.workspace_id)).toEqual([workspace.workspace_id]); // not the CLI's Second Inn

    const asWorkspace = { token, headers: { 'seam-workspace': workspace.workspace_id } };
    const minted = await fetch(`${server.url}/api_keys/create`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...asWorkspace.headers }, body: JSON.stringify({ name: 'lodge backend' }) });
    expect(minted.status).toBe(200);
    const lodgeKey = ((await minted.json()) as { api_key: { token: string; api_key_id: string } }).api_key;
    const lodge = validated(new Seam({ apiKey: lodgeKey.token, endpoint: server.url }));
    expect((await lodge.workspaces.get()).workspace_id).toBe(workspace.workspace_id);
    const viaToken = validated(Seam.fromPersonalAccessToken(token, workspace.workspace_id, { endpoint: server.url }));
    expect((await viaToken.workspaces.get()).workspace_id).toBe(workspace.workspace_id);

    // The token names a workspace it did not create: 401, not the Inn.
    await expect(validated(Seam.fromPersonalAccessToken(token, innId, { endpoint: server.url })).workspaces.get()).rejects.toMatchObject({ statusCode: 401 });
    // Without seam-workspace a token reaches no workspace endpoint.
    expect((await call(server.url, '/user_identities/list', { token })).status).toBe(401);
    // workspaces/create takes a personal access token only, and refuses Connect Webview fields by name.
    expect((await call(server.url, '/workspaces/create', { token: innKey, body: { name: 'Sneaky' } })).status).toBe(401);
    const webview = await call(server.url, '/workspaces/create', { token, body: { name: 'X', webview_success_message: 'hi' } });
    expect(webview.status).toBe(400);
    expect(JSON.stringify(webview.body)).toContain('webview_success_message');
    expect((await call(server.url, '/workspaces/create', { token, body: {} })).status).toBe(400);
  });

  it('keeps workspaces apart: rows, keys and client sessions of one are 404 or 401 to another', async () => {
    const inn = validated(new Seam({ apiKey: innKey, endpoint: server.url }));
    const other = await call(server.url, '/api_keys/create', { token: innKey, body: { name: 'inn second' } });
    expect(other.status).toBe(200);
    const operator = SeamWithoutWorkspace.fromPersonalAccessToken(token, { endpoint: server.url });
    const lodgeWorkspace = (await operator.workspaces.list())[0]!;
    const lodgeKey = (await fetch(`${server.url}/api_keys/create`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'seam-workspace': lodgeWorkspace.workspace_id, 'content-type': 'application/json' }, body: '{}' }).then((r) => r.json()) as { api_key: { token: string; api_key_id: string } }).api_key;
    const lodge = validated(new Seam({ apiKey: lodgeKey.token, endpoint: server.url }));

    const guest = await inn.userIdentities.create({ full_name: 'Inn Guest' });
    await expect(lodge.userIdentities.get({ user_identity_id: guest.user_identity_id })).rejects.toMatchObject({ statusCode: 404 });
    expect(await lodge.userIdentities.list()).toEqual([]);
    const session = await inn.clientSessions.create({ user_identity_id: guest.user_identity_id });
    await expect(lodge.clientSessions.get({ client_session_id: session.client_session_id })).rejects.toMatchObject({ statusCode: 404 });
    await expect(lodge.clientSessions.grantAccess({ client_session_id: session.client_session_id, user_identity_id: guest.user_identity_id })).rejects.toMatchObject({ statusCode: 404 });
    // The Inn's session token lists only the Inn, and may not mint or list keys.
    expect((await validated(Seam.fromClientSessionToken(session.token, { endpoint: server.url })).workspaces.list()).map((w) => w.workspace_id)).toEqual([innId]);
    expect((await call(server.url, '/api_keys/create', { token: session.token, body: {} })).status).toBe(401);
    expect((await call(server.url, '/api_keys/list', { token: session.token, body: {} })).status).toBe(401);

    // One workspace's key cannot see or revoke another's keys.
    const innKeys = (await call(server.url, '/api_keys/list', { token: innKey, body: {} })).body['api_keys'] as { api_key_id: string }[];
    const lodgeKeys = (await call(server.url, '/api_keys/list', { token: lodgeKey.token, body: {} })).body['api_keys'] as { api_key_id: string }[];
    expect(lodgeKeys.map((k) => k.api_key_id)).toContain(lodgeKey.api_key_id);
    expect(lodgeKeys.map((k) => k.api_key_id).filter((id) => innKeys.some((k) => k.api_key_id === id))).toEqual([]);
    expect(innKeys.length).toBeGreaterThan(1);
    expect((await call(server.url, '/api_keys/revoke', { token: innKey, body: { api_key_id: lodgeKey.api_key_id } })).status).toBe(404);
    expect((await lodge.workspaces.get()).workspace_id).toBe(lodgeWorkspace.workspace_id);
    expect(JSON.stringify(innKeys)).not.toMatch(/seam_lk1_[A-Za-z0-9_-]{20,}/);

    // A key revokes itself through the API; the next request is 401.
    expect((await call(server.url, '/api_keys/revoke', { token: lodgeKey.token, body: { api_key_id: lodgeKey.api_key_id } })).status).toBe(200);
    await expect(lodge.workspaces.get()).rejects.toMatchObject({ statusCode: 401 });
  });

  it('a revoked personal access token is refused at once', async () => {
    const spare = ((await cli('token', 'create')).json['personal_access_token'] as { token: string; personal_access_token_id: string });
    const operator = SeamWithoutWorkspace.fromPersonalAccessToken(spare.token, { endpoint: server.url });
    expect(await operator.workspaces.list()).toEqual([]);
    expect((await cli('token', 'revoke', spare.personal_access_token_id)).code).toBe(0);
    await expect(operator.workspaces.list()).rejects.toMatchObject({ statusCode: 401 });
    expect(((await cli('token', 'list')).json['personal_access_tokens'] as { personal_access_token_id: string }[]).map((t) => t.personal_access_token_id)).not.toContain(spare.personal_access_token_id);
  });

  it('validated every SDK response against the OpenAPI schema', () => {
    expect(problems).toEqual([]);
  });
});
