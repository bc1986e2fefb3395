/**
 * `latchkey up` twice on one database file: the second start reuses the workspace, the demo
 * guest's link (same code) and the issuer key, and mints a new API key while the old one still works.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/index.ts';
import { call } from './helpers.ts';

const directory = mkdtempSync(join(tmpdir(), 'latchkey-restart-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('restart', () => {
  it('reuses the database, the link and the issuer key', async () => {
    const dbPath = join(directory, 'latchkey.db');
    const first = await startServer({ port: 0, dbPath, logLevel: 'silent' });
    const firstKey = first.apiKey!;
    const firstLink = new URL(first.instantKeyUrl!).pathname;
    const issuerKey = Buffer.from(first.context.issuer.trusted[0]!.publicKey).toString('hex');
    const entrances = ((await call(first.url, '/acs/entrances/list', { token: firstKey, body: {} })).body['acs_entrances'] as unknown[]).length;
    expect(entrances).toBe(15);
    await first.close();

    const second = await startServer({ port: 0, dbPath, logLevel: 'silent' });
    try {
      expect(second.workspaceId).toBe(first.workspaceId);
      expect(new URL(second.instantKeyUrl!).pathname).toBe(firstLink);
      expect(second.apiKey).not.toBe(firstKey);
      expect(Buffer.from(second.context.issuer.trusted[0]!.publicKey).toString('hex')).toBe(issuerKey);
      expect(second.property.doors.size).toBe(15);
      for (const key of [firstKey, second.apiKey!]) {
        const listed = await call(second.url, '/acs/entrances/list', { token: key, body: {} });
        expect((listed.body['acs_entrances'] as unknown[]).length).toBe(entrances);
      }
      expect((await call(second.url, '/access_grants/list', { token: firstKey, body: {} })).body['access_grants']).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
