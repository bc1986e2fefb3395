/**
 * Native provider over node:crypto (OpenSSL). Public keys are imported once into KeyObjects and
 * cached. ES256 *signing* goes through @noble/curves because node:crypto on Node 20 has no
 * deterministic (RFC 6979) ECDSA, and simulations must replay byte for byte; verification,
 * ECDH, Ed25519, hashing and AES-GCM are native.
 *
 * Secrets: the provider keeps no P-256 secret (ephemeral or static) after a call returns: each ECDH
 * and each public-key derivation builds its own ECDH object. Ed25519 secrets (in latchkey always
 * long-lived: issuer and lock signing keys) are kept as imported KeyObjects in a bounded cache,
 * because importing one costs ~15 Ed25519 signatures; the cache is keyed by a one-way handle
 * (SHA-256 of the secret, domain-separated), never by the secret's bytes, and the DER buffer that
 * carried the secret into OpenSSL is zeroed.
 */
import { createCipheriv, createDecipheriv, createECDH, createHash, createHmac, createPrivateKey, createPublicKey, hkdfSync, sign as nodeSign, verify as nodeVerify, ECDH, type KeyObject } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { LatchkeyError } from '../errors.ts';
import { ed25519PublicKeyBytesAllowed, ed25519SignatureBytesAllowed } from './ed25519-rule.ts';
import { BoundedCache, isHighS, type CryptoProvider, type SignatureAlgorithm, type VerifyOptions } from './provider.ts';

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
/** Domain separation for the Ed25519 KeyObject cache handle. */
const edHandleLabel = Buffer.from('latchkey node provider: Ed25519 signing key handle v1', 'utf8');

export function createNodeProvider(): CryptoProvider {
  const publicKeys = new BoundedCache<KeyObject>(16384);
  /** A fresh ECDH object per call: ephemeral secrets must not outlive their session in a cache. */
  function ecdhFor(secretKey: Uint8Array): ECDH {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(secretKey);
    return ecdh;
  }
  // Sized for a building: every lock's long-lived signing key stays imported (a simulator holds 10,000 locks).
  const edSecretKeys = new BoundedCache<KeyObject>(16384);

  function p256PublicKey(publicKey: Uint8Array): KeyObject {
    const cacheKey = `p256:${hex(publicKey)}`;
    let keyObject = publicKeys.get(cacheKey);
    if (keyObject === undefined) {
      const uncompressed = ECDH.convertKey(publicKey, 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
      keyObject = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64url(uncompressed.subarray(1, 33)), y: b64url(uncompressed.subarray(33, 65)) }, format: 'jwk' });
      publicKeys.set(cacheKey, keyObject);
    }
    return keyObject;
  }
  function edPublicKey(publicKey: Uint8Array): KeyObject {
    const cacheKey = `ed:${hex(publicKey)}`;
    let keyObject = publicKeys.get(cacheKey);
    if (keyObject === undefined) {
      // OpenSSL accepts small-order keys (e.g. the identity point, for which R = identity, S = 0
      // verifies every message) and non-canonical encodings: the Ed25519 rule refuses both, on the
      // bytes (ed25519-rule.ts). OpenSSL itself refuses an encoding that is not on the curve.
      if (!ed25519PublicKeyBytesAllowed(publicKey)) throw new RangeError('Ed25519 public key not allowed');
      keyObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(publicKey) }, format: 'jwk' });
      publicKeys.set(cacheKey, keyObject);
    }
    return keyObject;
  }
  // RFC 8410 PKCS#8 prefix for a raw Ed25519 secret: lets OpenSSL derive the public key natively.
  const ed25519Pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  function edSecretKey(secretKey: Uint8Array): KeyObject {
    const handle = createHash('sha256').update(edHandleLabel).update(secretKey).digest('hex');
    let keyObject = edSecretKeys.get(handle);
    if (keyObject === undefined) {
      const der = Buffer.concat([ed25519Pkcs8Prefix, secretKey]);
      try {
        keyObject = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      } finally {
        der.fill(0);
      }
      edSecretKeys.set(handle, keyObject);
    }
    return keyObject;
  }
  const view = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

  return Object.freeze({
    name: 'node' as const,
    sha256: (data: Uint8Array) => view(createHash('sha256').update(data).digest()),
    hmacSha256: (key: Uint8Array, data: Uint8Array) => view(createHmac('sha256', key).update(data).digest()),
    hkdfSha256: (inputKey: Uint8Array, salt: Uint8Array, info: Uint8Array, lengthBytes: number) => new Uint8Array(hkdfSync('sha256', inputKey, salt, info, lengthBytes)),
    publicKeyOf(algorithm: SignatureAlgorithm, secretKey: Uint8Array): Uint8Array {
      if (algorithm === 'EdDSA') return new Uint8Array(Buffer.from(createPublicKey(edSecretKey(secretKey)).export({ format: 'jwk' }).x!, 'base64url'));
      return view(ecdhFor(secretKey).getPublicKey(undefined, 'compressed') as Buffer);
    },
    sign(algorithm: SignatureAlgorithm, secretKey: Uint8Array, message: Uint8Array): Uint8Array {
      // ES256: RFC 6979 and low S, byte-identical to the noble provider.
      if (algorithm === 'ES256') return p256.sign(message, secretKey, { lowS: true });
      return view(nodeSign(null, message, edSecretKey(secretKey)));
    },
    verify(algorithm: SignatureAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, options?: VerifyOptions): boolean {
      try {
        if (signature.length !== 64) return false;
        if (algorithm === 'ES256') {
          // OpenSSL accepts either S; the low-S rule is a byte comparison against n/2.
          if (options?.lowS === true && isHighS(signature)) return false;
          return nodeVerify('sha256', message, { key: p256PublicKey(publicKey), dsaEncoding: 'ieee-p1363' }, signature);
        }
        // OpenSSL checks S < L and the cofactorless equation; the byte checks add canonical R and no small-order R.
        if (publicKey.length !== 32 || !ed25519SignatureBytesAllowed(signature)) return false;
        return nodeVerify(null, message, edPublicKey(publicKey), signature);
      } catch {
        return false;
      }
    },
    ecdhP256(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
      try {
        return view(ecdhFor(secretKey).computeSecret(peerPublicKey));
      } catch {
        throw new LatchkeyError('cose_bad_key', 'peer P-256 key is not a valid point');
      }
    },
    aesGcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad);
      const body = cipher.update(plaintext);
      cipher.final();
      return view(Buffer.concat([body, cipher.getAuthTag()]));
    },
    aesGcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
      if (sealed.length < 16) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(aad);
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        const body = decipher.update(sealed.subarray(0, sealed.length - 16));
        decipher.final();
        return view(body);
      } catch {
        return undefined;
      }
    },
  });
}
