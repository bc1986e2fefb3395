/**
 * Migration 6 on a database written by the previous schema (version 5): an existing client
 * session keeps its identity (copied into client_session_identities) and still authenticates, an
 * existing API key gets an id (listed, revocable) and still works, and the new columns start empty.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/server/repository/migrations.ts';
import { openRepository } from '../../src/server/repository/index.ts';
import { hashToken } from '../../src/server/issuance/tokens.ts';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-migration-6-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('migration 6', () => {
  it('carries version-5 client sessions and API keys over', async () => {
    const path = join(dir, 'v5.db');
    const old = new Database(path);
    for (const migration of migrations.filter((m) => m.version <= 5)) old.exec(migration.sql);
    old.pragma('user_version = 5');
    const at = '2026-01-01T00:00:00.000Z';
    old.prepare('INSERT INTO workspaces VALUES (?, ?, ?, ?, ?)').run('11111111-1111-4111-8111-111111111111', 'Old', 'Old', 1, at);
    old.prepare('INSERT INTO api_keys VALUES (?, ?, ?)').run(hashToken('seam_lk1_old'), '11111111-1111-4111-8111-111111111111', at);
    old.prepare('INSERT INTO user_identities (user_identity_id, workspace_id, full_name, created_at) VALUES (?, ?, ?, ?)').run('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111', 'Old Guest', at);
    old.prepare('INSERT INTO client_sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('33333333-3333-4333-8333-333333333333', '11111111-1111-4111-8111-111111111111', hashToken('seam_cst1_old'), '22222222-2222-4222-8222-222222222222', null, null, at, '2099-01-01T00:00:00.000Z');
    old.close();

    const repo = openRepository(path);
    try {
      expect(await repo.sessions.identityIdsOfSession('33333333-3333-4333-8333-333333333333')).toEqual(['22222222-2222-4222-8222-222222222222']);
      expect((await repo.identities.clientSessionByTokenHash(hashToken('seam_cst1_old')))?.client_session_id).toBe('33333333-3333-4333-8333-333333333333');
      expect(await repo.directory.workspaceIdOfKey(hashToken('seam_lk1_old'))).toBe('11111111-1111-4111-8111-111111111111');
      const [key] = await repo.accessKeys.listApiKeys('11111111-1111-4111-8111-111111111111');
      expect(key!.api_key_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      await repo.transaction((tx) => tx.accessKeys.revokeApiKey(key!.api_key_id, at));
      expect(await repo.directory.workspaceIdOfKey(hashToken('seam_lk1_old'))).toBeUndefined();
      await repo.transaction((tx) => tx.sessions.revokeClientSession('33333333-3333-4333-8333-333333333333', at));
      expect(await repo.identities.clientSessionByTokenHash(hashToken('seam_cst1_old'))).toBeUndefined();
    } finally {
      await repo.close();
    }
  });
});
