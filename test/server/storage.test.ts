/**
 * Storage and secrets: migrations are versioned and idempotent on reopen, a throwing transaction
 * leaves no row behind, foreign keys are enforced, and the key file is created 0600, reused, refused
 * when readable by others, and overridden by LATCHKEY_ISSUER_KEY.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { loadServerSecrets } from '../../src/server/issuance/key-file.ts';
import { openDatabase, schemaVersion } from '../../src/server/repository/database.ts';
import { migrations } from '../../src/server/repository/migrations.ts';
import { createRepository } from '../../src/server/repository/index.ts';

const directory = mkdtempSync(join(tmpdir(), 'latchkey-storage-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const crypto = createNodeProvider();

describe('repository', () => {
  it('migrates once and reopens at the same version with WAL and foreign keys', () => {
    const path = join(directory, 'a.db');
    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(migrations[migrations.length - 1]!.version);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
    const again = openDatabase(path);
    expect(schemaVersion(again)).toBe(migrations[migrations.length - 1]!.version);
    again.close();
  });

  it('rolls a throwing transaction back completely and enforces foreign keys', async () => {
    const repo = createRepository(openDatabase(':memory:'));
    const at = '2026-01-01T00:00:00.000Z';
    await expect(
      repo.transaction(async (tx) => {
        await tx.directory.insertWorkspace({ workspace_id: 'w1', name: 'W', company_name: 'W', is_sandbox: 1, created_at: at });
        await tx.directory.insertApiKey('hash', 'w1', at);
        throw new Error('boom after two writes');
      }),
    ).rejects.toThrow('boom');
    expect(await repo.directory.getWorkspace('w1')).toBeUndefined();
    expect(await repo.directory.workspaceIdOfKey('hash')).toBeUndefined();
    await expect(repo.directory.insertApiKey('hash', 'no-such-workspace', at)).rejects.toThrow(/FOREIGN KEY/);
    await repo.close();
  });

  it('serialises transactions: a call outside one waits for its commit (no uncommitted reads), and the outer repository is refused inside one', async () => {
    const repo = createRepository(openDatabase(':memory:'));
    const at = '2026-01-01T00:00:00.000Z';
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const events: string[] = [];
    const writer = repo.transaction(async (tx) => {
      await tx.directory.insertWorkspace({ workspace_id: 'w1', name: 'W', company_name: 'W', is_sandbox: 1, created_at: at });
      events.push('inserted');
      await held; // the transaction stays open across an await, as a PostgreSQL one would
      await expect(repo.directory.getWorkspace('w1')).rejects.toThrow(/outer repository inside a transaction/);
      events.push('committing');
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['inserted']);
    const reader = repo.directory.getWorkspace('w1').then((row) => (events.push(`read ${row?.workspace_id ?? 'nothing'}`), row));
    const second = repo.transaction(async (tx) => {
      events.push(`second sees ${(await tx.directory.getWorkspace('w1'))?.workspace_id ?? 'nothing'}`);
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['inserted']);
    release();
    await Promise.all([writer, reader, second]);
    expect(events).toEqual(['inserted', 'committing', 'read w1', 'second sees w1']);
    await repo.close();
  });
});

describe('server secrets', () => {
  it('creates the key file 0600, reuses it, and refuses a group-readable one', () => {
    const dbPath = join(directory, 'k.db');
    const first = loadServerSecrets(crypto, dbPath, {});
    expect(first.source).toBe('file');
    expect(statSync(`${dbPath}.keys.json`).mode & 0o777).toBe(0o600);
    const second = loadServerSecrets(crypto, dbPath, {});
    expect(Buffer.from(second.issuer.publicKey).toString('hex')).toBe(Buffer.from(first.issuer.publicKey).toString('hex'));
    chmodSync(`${dbPath}.keys.json`, 0o644);
    expect(() => loadServerSecrets(crypto, dbPath, {})).toThrow(/chmod 600/);
    chmodSync(`${dbPath}.keys.json`, 0o600);
    const fromEnv = loadServerSecrets(crypto, join(directory, 'other.db'), { LATCHKEY_ISSUER_KEY: readFileSync(`${dbPath}.keys.json`, 'utf8') });
    expect(fromEnv.source).toBe('env');
    expect(Buffer.from(fromEnv.issuer.publicKey).toString('hex')).toBe(Buffer.from(first.issuer.publicKey).toString('hex'));
    expect(loadServerSecrets(crypto, ':memory:', {}).source).toBe('memory');
  });
});
