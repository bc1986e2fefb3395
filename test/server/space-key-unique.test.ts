/**
 * Attack on issue 13: space_key was not unique, so two live spaces could share one and spaces/get
 * or access_grants/create `space_keys` picked either. Now: spaces/create|update with a key another
 * live space of the workspace holds → 409 space_key_already_in_use; a deleted space frees its key;
 * another workspace may use the same key. Migration 8 adds a unique index over live rows, and a
 * database that already holds duplicates is refused at start with a message naming them, unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/server/repository/migrations.ts';
import { openRepository } from '../../src/server/repository/index.ts';
import { call, startTestServer } from './helpers.ts';
import type { RunningServer } from '../../src/server/index.ts';

let server: RunningServer;
const dir = mkdtempSync(join(tmpdir(), 'latchkey-space-key-'));
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('space_key is unique among a workspace\'s live spaces', () => {
  it('create and update with a taken key are 409 space_key_already_in_use; nothing is written', async () => {
    const token = server.apiKey!;
    const first = await call(server.url, '/spaces/create', { token, body: { name: 'Wing A', space_key: 'wing-a' } });
    expect(first.status).toBe(200);
    const again = await call(server.url, '/spaces/create', { token, body: { name: 'Wing A bis', space_key: 'wing-a' } });
    expect(again.status).toBe(409);
    expect(again.body['ok']).toBe(false);
    expect((again.body['error'] as { type: string }).type).toBe('space_key_already_in_use');
    const listed = await call(server.url, '/spaces/list', { token, body: { space_key: 'wing-a' } });
    expect((listed.body['spaces'] as unknown[]).length).toBe(1);

    const second = await call(server.url, '/spaces/create', { token, body: { name: 'Wing B', space_key: 'wing-b' } });
    const secondId = (second.body['space'] as { space_id: string }).space_id;
    const taken = await call(server.url, '/spaces/update', { token, body: { space_id: secondId, space_key: 'wing-a', name: 'renamed' } });
    expect(taken.status).toBe(409);
    expect((taken.body['error'] as { type: string }).type).toBe('space_key_already_in_use');
    const unchanged = await call(server.url, '/spaces/get', { token, body: { space_id: secondId } });
    expect(unchanged.body['space']).toMatchObject({ space_key: 'wing-b', name: 'Wing B' });
    // Its own key again is fine.
    expect((await call(server.url, '/spaces/update', { token, body: { space_id: secondId, space_key: 'wing-b' } })).status).toBe(200);
  });

  it('a deleted space frees its key', async () => {
    const token = server.apiKey!;
    const made = await call(server.url, '/spaces/create', { token, body: { name: 'Annex', space_key: 'annex' } });
    await call(server.url, '/spaces/delete', { token, body: { space_id: (made.body['space'] as { space_id: string }).space_id } });
    expect((await call(server.url, '/spaces/create', { token, body: { name: 'Annex 2', space_key: 'annex' } })).status).toBe(200);
  });

  it('the unique index holds even below the API (migration 8)', async () => {
    const { directory } = server.context.repo;
    const workspaceId = server.workspaceId!;
    const at = new Date().toISOString();
    await directory.insertSpace({ space_id: '7b0f3c1e-0000-4000-8000-000000000001', workspace_id: workspaceId, name: 'x', space_key: 'raw-key', created_at: at });
    await expect(directory.insertSpace({ space_id: '7b0f3c1e-0000-4000-8000-000000000002', workspace_id: workspaceId, name: 'y', space_key: 'raw-key', created_at: at })).rejects.toThrow(/UNIQUE/);
  });
});

describe('migration 8 on a database holding duplicate space keys', () => {
  function version7Database(path: string): void {
    const old = new Database(path);
    for (const migration of migrations.filter((m) => m.version <= 7)) old.exec(migration.sql);
    old.pragma('user_version = 7');
    const at = '2026-01-01T00:00:00.000Z';
    old.prepare('INSERT INTO workspaces (workspace_id, name, company_name, is_sandbox, created_at) VALUES (?, ?, ?, ?, ?)').run('11111111-1111-4111-8111-111111111111', 'Old', 'Old', 1, at);
    const space = old.prepare('INSERT INTO spaces (space_id, workspace_id, name, space_key, created_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?)');
    space.run('aaaaaaaa-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'Pool', 'pool', at, null);
    space.run('aaaaaaaa-0000-4000-8000-000000000002', '11111111-1111-4111-8111-111111111111', 'Pool too', 'pool', at, null);
    space.run('aaaaaaaa-0000-4000-8000-000000000003', '11111111-1111-4111-8111-111111111111', 'Old pool', 'pool', at, at); // deleted: not a duplicate
    space.run('aaaaaaaa-0000-4000-8000-000000000004', '11111111-1111-4111-8111-111111111111', 'Gym', 'gym', at, null);
    old.close();
  }

  it('refuses to start, naming the key and the spaces, and changes nothing', async () => {
    const path = join(dir, 'dup.db');
    version7Database(path);
    expect(() => openRepository(path)).toThrow(/space_key "pool" is held by spaces aaaaaaaa-0000-4000-8000-000000000001, aaaaaaaa-0000-4000-8000-000000000002/);
    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(7);
    expect((db.prepare('SELECT count(*) AS n FROM spaces').get() as { n: number }).n).toBe(4);
    // The operator renames one; the next start migrates.
    db.prepare("UPDATE spaces SET space_key = 'pool-2' WHERE space_id = 'aaaaaaaa-0000-4000-8000-000000000002'").run();
    db.close();
    const repo = openRepository(path);
    try {
      expect((await repo.directory.listSpaces('11111111-1111-4111-8111-111111111111', {})).length).toBe(3);
    } finally {
      await repo.close();
    }
    const after = new Database(path);
    expect(after.pragma('user_version', { simple: true })).toBe(Math.max(...migrations.map((m) => m.version))); // migrated to the newest
    expect((after.prepare('SELECT count(*) AS n FROM spaces').get() as { n: number }).n).toBe(4);
    after.close();
  });
});
