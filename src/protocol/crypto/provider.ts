/**
 * One crypto interface, two implementations: @noble (pure JS: what a browser or an MCU-like lock
 * runs) and node:crypto (native: what a server or a 10,000-door simulator needs). Both must agree
 * on test/vectors; the protocol code only ever sees this interface.
 *
 * Conventions: P-256 public keys are SEC1 (33-byte compressed or 65-byte uncompressed accepted,
 * 33 produced); ECDSA signatures are raw r‖s (64 bytes, COSE form). `sign` always produces low S
 * (s ≤ n/2). `verify` accepts either S by default, because holder proofs come from WebCrypto and
 * phone keystores, which do not normalise S; issuer signatures are verified with `{ lowS: true }`
 * (cose.ts), so an issuer-signed document has exactly one valid encoding and one hash.
 * Ed25519 verification is one rule in both providers (see `ed25519-rule.ts`): RFC 8032 §5.1.7 with
 * canonical S, R and A, no small-order R or A, and the cofactorless equation [S]B = R + [k]A.
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
  /** Deterministic; an ES256 signature is always low-S. */
  sign(algorithm: SignatureAlgorithm, secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /**
   * False for any bad signature or malformed key/signature; never throws on outside input.
   * @example crypto.verify('ES256', issuerKey, toBeSigned, signature, { lowS: true }) // issuer: one encoding only
   * @example crypto.verify('ES256', holderKey, transcript, signature) // holder proof: either S
   */
  verify(algorithm: SignatureAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, options?: VerifyOptions): boolean;
  /** P-256 ECDH: the 32-byte x coordinate of the shared point; throws LatchkeyError on a bad peer key. */
  ecdhP256(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array;
  aesGcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** undefined when authentication fails. */
  aesGcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
}

export interface VerifyOptions {
  /**
   * ES256 only: also refuse a high S (s > n/2), so that (r, s) and (r, n − s) are not both valid.
   * Required for issuer signatures (they are hashed: credential hash, cache keys); off for holder
   * proofs, which come from signers that do not normalise S. Ed25519 ignores it (S < L always).
   */
  readonly lowS?: boolean;
}

/** Curve order of P-256 (FIPS 186-5 / SEC 2). */
const p256Order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
/** ⌊n/2⌋ for P-256, big-endian: the largest low S. */
const p256HalfOrder = Uint8Array.from([
  0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
]);

/**
 * True when the S half of a raw 64-byte r‖s ES256 signature is above n/2 (a byte comparison: no
 * bigint on the verify path). Signatures of another length are not judged here (verify refuses them).
 */
export function isHighS(signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  for (let i = 0; i < 32; i++) {
    const byte = signature[32 + i]!;
    const half = p256HalfOrder[i]!;
    if (byte !== half) return byte > half;
  }
  return false;
}

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
