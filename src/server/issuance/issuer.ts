/**
 * The server's issuer: signs lock certificates, phone credentials and routine per-lock updates with
 * the key from the key file, through the protocol core (the same codecs the lock and phone parse).
 * It never holds the lock-administration key: resets are signed offline (src/server/services/lock-reset.ts).
 */
import { issueCredential, type CredentialClaims } from '../../protocol/credential.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { publicPart, type IssuerSigningKey, type TrustedIssuerKey } from '../../protocol/issuer-keys.ts';
import { issueLockCertificate } from '../../protocol/lock-cert.ts';
import { issueLockUpdate, lockUpdateBytesMax, type RevocationEntry } from '../../protocol/lock-update.ts';
import { assert } from '../../protocol/errors.ts';
import { piggybackBytesMax } from '../../protocol/unlock/messages.ts';
import { limits } from '../../protocol/limits.ts';

export const issuerName = 'https://latchkey.invalid/issuer';
/**
 * Revocation entries one signed update may list. The protocol allows `limits.revocationEntriesMax`
 * (64), but an entry costs 23 bytes and 64 of them make a 1,643-byte update, over
 * `lockUpdateBytesMax` (1,400); 48 (1,275 bytes with every header field at its widest) also leaves
 * room for a 16-door credential and the holder proof in one piggybacked request
 * (`limits.requestBytesMax`). A door whose live revocations exceed this gets a raised floor instead
 * (src/server/services/revocation.ts).
 */
export const updateRevocationsMax = 48;
assert(updateRevocationsMax <= limits.revocationEntriesMax, 'an update lists no more revocations than a lock parses');
export const lockCertLifetimeS = 5 * 365 * 86400;

/** What a door's update says (routine or reset). */
export interface DoorUpdateState {
  epoch: number;
  revoked: RevocationEntry[];
  sequenceFloor: number;
  sequenceCeiling: number;
}

/** Signs a door's update under `key` with the bounds every update the service hands out keeps. */
export function signDoorUpdate(crypto: CryptoProvider, key: IssuerSigningKey, lockId: Uint8Array, version: number, door: DoorUpdateState, nowS: number): Uint8Array {
  assert(door.revoked.length <= updateRevocationsMax, 'lock update revocations bounded');
  assert(door.sequenceFloor <= door.sequenceCeiling, 'a floor above the ceiling would kill every credential issued');
  const bytes = issueLockUpdate(crypto, key, { issuer: issuerName, issuedAtS: nowS, lockId, version, ...door });
  // A phone piggybacks it with the largest credential in one request.
  assert(bytes.length <= Math.min(lockUpdateBytesMax, piggybackBytesMax), 'lock update fits one request');
  return bytes;
}

export interface Issuer {
  crypto: CryptoProvider;
  trusted: TrustedIssuerKey[];
  lockCertificate(lockId: Uint8Array, signingKey: Uint8Array, agreementKey: Uint8Array, nowS: number): Uint8Array;
  credential(claims: Omit<CredentialClaims, 'issuer'>): Uint8Array;
  /** A routine update: the door's complete live revocation list, its supersede floor and ceiling (highest issued sequence), in its current epoch. */
  lockUpdate(lockId: Uint8Array, version: number, door: DoorUpdateState, nowS: number): Uint8Array;
}

export function createIssuer(crypto: CryptoProvider, key: IssuerSigningKey): Issuer {
  return {
    crypto,
    trusted: [publicPart(key)],
    lockCertificate: (lockId, signingKey, agreementKey, nowS) =>
      issueLockCertificate(crypto, key, { issuer: issuerName, lockId, signingKey, agreementKey, issuedAtS: nowS, expiresAtS: nowS + lockCertLifetimeS }),
    credential: (claims) => issueCredential(crypto, key, { ...claims, issuer: issuerName }),
    lockUpdate: (lockId, version, door, nowS) => signDoorUpdate(crypto, key, lockId, version, door, nowS),
  };
}
