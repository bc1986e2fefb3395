/**
 * Where the phone SDK keeps what it holds between runs: the holder key (the private half never
 * leaves the store's secure part where the platform has one) and the last synced credentials.
 * Implementations: `MemoryCredentialStore` (here: tests, short-lived tools), `IndexedDbCredentialStore`
 * (browsers: a non-extractable WebCrypto key, ./indexeddb-store.ts) and `FileCredentialStore`
 * (Node: a 0600 file, ./node.ts). A platform keystore (iOS Keychain / Secure Enclave, Android
 * Keystore) implements the same interface: `holderKey` returns a signer whose `sign` calls the
 * keystore (ES256: SHA-256, raw r‖s, 64 bytes), and `load`/`save` keep the JSON anywhere.
 */
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import { p256SecretFromSeed } from '../protocol/crypto/provider.ts';
import type { HolderSigner } from '../protocol/unlock/phone-exchange.ts';
import type { Bundle } from './bundle.ts';

/** What a store keeps between runs (JSON-safe). */
export interface StoredPhone {
  /** The server this phone registered with (a store is for one server). */
  endpoint: string;
  /** The phone's id on the server (`phones/register` answer). */
  deviceId: string;
  /** The last bundle the server sent (credentials, lock certificates, updates, issuer keys). */
  bundle: Bundle;
}

export interface StoreHolder extends HolderSigner {
  /** False when the private key cannot be read out (WebCrypto non-extractable, a keystore). */
  readonly extractable: boolean;
}

export interface CredentialStore {
  /** The phone's P-256 holder key: made on first call, the same key on every later one. */
  holderKey(crypto: CryptoProvider, random: (n: number) => Uint8Array): Promise<StoreHolder>;
  load(): Promise<StoredPhone | undefined>;
  save(phone: StoredPhone): Promise<void>;
  /** Forgets the synced state (the holder key stays: the server may give the same key its phone back). */
  clear(): Promise<void>;
}

/** A software holder key from 48 random bytes (FIPS 186-5 A.2.1 reduction, as src/phone/wallet.ts does). */
export function softwareHolderFromSeed(crypto: CryptoProvider, seed: Uint8Array): StoreHolder {
  const secret = p256SecretFromSeed(seed);
  return { publicKey: crypto.publicKeyOf('ES256', secret), sign: (message) => crypto.sign('ES256', secret, message), extractable: true };
}

/** Everything in memory: gone when the process ends. */
export class MemoryCredentialStore implements CredentialStore {
  private phone: StoredPhone | undefined;
  private holder: StoreHolder | undefined;

  async holderKey(crypto: CryptoProvider, random: (n: number) => Uint8Array): Promise<StoreHolder> {
    this.holder ??= softwareHolderFromSeed(crypto, random(48));
    return this.holder;
  }

  async load(): Promise<StoredPhone | undefined> {
    return this.phone === undefined ? undefined : structuredClone(this.phone);
  }

  async save(phone: StoredPhone): Promise<void> {
    this.phone = structuredClone(phone);
  }

  async clear(): Promise<void> {
    this.phone = undefined;
  }
}
