/**
 * PostgreSQL plumbing (the `pg` client, a pool per node): connecting, and the migrator. Several API
 * nodes share one database and may start at the same moment, so `migratePostgres` takes a
 * session-level advisory lock first: one node applies the pending migrations (each in its own
 * transaction, recorded in `latchkey_schema`), the others wait, then find nothing left to do.
 * A database whose schema is newer than this server is refused, as with SQLite.
 */
import pg from 'pg';
import { postgresMigrations, type PostgresMigration } from './postgres-migrations.ts';

/** The advisory lock the migrator holds: the bytes of 'latchkey' as a signed 64-bit key. */
export const migrationLockKey = BigInt('0x6c617463686b6579').toString();

// BIGINT (int8) columns come back as strings by default; every one here (counts, sequences,
// versions, seconds) is far below 2^53, so read them as numbers, as better-sqlite3 does.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => Number(text));

export function createPool(url: string, options: { max?: number } = {}): pg.Pool {
  return new pg.Pool({ connectionString: url, max: options.max ?? 10, application_name: 'latchkey' });
}

export async function schemaVersionOf(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('latchkey_schema') AS t");
  if (exists.rows[0]?.t === null) return 0;
  const result = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM latchkey_schema');
  return result.rows[0]?.v ?? 0;
}

/** Applies the pending migrations under the advisory lock; returns the versions this call applied. */
export async function migratePostgres(pool: pg.Pool, migrations: readonly PostgresMigration[] = postgresMigrations): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [migrationLockKey]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS latchkey_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
      const current = await schemaVersionOf(client);
      const latest = migrations[migrations.length - 1]?.version ?? 0;
      if (current > latest) throw new Error(`database schema version ${current} is newer than this server (${latest})`);
      for (const migration of migrations) {
        if (migration.version <= current) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO latchkey_schema (version) VALUES ($1)', [migration.version]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        applied.push(migration.version);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [migrationLockKey]);
    }
  } finally {
    client.release();
  }
  return applied;
}
