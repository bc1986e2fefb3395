/**
 * One crypto interface, two implementations: @noble (pure JS: what a browser or an MCU-like lock
 * runs) and node:crypto (native: what a server or a 10,000-door simulator needs). Both must agree
 * on test/vectors; the protocol code only ever sees this interface.
 *
 * Conventions: P-256 public keys are SEC1 (33-byte compressed or 65-byte uncompressed accepted,
 * 33 produced); ECDSA signatures are raw r‖s (64 bytes, COSE form) and verification accepts high S
 * (OpenSSL, WebCrypto and phone keystores do not normalise S). Ed25519 verification follows
 * RFC 8032 strictly (noble's ZIP-215 leniency is switched off so both providers agree).
 * `sign` must be deterministic for a given key and message (RFC 6979 for ES256, which Ed25519 is
 * by construction): simulations replay byte for byte from a seed.
 */

export const signatureAlgorithms = { ES256: -7, EdDSA: -8 } as const;
export type SignatureAlgorithm = keyof typeof signatureAlgorithms;
export type CoseAlgorithmId = (typeof signatureAlgorithms)[SignatureAlgorithm];

export function algorithmOfId(id: number): SignatureAlgorithm | undefined {
  if (id === signatureAlgorithms.ES256) return 'ES256';
  if (id === signatureAlgorithms.EdDSA) return 'EdDSA';
  return undefined;
}

export interface CryptoProvider {
  readonly name: 'noble' | 'node';
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  hkdfSha256(inputKey: Uint8Array, salt: Uint8Array, info: Uint8Array, lengthBytes: number): Uint8Array;
  /** Public key for a secret key: ES256 → 33-byte compressed point, EdDSA → 32 bytes. */
  publicKeyOf(algorithm: SignatureAlgorithm, secretKey: Uint8Array): Uint8Array;
  sign(algorithm: SignatureAlgorithm, secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** False for any bad signature or malformed key/signature; never throws on outside input. */
  verify(algorithm: SignatureAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** P-256 ECDH: the 32-byte x coordinate of the shared point; throws LatchkeyError on a bad peer key. */
  ecdhP256(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array;
  aesGcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** undefined when authentication fails. */
  aesGcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
}

/** Curve order of P-256 (FIPS 186-5 / SEC 2). */
const p256Order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/**
 * Derives a P-256 secret scalar from 48 seed bytes (FIPS 186-5 A.2.1 style: reduce a value 64 bits
 * longer than the order, so the bias is negligible). Used with a seeded RNG so keys replay.
 */
export function p256SecretFromSeed(seed: Uint8Array): Uint8Array {
  if (seed.length !== 48) throw new RangeError('p256SecretFromSeed: seed must be 48 bytes');
  let value = 0n;
  for (const byte of seed) value = (value << 8n) | BigInt(byte);
  const scalar = (value % (p256Order - 1n)) + 1n;
  const out = new Uint8Array(32);
  let rest = scalar;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** Bounded LRU memo for imported keys (importing a KeyObject costs ~100 µs, as much as a verify). */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();
  private readonly sizeMax: number;
  constructor(sizeMax: number) {
    this.sizeMax = sizeMax;
  }
  /** Least recently used goes first: a hit moves the entry to the back. */
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    if (this.entries.size >= this.sizeMax) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, value);
  }
}
