/** Pure-JS provider: @noble/curves, @noble/hashes, @noble/ciphers (audited, no native code). */
import { gcm } from '@noble/ciphers/aes.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex as hexKey } from '../bytes.ts';
import { LatchkeyError } from '../errors.ts';
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
  function edPoint(publicKey: Uint8Array): EdPoint {
    const key = hexKey(publicKey);
    let point = edPoints.get(key);
    if (point === undefined) {
      point = ed25519.Point.fromBytes(publicKey, false);
      edPoints.set(key, point);
    }
    return point;
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
        edPoint(publicKey);
        return ed25519.verify(signature, message, publicKey, { zip215: false });
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
