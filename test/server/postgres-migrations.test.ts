/**
 * The PostgreSQL store's migrations on a throwaway cluster (test/helpers/postgres.ts): a fresh
 * database gets every version once even when several nodes start at the same moment (advisory
 * lock), a restart applies nothing, the schema holds the SQLite schema's tables and constraints,
 * and a database newer than the server is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, migratePostgres } from '../../src/server/repository/postgres.ts';
import { postgresMigrations } from '../../src/server/repository/postgres-migrations.ts';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.ts';

const latest = postgresMigrations[postgresMigrations.length - 1]!.version;

describe('PostgreSQL migrations', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(() => cluster?.stop());

  it('four nodes starting at once apply each migration exactly once; a restart applies nothing', async () => {
    const url = cluster.createDatabase('migrate_race');
    const pools = [0, 1, 2, 3].map(() => createPool(url, { max: 2 }));
    try {
      const results = await Promise.all(pools.map((pool) => migratePostgres(pool)));
      expect(results.flat().sort((a, b) => a - b)).toEqual(postgresMigrations.map((m) => m.version));
      expect(cluster.psql('migrate_race', 'SELECT string_agg(version::text, \',\' ORDER BY version) FROM latchkey_schema').trim()).toBe(postgresMigrations.map((m) => m.version).join(','));
      expect(await migratePostgres(pools[0]!)).toEqual([]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('holds the SQLite schema: every table, the partial unique indexes, and refuses a newer database', async () => {
    const url = cluster.createDatabase('migrate_schema');
    const pool = createPool(url);
    try {
      await migratePostgres(pool);
      const tables = cluster.psql('migrate_schema', "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'").trim().split(',');
      for (const table of ['workspaces', 'api_keys', 'acs_entrances', 'user_identities', 'instant_keys', 'access_grants', 'phones', 'credentials', 'lock_revocations', 'audit_records', 'latchkey_issuer']) {
        expect(tables).toContain(table);
      }
      const at = '2026-01-01T00:00:00.000Z';
      await pool.query('INSERT INTO workspaces (workspace_id, name, company_name, is_sandbox, created_at) VALUES ($1, $2, $2, 1, $3)', ['w1', 'W', at]);
      await pool.query('INSERT INTO user_identities (user_identity_id, workspace_id, user_identity_key, created_at) VALUES ($1, $2, $3, $4)', ['u1', 'w1', 'guest', at]);
      await expect(pool.query('INSERT INTO user_identities (user_identity_id, workspace_id, user_identity_key, created_at) VALUES ($1, $2, $3, $4)', ['u2', 'w1', 'guest', at])).rejects.toThrow(/user_identities_key/);
      await pool.query('INSERT INTO latchkey_schema (version) VALUES ($1)', [latest + 1]);
      await expect(migratePostgres(pool)).rejects.toThrow(`database schema version ${latest + 1} is newer than this server (${latest})`);
    } finally {
      await pool.end();
    }
  });
});
