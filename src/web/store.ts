/**
 * A tiny key-value store over IndexedDB (one database, one object store). IndexedDB is the only
 * browser storage that keeps a non-extractable CryptoKey (by structured clone, the key material
 * never reaches JavaScript) — localStorage cannot hold one.
 */
const databaseName = 'latchkey';
const storeName = 'kv';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(databaseName, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(storeName);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB open failed'));
  });
}

async function run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const database = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = action(database.transaction(storeName, mode).objectStore(storeName));
      request.onsuccess = () => resolve(request.result as T);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
    });
  } finally {
    database.close();
  }
}

export function storeGet<T>(key: string): Promise<T | undefined> {
  return run<T | undefined>('readonly', (store) => store.get(key));
}

export async function storePut(key: string, value: unknown): Promise<void> {
  await run<IDBValidKey>('readwrite', (store) => store.put(value, key));
}

export async function storeDelete(key: string): Promise<void> {
  await run<undefined>('readwrite', (store) => store.delete(key));
}

/**
 * Read-modify-write in one readwrite transaction (atomic, also across tabs); resolves with the
 * value written once the transaction committed. `update` must be synchronous (IndexedDB commits a
 * transaction as soon as no request is pending).
 */
export async function storeUpdate<T>(key: string, update: (current: T | undefined) => T): Promise<T> {
  const database = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = database.transaction(storeName, 'readwrite');
      const store = transaction.objectStore(storeName);
      let written: T | undefined;
      const read = store.get(key);
      read.onsuccess = () => {
        try {
          written = update(read.result as T | undefined);
          store.put(written, key);
        } catch (error) {
          transaction.abort();
          reject(error);
        }
      };
      transaction.oncomplete = () => resolve(written as T);
      transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    database.close();
  }
}
