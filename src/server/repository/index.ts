/**
 * The repository: the only door between services and storage. Services call `transaction(fn)` for
 * every write so that a request either commits all its rows or none (never a partial write).
 * The shape (not SQL) is the contract: another backend implements the same stores.
 */
import { openDatabase, type SqliteDatabase } from './database.ts';
import { createAccessKeyStore, type AccessKeyStore } from './sqlite-access-keys.ts';
import { createAuditStore, type AuditStore } from './sqlite-audit.ts';
import { createSql } from './sqlite-base.ts';
import { createCustomizationStore, type CustomizationStore } from './sqlite-customization.ts';
import { createDirectoryStore, type DirectoryStore } from './sqlite-directory.ts';
import { createGrantStore, type GrantStore } from './sqlite-grants.ts';
import { createIdentityStore, type IdentityStore } from './sqlite-identities.ts';
import { createSessionStore, type SessionStore } from './sqlite-sessions.ts';

export interface Repository {
  directory: DirectoryStore;
  identities: IdentityStore;
  grants: GrantStore;
  customization: CustomizationStore;
  audit: AuditStore;
  sessions: SessionStore;
  accessKeys: AccessKeyStore;
  /** Runs `fn` in one IMMEDIATE transaction; an exception rolls everything back. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

export function openRepository(path: string): Repository {
  return createRepository(openDatabase(path));
}

export function createRepository(db: SqliteDatabase): Repository {
  const sql = createSql(db);
  return {
    directory: createDirectoryStore(sql),
    identities: createIdentityStore(sql),
    grants: createGrantStore(sql),
    customization: createCustomizationStore(sql),
    audit: createAuditStore(sql),
    sessions: createSessionStore(sql),
    accessKeys: createAccessKeyStore(sql),
    transaction: <T>(fn: () => T): T => db.transaction(fn).immediate(),
    close: () => db.close(),
  };
}

export type * from './types.ts';
export type { ApiKeyRow, PersonalAccessTokenRow } from './sqlite-access-keys.ts';
