/**
 * Attack repros (issue 18): FileCredentialStore (src/sdk/node.ts) and how the SDK labels store failures.
 * Run: npx vitest run -c scripts/attack-repro-18/vitest.config.ts scripts/attack-repro-18/file-store.test.ts
 */
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPhone, FileCredentialStore, PhoneError } from '../../src/sdk/node.ts';
import { createNobleProvider } from '../../src/protocol/crypto/noble.ts';

const crypto = createNobleProvider();
const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n));
const radio = { now: () => 0, scan: async () => [], connect: async () => Promise.reject(new Error('none')) } as never;

describe('FileCredentialStore', () => {
  it('a symlink planted at the predictable temporary name (<path>.<pid>.tmp) receives the holder seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'a18-sym-'));
    const path = join(dir, 'phone.json');
    const loot = join(dir, 'attacker-readable.txt');
    writeFileSync(loot, '', { mode: 0o666 });
    symlinkSync(loot, `${path}.${process.pid}.tmp`);
    await new FileCredentialStore(path).holderKey(crypto, random);
    // Observed: the seed is written through the symlink into the attacker's file (writeFileSync follows it;
    // the mode option only applies to a new file). Expected: O_EXCL on a random name, refuse a symlink.
    expect(readFileSync(loot, 'utf8')).not.toContain('holderSeed');
  });

  it('a corrupt store (seed of the wrong length) is reported as storage_corrupt, not network_unavailable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'a18-cor-'));
    const path = join(dir, 'phone.json');
    writeFileSync(path, JSON.stringify({ version: 1, holderSeed: 'x' }));
    const phone = createPhone({ endpoint: 'http://127.0.0.1:1', clientSessionToken: 't', store: new FileCredentialStore(path), transport: radio });
    const error = (await phone.sync().catch((e: unknown) => e)) as PhoneError;
    // Observed: network_unavailable ("p256SecretFromSeed: seed must be 48 bytes"): an app retries "when online" forever.
    expect(error.code).toBe('storage_corrupt');
  });

  it('a store path that is a directory is reported as storage_corrupt (or a usage error), not network_unavailable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'a18-dir-'));
    mkdirSync(join(dir, 'phone.json'));
    const phone = createPhone({ endpoint: 'http://127.0.0.1:1', clientSessionToken: 't', store: new FileCredentialStore(join(dir, 'phone.json')), transport: radio });
    const error = (await phone.sync().catch((e: unknown) => e)) as PhoneError;
    expect(error.code).not.toBe('network_unavailable');
  });
});
