/**
 * The browser's credential store: IndexedDB (src/web/store.ts, the web app's own key-value store),
 * with the holder key a WebCrypto ECDSA P-256 key pair whose private key is non-extractable (by
 * structured clone IndexedDB keeps the CryptoKey; the key material never reaches JavaScript).
 * `name` keeps several phones apart in one origin (one per server or per app user).
 */
import { compressP256 } from '../web/holder-key.ts';
import { storeDelete, storeGet, storePut } from '../web/store.ts';
import type { CredentialStore, StoredPhone, StoreHolder } from './store.ts';

export class IndexedDbCredentialStore implements CredentialStore {
  private readonly name: string;
  constructor(options: { name?: string } = {}) {
    this.name = options.name ?? 'default';
  }

  private key(what: string): string {
    return `sdk:${this.name}:${what}`;
  }

  async holderKey(): Promise<StoreHolder> {
    let pair = await storeGet<CryptoKeyPair>(this.key('holder-key'));
    if (pair === undefined) {
      pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
      await storePut(this.key('holder-key'), pair);
    }
    const privateKey = pair.privateKey;
    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    return {
      publicKey: compressP256(raw),
      extractable: privateKey.extractable,
      sign: async (message) => new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, message.slice())),
    };
  }

  load(): Promise<StoredPhone | undefined> {
    return storeGet<StoredPhone>(this.key('phone'));
  }

  save(phone: StoredPhone): Promise<void> {
    return storePut(this.key('phone'), phone);
  }

  clear(): Promise<void> {
    return storeDelete(this.key('phone'));
  }
}
