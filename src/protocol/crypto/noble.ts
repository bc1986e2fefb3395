/** Pure-JS provider: @noble/curves, @noble/hashes, @noble/ciphers (audited, no native code). */
import { gcm } from '@noble/ciphers/aes.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, toHex as hexKey } from '../bytes.ts';
import { LatchkeyError } from '../errors.ts';
import { ed25519PublicKeyBytesAllowed, ed25519SignatureBytesAllowed } from './ed25519-rule.ts';
import { BoundedCache, type CryptoProvider, type SignatureAlgorithm, type VerifyOptions } from './provider.ts';

type P256Point = ReturnType<typeof p256.Point.fromBytes>;
type EdPoint = ReturnType<typeof ed25519.Point.fromBytes>;


export function createNobleProvider(): CryptoProvider {
  // Imported public keys are cached as decoded points (decompression is a field sqrt).
  const p256Points = new BoundedCache<P256Point>(1024);
  const edPoints = new BoundedCache<EdPoint>(1024);

  function p256Point(publicKey: Uint8Array): P256Point {
    const key = hexKey(publicKey);
    let point = p256Points.get(key);
    if (point === undefined) {
      point = p256.Point.fromBytes(publicKey);
      point.assertValidity();
      p256Points.set(key, point);
    }
    return point;
  }
  /** A public key allowed by the Ed25519 rule (ed25519-rule.ts), decoded; throws otherwise. */
  function edPoint(publicKey: Uint8Array): EdPoint {
    const key = hexKey(publicKey);
    let point = edPoints.get(key);
    if (point === undefined) {
      if (!ed25519PublicKeyBytesAllowed(publicKey)) throw new RangeError('Ed25519 public key not allowed');
      point = ed25519.Point.fromBytes(publicKey, false);
      edPoints.set(key, point);
    }
    return point;
  }
  /**
   * RFC 8032 §5.1.7 with the cofactorless equation [S]B = R + [k]A, compared exactly (rule 5 of
   * ed25519-rule.ts), as OpenSSL checks it. noble's own `verify` checks the cofactored equation
   * and would accept R + T for a small-order T; this is the same amount of curve arithmetic.
   */
  function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (!ed25519SignatureBytesAllowed(signature)) return false;
    const A = edPoint(publicKey);
    const rBytes = signature.subarray(0, 32);
    const R = ed25519.Point.fromBytes(rBytes, false);
    const S = bytesToNumberLE(signature.subarray(32));
    const k = ed25519.Point.Fn.create(bytesToNumberLE(sha512(concatBytes(rBytes, publicKey, message))));
    return ed25519.Point.BASE.multiplyUnsafe(S).equals(R.add(A.multiplyUnsafe(k)));
  }

  return Object.freeze({
    name: 'noble' as const,
    sha256: (data: Uint8Array) => sha256(data),
    hmacSha256: (key: Uint8Array, data: Uint8Array) => hmac(sha256, key, data),
    hkdfSha256: (inputKey: Uint8Array, salt: Uint8Array, info: Uint8Array, lengthBytes: number) => hkdf(sha256, inputKey, salt, info, lengthBytes),
    publicKeyOf(algorithm: SignatureAlgorithm, secretKey: Uint8Array): Uint8Array {
      return algorithm === 'ES256' ? p256.getPublicKey(secretKey, true) : ed25519.getPublicKey(secretKey);
    },
    sign(algorithm: SignatureAlgorithm, secretKey: Uint8Array, message: Uint8Array): Uint8Array {
      // ES256: deterministic (RFC 6979) and low S, stated here rather than left to noble's defaults.
      return algorithm === 'ES256' ? p256.sign(message, secretKey, { lowS: true }) : ed25519.sign(message, secretKey);
    },
    verify(algorithm: SignatureAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, options?: VerifyOptions): boolean {
      try {
        if (algorithm === 'ES256') {
          if (signature.length !== 64) return false;
          return p256.verify(signature, message, p256Point(publicKey).toBytes(true), { lowS: options?.lowS === true });
        }
        if (signature.length !== 64 || publicKey.length !== 32) return false;
        return verifyEd25519(publicKey, message, signature);
      } catch {
        return false;
      }
    },
    ecdhP256(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
      let peer: P256Point;
      try {
        peer = p256Point(peerPublicKey);
      } catch {
        throw new LatchkeyError('cose_bad_key', 'peer P-256 key is not a valid point');
      }
      return p256.getSharedSecret(secretKey, peer.toBytes(true), true).subarray(1);
    },
    aesGcmSeal: (key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) => gcm(key, iv, aad).encrypt(plaintext),
    aesGcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
      try {
        return gcm(key, iv, aad).decrypt(sealed);
      } catch {
        return undefined;
      }
    },
  });
}
