/**
 * The server's issuer: signs lock certificates, phone credentials and per-lock updates with the
 * key from the key file, through the protocol core (the same codecs the lock and phone parse).
 */
import { issueCredential, type CredentialClaims } from '../../protocol/credential.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { publicPart, type IssuerSigningKey, type TrustedIssuerKey } from '../../protocol/issuer-keys.ts';
import { issueLockCertificate } from '../../protocol/lock-cert.ts';
import { issueLockUpdate, lockUpdateBytesMax, type RevocationEntry } from '../../protocol/lock-update.ts';
import { assert } from '../../protocol/errors.ts';

export const issuerName = 'https://latchkey.invalid/issuer';
/** Revocations one signed update carries: the newest ones; the lock merges and keeps older ones. */
export const updateRevocationsMax = 48;
export const lockCertLifetimeS = 5 * 365 * 86400;

export interface Issuer {
  crypto: CryptoProvider;
  trusted: TrustedIssuerKey[];
  lockCertificate(lockId: Uint8Array, signingKey: Uint8Array, agreementKey: Uint8Array, nowS: number): Uint8Array;
  credential(claims: Omit<CredentialClaims, 'issuer'>): Uint8Array;
  lockUpdate(lockId: Uint8Array, version: number, revoked: RevocationEntry[], nowS: number): Uint8Array;
}

export function createIssuer(crypto: CryptoProvider, key: IssuerSigningKey): Issuer {
  return {
    crypto,
    trusted: [publicPart(key)],
    lockCertificate: (lockId, signingKey, agreementKey, nowS) =>
      issueLockCertificate(crypto, key, { issuer: issuerName, lockId, signingKey, agreementKey, issuedAtS: nowS, expiresAtS: nowS + lockCertLifetimeS }),
    credential: (claims) => issueCredential(crypto, key, { ...claims, issuer: issuerName }),
    lockUpdate(lockId, version, revoked, nowS) {
      assert(revoked.length <= updateRevocationsMax, 'lock update revocations bounded');
      const bytes = issueLockUpdate(crypto, key, { issuer: issuerName, issuedAtS: nowS, lockId, version, revoked, sequenceFloor: 0 });
      assert(bytes.length <= lockUpdateBytesMax, 'lock update fits its bound');
      return bytes;
    },
  };
}
