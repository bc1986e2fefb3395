/**
 * Server secrets: the issuer signing key (signs credentials, lock certificates and lock updates)
 * and a token secret (derives client-session tokens and Instant Key link codes, so the database
 * holds only their hashes yet `client_sessions/get` can still return the token).
 *
 * Source, in order: env LATCHKEY_ISSUER_KEY (the key-file JSON), else `<db>.keys.json` next to the
 * database (created on first start with mode 0600; refused if group/other can read it), else — for
 * ':memory:' — fresh keys held in memory. Never serialised into an API response.
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { makeIssuerKey, type IssuerSigningKey } from '../../protocol/issuer-keys.ts';

export interface ServerSecrets {
  issuer: IssuerSigningKey;
  tokenSecret: Uint8Array;
  /** Where they came from (logged, never the secret itself). */
  source: 'env' | 'file' | 'memory';
}

interface KeyFileJson {
  version: 1;
  issuer: { algorithm: 'EdDSA'; kid: string; secret_key: string };
  token_secret: string;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const unb64 = (text: unknown, lengthBytes: number, what: string): Uint8Array => {
  if (typeof text !== 'string') throw new Error(`key file: ${what} missing`);
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  if (bytes.length !== lengthBytes) throw new Error(`key file: ${what} must be ${lengthBytes} bytes`);
  return bytes;
};

export function keyFilePath(dbPath: string): string | undefined {
  return dbPath === ':memory:' ? undefined : `${dbPath}.keys.json`;
}

function freshKeyFile(): KeyFileJson {
  return { version: 1, issuer: { algorithm: 'EdDSA', kid: b64(randomBytes(8)), secret_key: b64(randomBytes(32)) }, token_secret: b64(randomBytes(32)) };
}

function parseKeyFile(crypto: CryptoProvider, text: string, source: ServerSecrets['source']): ServerSecrets {
  const json = JSON.parse(text) as Partial<KeyFileJson>;
  if (json.version !== 1 || json.issuer?.algorithm !== 'EdDSA') throw new Error('key file: unsupported version or algorithm');
  const issuer = makeIssuerKey(crypto, 'EdDSA', unb64(json.issuer.secret_key, 32, 'issuer.secret_key'), unb64(json.issuer.kid, 8, 'issuer.kid'));
  return { issuer, tokenSecret: unb64(json.token_secret, 32, 'token_secret'), source };
}

export function loadServerSecrets(crypto: CryptoProvider, dbPath: string, env: NodeJS.ProcessEnv = process.env): ServerSecrets {
  const fromEnv = env['LATCHKEY_ISSUER_KEY'];
  if (fromEnv !== undefined && fromEnv !== '') return parseKeyFile(crypto, fromEnv, 'env');
  const path = keyFilePath(dbPath);
  if (path === undefined) return parseKeyFile(crypto, JSON.stringify(freshKeyFile()), 'memory');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    text = JSON.stringify(freshKeyFile());
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600); // the umask may have narrowed it further, never widened: make it exact
  }
  if ((statSync(path).mode & 0o077) !== 0) throw new Error(`key file ${path} is readable by group or others: chmod 600 it`);
  return parseKeyFile(crypto, text, 'file');
}
