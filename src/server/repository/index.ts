/**
 * The repository: the only door between services and storage. Its methods return promises, so a
 * store that talks to a database server (PostgreSQL) implements the same interface as the embedded
 * one (better-sqlite3). Every write a request makes runs in `repo.transaction(async (tx) => …)`: the
 * request commits all its rows or none (never a partial write). Inside the callback only `tx` may be
 * used; the outer repository refuses to be called from inside a transaction (a programming error
 * that would otherwise read outside the transaction, or wait on itself).
 *
 * The shape (not SQL) is the contract: the SQLite store files (sqlite-*.ts) are synchronous, and
 * `Async<…>` of their types is the interface every backend implements.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { openDatabase, type SqliteDatabase } from './database.ts';
import { createAccessKeyStore } from './sqlite-access-keys.ts';
import { createAuditStore } from './sqlite-audit.ts';
import { createSql } from './sqlite-base.ts';
import { createCredentialViewStore } from './sqlite-credentials.ts';
import { createCustomizationStore } from './sqlite-customization.ts';
import { createDirectoryStore } from './sqlite-directory.ts';
import { createGrantStore } from './sqlite-grants.ts';
import { createIdentityStore } from './sqlite-identities.ts';
import { createSessionStore } from './sqlite-sessions.ts';

/** The asynchronous twin of a synchronous store: every method returns a promise of what it returned. */
export type Async<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };

export type DirectoryStore = Async<ReturnType<typeof createDirectoryStore>>;
export type IdentityStore = Async<ReturnType<typeof createIdentityStore>>;
export type GrantStore = Async<ReturnType<typeof createGrantStore>>;
export type CustomizationStore = Async<ReturnType<typeof createCustomizationStore>>;
export type AuditStore = Async<ReturnType<typeof createAuditStore>>;
export type SessionStore = Async<ReturnType<typeof createSessionStore>>;
export type AccessKeyStore = Async<ReturnType<typeof createAccessKeyStore>>;
export type CredentialViewStore = Async<ReturnType<typeof createCredentialViewStore>>;

export interface Stores {
  directory: DirectoryStore;
  identities: IdentityStore;
  grants: GrantStore;
  customization: CustomizationStore;
  audit: AuditStore;
  sessions: SessionStore;
  accessKeys: AccessKeyStore;
  credentialViews: CredentialViewStore;
}

export interface Repository extends Stores {
  /** 'sqlite' or 'postgres': what the operator chose (logs, tests). */
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction and commits what it wrote, or rolls everything back when it throws.
   * Called on a transaction's `tx`, it joins that transaction (no savepoint).
   */
  transaction<T>(fn: (tx: Repository) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Set while a transaction's callback runs: the outer repository refuses calls made from inside it. */
const openTransaction = new AsyncLocalStorage<object>();

export function insideTransaction(): boolean {
  return openTransaction.getStore() !== undefined;
}

export function outerCallError(what: string): Error {
  return new Error(`repository: ${what} called on the outer repository inside a transaction (use the transaction's tx)`);
}

export function runInTransactionScope<T>(token: object, fn: () => Promise<T>): Promise<T> {
  return openTransaction.run(token, fn);
}

export function openRepository(path: string): Repository {
  return createRepository(openDatabase(path));
}

/** A FIFO lock: one holder at a time, the rest wait in arrival order. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private held = false;
  get locked(): boolean {
    return this.held;
  }
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.held = true;
    try {
      return await fn();
    } finally {
      this.held = false;
      release();
    }
  }
}

/**
 * better-sqlite3 behind the asynchronous interface. One connection; a transaction is
 * BEGIN IMMEDIATE … COMMIT around the awaited callback, one at a time (a mutex), and a call outside
 * a transaction waits while one is open, so no request reads another's uncommitted rows or writes
 * into its transaction: the same serial behaviour the synchronous repository had. A call when no
 * transaction is open runs at once (no queueing on the hot path).
 */
export function createRepository(db: SqliteDatabase): Repository {
  const sql = createSql(db);
  const sync = {
    directory: createDirectoryStore(sql),
    identities: createIdentityStore(sql),
    grants: createGrantStore(sql),
    customization: createCustomizationStore(sql),
    audit: createAuditStore(sql),
    sessions: createSessionStore(sql),
    accessKeys: createAccessKeyStore(sql),
    credentialViews: createCredentialViewStore(sql),
  };
  const mutex = new Mutex();
  let closed = false;

  const outer = wrapStores(sync, (name, call) => {
    if (insideTransaction()) return Promise.reject(outerCallError(name));
    if (closed) return Promise.reject(new Error('repository: closed'));
    if (!mutex.locked) return settle(call);
    return mutex.run(call);
  }) as unknown as Stores;

  const repository: Repository = {
    kind: 'sqlite',
    ...outer,
    transaction<T>(fn: (tx: Repository) => Promise<T>): Promise<T> {
      if (insideTransaction()) return Promise.reject(outerCallError('transaction'));
      const token = {};
      return mutex.run(async () => {
        let live = true;
        const tx: Repository = {
          kind: 'sqlite',
          ...(wrapStores(sync, async (name, call) => (live ? await settle(call) : await Promise.reject(new Error(`repository: ${name} called on a finished transaction`)))) as unknown as Stores),
          transaction: <U>(inner: (tx: Repository) => Promise<U>) => inner(tx),
          close: () => Promise.reject(new Error('repository: close inside a transaction')),
        };
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await runInTransactionScope(token, () => fn(tx));
          db.exec('COMMIT');
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        } finally {
          live = false;
        }
      });
    },
    async close() {
      await mutex.run(() => undefined);
      closed = true;
      db.close();
    },
  };
  return repository;
}

async function settle<T>(call: () => T): Promise<T> {
  try {
    return await Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Each store's methods, called through `invoke` (which decides when the synchronous call runs). */
function wrapStores(
  stores: Record<string, Record<string, unknown>>,
  invoke: (name: string, call: () => unknown) => Promise<unknown>,
): Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> {
  const wrapped: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const [storeName, store] of Object.entries(stores)) {
    const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const [methodName, method] of Object.entries(store)) {
      if (typeof method !== 'function') continue;
      const name = `${storeName}.${methodName}`;
      methods[methodName] = (...args: unknown[]) => invoke(name, () => (method as (...a: unknown[]) => unknown)(...args));
    }
    wrapped[storeName] = methods;
  }
  return wrapped;
}

export type * from './types.ts';
export type { ApiKeyRow, PersonalAccessTokenRow } from './sqlite-access-keys.ts';
export type { EntranceFilter } from './sqlite-directory.ts';
export type { GrantFilter } from './sqlite-grants.ts';
