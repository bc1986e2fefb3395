/**
 * Opens the SQLite database (better-sqlite3 is only used inside src/server/repository): WAL so
 * readers never block the writer, foreign keys on, then applies pending migrations.
 * synchronous=NORMAL in WAL mode: a committed transaction survives a process crash (kill -9, what
 * the crash test checks); only an OS crash or power cut may lose the last commits. Set
 * LATCHKEY_SQLITE_SYNC=FULL to fsync every commit.
 */
import Database from 'better-sqlite3';
import { migrations } from './migrations.ts';

export type SqliteDatabase = Database.Database;

export function openDatabase(path: string): SqliteDatabase {
  const db = new Database(path);
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`synchronous = ${process.env['LATCHKEY_SQLITE_SYNC'] === 'FULL' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function schemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: SqliteDatabase): void {
  const current = schemaVersion(db);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > latest) throw new Error(`database schema version ${current} is newer than this server (${latest})`);
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    const refusal = migration.precheck?.(db);
    if (refusal !== undefined) {
      db.close();
      throw new Error(refusal);
    }
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
