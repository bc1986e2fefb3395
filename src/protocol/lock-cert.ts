/**
 * Lock certificate: the issuer vouches for a lock's two static keys, so a phone can tell the real
 * lock from a fake one. It travels to phones with their credentials (not over the air).
 *
 *   COSE_Sign1 { 1 iss, 6 iat, 4 exp, -65538 lock: { 1 lock id, 2 signing key (Ed25519 or P-256 COSE_Key),
 *                                                    3 key-agreement key (P-256 COSE_Key),
 *                                                    4 protocol versions (bitmask) } }
 *
 * The versions the issuer certifies for the lock let a phone refuse a challenge that offers less
 * (a downgrade) before it sends anything.
 *
 * The signing key's COSE type declares the algorithm the lock signs with (challenge form 3 and the
 * unlock result): an OKP Ed25519 key means EdDSA, an EC2 P-256 key ES256 (cheaper on a Cortex-M4:
 * docs/HARDWARE.md). A certificate with an Ed25519 key is byte for byte what it was before.
 *
 * Two keys, not one: the P-256 key only does ECDH (the phone encrypts its request to it, so a
 * passive listener or fake lock never sees the credential), the Ed25519 key only signs results.
 */
import { asBytes, asClosedMap, asText, asUint, cborMap, encodeDeterministic } from './cbor.ts';
import { decodeEd25519CoseKey, decodeP256CoseKey, encodeEd25519CoseKey, encodeP256CoseKey, signSign1 } from './cose.ts';
import type { CryptoProvider, SignatureAlgorithm } from './crypto/provider.ts';
import type { CborValue } from './cbor.ts';
import { LatchkeyError } from './errors.ts';
import type { IssuerSigningKey, TrustedIssuerKey } from './issuer-keys.ts';
import { verifyIssuerSignedClaims } from './issuer-signed.ts';
import { limits } from './limits.ts';
import { supportedVersions } from './unlock/versions.ts';

const certLabel = { iss: 1, exp: 4, iat: 6, lock: -65538 } as const;
const lockLabel = { lockId: 1, signingKey: 2, agreementKey: 3, versions: 4 } as const;
export const lockCertBytesMax = 400;

export interface LockCertificate {
  issuer: string;
  lockId: Uint8Array;
  /** Public key that signs unlock results and form-3 challenges: Ed25519 (32 bytes) or P-256 (33, compressed). */
  signingKey: Uint8Array;
  /** What `signingKey` is, declared by its COSE key type; absent means EdDSA. */
  signingAlgorithm?: SignatureAlgorithm;
  /** 33-byte P-256 public key for ECDH with the phone's ephemeral key. */
  agreementKey: Uint8Array;
  issuedAtS: number;
  expiresAtS: number;
  /** Protocol versions the lock runs (bitmask, bit n = version n+1). */
  versions: number;
}

export function issueLockCertificate(crypto: CryptoProvider, issuer: IssuerSigningKey, cert: Omit<LockCertificate, 'versions'> & { versions?: number }): Uint8Array {
  const payload = encodeDeterministic(
    cborMap([
      [certLabel.iss, cert.issuer],
      [certLabel.exp, cert.expiresAtS],
      [certLabel.iat, cert.issuedAtS],
      [
        certLabel.lock,
        cborMap([
          [lockLabel.lockId, cert.lockId],
          [lockLabel.signingKey, cert.signingAlgorithm === 'ES256' ? encodeP256CoseKey(cert.signingKey) : encodeEd25519CoseKey(cert.signingKey)],
          [lockLabel.agreementKey, encodeP256CoseKey(cert.agreementKey)],
          [lockLabel.versions, cert.versions ?? supportedVersions],
        ]),
      ],
    ]),
  );
  return signSign1(crypto, issuer.algorithm, issuer.secretKey, issuer.kid, payload);
}

/** The lock's signing key and what it declares: EC2 P-256 (4 entries) → ES256, else it must be OKP Ed25519. */
function decodeSigningKey(value: CborValue | undefined): { signingKey: Uint8Array; signingAlgorithm: SignatureAlgorithm } {
  if (value instanceof Map && value.size === 4) return { signingKey: decodeP256CoseKey(value), signingAlgorithm: 'ES256' };
  return { signingKey: decodeEd25519CoseKey(value), signingAlgorithm: 'EdDSA' };
}

/** Verifies a lock certificate against trusted issuers and the current time (seconds). */
export function verifyLockCertificate(crypto: CryptoProvider, bytes: Uint8Array, trusted: readonly TrustedIssuerKey[], nowS: number): LockCertificate {
  try {
    const map = verifyIssuerSignedClaims(crypto, bytes, trusted, lockCertBytesMax, 'lock certificate', Object.values(certLabel));
    const lock = asClosedMap(map.get(certLabel.lock), 'lock', 'claim_invalid', Object.values(lockLabel));
    const cert: LockCertificate = {
      issuer: asText(map.get(certLabel.iss), 'iss', 'claim_invalid', limits.textBytesMax),
      expiresAtS: asUint(map.get(certLabel.exp), 'exp', 'claim_invalid'),
      issuedAtS: asUint(map.get(certLabel.iat), 'iat', 'claim_invalid'),
      lockId: asBytes(lock.get(lockLabel.lockId), 'lock id', 'claim_invalid', 1, limits.idBytesMax),
      ...decodeSigningKey(lock.get(lockLabel.signingKey)),
      agreementKey: decodeP256CoseKey(lock.get(lockLabel.agreementKey)),
      versions: asUint(lock.get(lockLabel.versions), 'versions', 'claim_invalid', 255),
    };
    if (cert.versions === 0) throw new LatchkeyError('lock_cert_invalid', 'lock certificate names no protocol version');
    if (nowS >= cert.expiresAtS) throw new LatchkeyError('lock_cert_invalid', 'lock certificate expired');
    return cert;
  } catch (error) {
    if (error instanceof LatchkeyError && error.code !== 'lock_cert_invalid') throw new LatchkeyError('lock_cert_invalid', error.message);
    throw error;
  }
}
