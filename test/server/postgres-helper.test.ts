/**
 * The throwaway cluster the PostgreSQL store's tests run on (test/helpers/postgres.ts): it starts
 * on loopback in its own directory, takes SQL, makes databases, and leaves nothing behind.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.ts';

describe('test PostgreSQL cluster', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(() => cluster?.stop());

  it('answers SQL on loopback and creates databases', () => {
    expect(cluster.url).toMatch(/^postgres:\/\/latchkey@127\.0\.0\.1:\d+\/postgres$/);
    expect(cluster.psql('postgres', 'SELECT 1 + 1').trim()).toBe('2');
    const url = cluster.createDatabase('helper_check');
    expect(url.endsWith('/helper_check')).toBe(true);
    expect(cluster.psql('helper_check', 'SELECT current_database()').trim()).toBe('helper_check');
    expect(cluster.psql('postgres', 'SHOW fsync').trim()).toBe('off');
  });

  it('stop() removes the cluster directory', async () => {
    const other = await startPostgres();
    const dir = other.psql('postgres', 'SHOW data_directory').trim();
    expect(existsSync(dir)).toBe(true);
    other.stop();
    expect(existsSync(dir)).toBe(false);
  });
});
