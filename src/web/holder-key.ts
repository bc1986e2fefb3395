/**
 * The phone's holder key in the browser: an ECDSA P-256 (ES256) key pair made by WebCrypto with a
 * non-extractable private key, kept in IndexedDB. It signs the unlock request's holder proof;
 * WebCrypto ECDSA signatures are already raw r‖s (64 bytes, the COSE form) and hash with SHA-256,
 * as ES256 does. The public key is compressed to SEC1 33 bytes: the credential's `cnf` key.
 */
import type { HolderSigner } from '../protocol/unlock/phone-exchange.ts';
import { storeGet, storePut } from './store.ts';

const holderKeyName = 'holder-key';

/** SEC1 uncompressed (0x04 ‖ x ‖ y) → compressed (0x02|0x03 ‖ x). */
export function compressP256(uncompressed: Uint8Array): Uint8Array {
  if (uncompressed.length !== 65 || uncompressed[0] !== 0x04) throw new RangeError('compressP256: expected a 65-byte uncompressed point');
  const out = new Uint8Array(33);
  out[0] = 0x02 | (uncompressed[64]! & 1);
  out.set(uncompressed.subarray(1, 33), 1);
  return out;
}

async function loadOrCreate(): Promise<CryptoKeyPair> {
  const stored = await storeGet<CryptoKeyPair>(holderKeyName);
  if (stored !== undefined) return stored;
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  await storePut(holderKeyName, pair);
  return pair;
}

/** This browser's holder key (created on first use), as the signer the unlock client takes. */
export async function browserHolder(): Promise<HolderSigner & { privateKeyExtractable: boolean }> {
  const pair = await loadOrCreate();
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return {
    publicKey: compressP256(raw),
    privateKeyExtractable: pair.privateKey.extractable,
    sign: async (message) => new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, message.slice())),
  };
}
