/**
 * Attack on issue 13 (second round): three `latchkey up` on a fresh --db at once: each found no key
 * file, each wrote its own administration file over the others', and all but the first to write the
 * key file crashed with EEXIST on `<db>.keys.json` (the administration file left behind could also be
 * a loser's, matching no key file). Now a start writes both files under names of its own, claims the
 * key file by hard-linking its complete copy into place (atomic), and only the winner renames its
 * administration file into place; a loser reads the winner's key file. Two starts that both passed
 * the missing-file check are played one after the other here (deterministic).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { adminKeyFilePath, createKeyFiles, loadAdminKey, loadServerSecrets } from '../../src/server/issuance/key-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-keyrace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a start that loses the race for the key file reads the winner\'s, and the administration key on disk is the winner\'s', () => {
  const crypto = createNodeProvider();
  const dbPath = join(dir, 'race.db');
  const winner = createKeyFiles(crypto, dbPath);
  const loser = createKeyFiles(crypto, dbPath); // it had found no key file either
  expect(loser).toBe(winner);
  const secrets = loadServerSecrets(crypto, dbPath, {});
  const admin = loadAdminKey(crypto, adminKeyFilePath(dbPath));
  expect(Buffer.from(admin.publicKey).toString('hex')).toBe(Buffer.from(secrets.lockAdmin.publicKey).toString('hex'));
  expect(readdirSync(dir).sort()).toEqual(['race.db.admin-key.json', 'race.db.keys.json']); // no temporary file left behind
});
