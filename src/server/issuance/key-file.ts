/**
 * Server secrets: the issuer signing key (signs credentials, lock certificates and routine lock
 * updates), the **public** lock-administration key the server provisions its locks with (only it
 * may sign time syncs, key changes and resets: docs/PROTOCOL.md §8.1), and a token secret (derives
 * client-session tokens and Instant Key link codes, so the database holds only their hashes yet
 * `client_sessions/get` can still return the token).
 *
 * Source, in order: env LATCHKEY_ISSUER_KEY (the key-file JSON), else `<db>.keys.json` next to the
 * database (created on first start with mode 0600; refused if group/other can read it), else — for
 * ':memory:' — fresh keys held in memory. Never serialised into an API response.
 *
 * The administration key's **secret** is written once, when the key file is created, to
 * `<db>.admin-key.json` (0600), which the server never reads: move it offline; `latchkey admin
 * reset` reads it when an operator needs it. A key file without an administration key (an older
 * one, or LATCHKEY_ISSUER_KEY without it) gives locks the issuer key in both roles, as before (a
 * stolen issuer key then has no recovery but re-provisioning).
 */
import { chmodSync, linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { makeIssuerKey, publicPart, type IssuerSigningKey, type TrustedIssuerKey } from '../../protocol/issuer-keys.ts';

export interface ServerSecrets {
  issuer: IssuerSigningKey;
  /** What locks verify administration updates with: the administration key when there is one, else the issuer key. */
  lockAdmin: TrustedIssuerKey;
  tokenSecret: Uint8Array;
  /** Where they came from (logged, never the secret itself). */
  source: 'env' | 'file' | 'memory';
}

interface KeyFileJson {
  version: 1;
  issuer: { algorithm: 'EdDSA'; kid: string; secret_key: string };
  /** Public only: the secret lives in `<db>.admin-key.json`, which the server never reads. */
  lock_admin?: { algorithm: 'EdDSA'; kid: string; public_key: string };
  token_secret: string;
}

/** `<db>.admin-key.json`: the administration key's secret. */
export interface AdminKeyFileJson {
  note?: string;
  algorithm: 'EdDSA';
  kid: string;
  secret_key: string;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const unb64 = (text: unknown, lengthBytes: number, what: string): Uint8Array => {
  if (typeof text !== 'string') throw new Error(`key file: ${what} missing`);
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  if (bytes.length !== lengthBytes) throw new Error(`key file: ${what} must be ${lengthBytes} bytes`);
  return bytes;
};

function writeSecretFile(path: string, flag: 'w' | 'wx', text: string): void {
  writeFileSync(path, text, { mode: 0o600, flag });
  chmodSync(path, 0o600); // the umask may have narrowed it further, never widened: make it exact
}

export function keyFilePath(dbPath: string): string | undefined {
  return dbPath === ':memory:' ? undefined : `${dbPath}.keys.json`;
}

export function adminKeyFilePath(dbPath: string): string {
  return `${dbPath}.admin-key.json`;
}

/** A fresh key file, and the administration key's secret that goes to its own file (never read back by the server). */
function freshKeyFile(crypto: CryptoProvider): { keyFile: KeyFileJson; adminSecret: AdminKeyFileJson } {
  const admin = makeIssuerKey(crypto, 'EdDSA', new Uint8Array(randomBytes(32)), new Uint8Array(randomBytes(8)));
  const keyFile: KeyFileJson = {
    version: 1,
    issuer: { algorithm: 'EdDSA', kid: b64(randomBytes(8)), secret_key: b64(randomBytes(32)) },
    lock_admin: { algorithm: 'EdDSA', kid: b64(admin.kid), public_key: b64(admin.publicKey) },
    token_secret: b64(randomBytes(32)),
  };
  return { keyFile, adminSecret: { algorithm: 'EdDSA', kid: b64(admin.kid), secret_key: b64(admin.secretKey) } };
}

function parseKeyFile(crypto: CryptoProvider, text: string, source: ServerSecrets['source']): ServerSecrets {
  const json = JSON.parse(text) as Partial<KeyFileJson>;
  if (json.version !== 1 || json.issuer?.algorithm !== 'EdDSA') throw new Error('key file: unsupported version or algorithm');
  const issuer = makeIssuerKey(crypto, 'EdDSA', unb64(json.issuer.secret_key, 32, 'issuer.secret_key'), unb64(json.issuer.kid, 8, 'issuer.kid'));
  let lockAdmin: TrustedIssuerKey = publicPart(issuer);
  if (json.lock_admin !== undefined) {
    if (json.lock_admin.algorithm !== 'EdDSA') throw new Error('key file: unsupported lock_admin algorithm');
    lockAdmin = { kid: unb64(json.lock_admin.kid, 8, 'lock_admin.kid'), algorithm: 'EdDSA', publicKey: unb64(json.lock_admin.public_key, 32, 'lock_admin.public_key') };
  }
  return { issuer, lockAdmin, tokenSecret: unb64(json.token_secret, 32, 'token_secret'), source };
}

export class KeyFileMissingError extends Error {
  constructor(path: string) {
    super(`no key file ${path} and LATCHKEY_ISSUER_KEY is not set: give the server's own keys (this command never creates them)`);
    this.name = 'KeyFileMissingError';
  }
}

/**
 * `create: false` (operator tools such as `latchkey admin reset`): never make new keys. A tool that
 * did would sign with keys no lock trusts and report success (attack 12, F2).
 */
export function loadServerSecrets(crypto: CryptoProvider, dbPath: string, env: NodeJS.ProcessEnv = process.env, options: { create?: boolean } = {}): ServerSecrets {
  const fromEnv = env['LATCHKEY_ISSUER_KEY'];
  if (fromEnv !== undefined && fromEnv !== '') return parseKeyFile(crypto, fromEnv, 'env');
  const path = keyFilePath(dbPath);
  // In memory: an administration key whose secret nobody keeps (no reset is possible for a throwaway database).
  if (path === undefined) return parseKeyFile(crypto, JSON.stringify(freshKeyFile(crypto).keyFile), 'memory');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (options.create === false) throw new KeyFileMissingError(path);
    text = createKeyFiles(crypto, dbPath);
  }
  if ((statSync(path).mode & 0o077) !== 0) throw new Error(`key file ${path} is readable by group or others: chmod 600 it`);
  return parseKeyFile(crypto, text, 'file');
}

/**
 * Creates `<db>.keys.json` and `<db>.admin-key.json` for a start that found no key file, and returns
 * the key file's text. Exported for test/server/key-file-race.test.ts (two starts both past the
 * missing-file check).
 */
export function createKeyFiles(crypto: CryptoProvider, dbPath: string): string {
  const path = keyFilePath(dbPath)!;
  const fresh = freshKeyFile(crypto);
  const text = JSON.stringify(fresh.keyFile);
  // Both files are written complete under names of this start's own, then the key file is claimed
  // by hard-linking it into place: atomic, and it fails (EEXIST) when another start claimed it first.
  // Only the winner renames its administration file into place (over one a start cut short left
  // behind: no key file existed, so no lock ever trusted it); a loser drops its files and reads the
  // winner's key file. Several `latchkey up` on a fresh --db at once all start, with one key pair
  // (second attack on issue 13: the losers crashed with EEXIST and could leave their administration
  // file, matching no key file, in place). Should a start die between the link and the rename, the
  // administration secret is still on disk under its temporary name.
  const suffix = `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const adminTemp = adminKeyFilePath(dbPath) + suffix;
  const keyTemp = path + suffix;
  let claimed = false;
  writeSecretFile(adminTemp, 'wx', JSON.stringify({ note: adminNote, ...fresh.adminSecret }));
  try {
    writeSecretFile(keyTemp, 'wx', text);
    try {
      linkSync(keyTemp, path);
      claimed = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return readFileSync(path, 'utf8'); // another start won: its file is complete (linked whole)
    }
    renameSync(adminTemp, adminKeyFilePath(dbPath));
    return text;
  } finally {
    rmSync(keyTemp, { force: true });
    // Never delete the administration secret of a key file that is in place.
    if (!claimed) rmSync(adminTemp, { force: true });
  }
}

const adminNote = 'latchkey lock-administration key: signs time syncs, key changes and door resets; the server never reads this file; keep it offline';

/** Reads an administration key file (`latchkey admin reset --admin-key`); refused when group/other can read it. */
export function loadAdminKey(crypto: CryptoProvider, path: string): IssuerSigningKey {
  if ((statSync(path).mode & 0o077) !== 0) throw new Error(`administration key file ${path} is readable by group or others: chmod 600 it`);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Partial<AdminKeyFileJson>;
  if (json.algorithm !== 'EdDSA') throw new Error('administration key file: unsupported algorithm');
  return makeIssuerKey(crypto, 'EdDSA', unb64(json.secret_key, 32, 'secret_key'), unb64(json.kid, 8, 'kid'));
}
