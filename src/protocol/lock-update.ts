/**
 * Signed lock update: the issuer's word to one lock, carried by any phone (piggyback) or a
 * maintenance sync. One document type carries the revocation list, the door's supersede floor,
 * issuer-key rotation and a time sync, under one per-lock monotonic version: a lock applies an
 * update only if its version is higher than the one it holds, so an old list (rollback) or a
 * replayed time sync changes nothing.
 *
 *   COSE_Sign1 { 1 iss, 6 iat, -65539 update: { 1 lock id, 2 version, 3 revoked [[cti, exp]],
 *                4 door sequence floor, 5 time (s)?, 6 issuers [[kid, alg, public key]]?,
 *                7 door sequence ceiling? } }
 */
import { asArray, asBytes, asClosedMap, asInt, asText, asUint, cborMap, encodeDeterministic, type CborValue } from './cbor.ts';
import { signSign1, kidBytesMax } from './cose.ts';
import { algorithmOfId, signatureAlgorithms, type CryptoProvider } from './crypto/provider.ts';
import { LatchkeyError } from './errors.ts';
import type { IssuerSigningKey, TrustedIssuerKey } from './issuer-keys.ts';
import { verifyIssuerSignedClaims } from './issuer-signed.ts';
import { limits } from './limits.ts';

const updateLabel = { iss: 1, iat: 6, update: -65539 } as const;
const bodyLabel = { lockId: 1, version: 2, revoked: 3, sequenceFloor: 4, timeS: 5, issuers: 6, sequenceCeiling: 7, updateKeys: 8 } as const;
export const lockUpdateBytesMax = 1400;

export interface RevocationEntry {
  credentialId: Uint8Array;
  /** The credential's own expiry: the lock may forget the entry after it. */
  expiresAtS: number;
}

export interface LockUpdate {
  issuer: string;
  issuedAtS: number;
  lockId: Uint8Array;
  version: number;
  revoked: RevocationEntry[];
  /** Credentials for this door with a lower supersede sequence are dead. */
  sequenceFloor: number;
  timeS?: number;
  issuers?: TrustedIssuerKey[];
  /**
   * The highest supersede sequence the issuer has issued for this door. An unlock raises the
   * lock's floor to at most this, so a credential minted with a stolen key and sequence 2^32 − 1
   * cannot supersede every legitimate guest (docs/PROTOCOL.md §8).
   */
  sequenceCeiling?: number;
  /**
   * Replaces the lock-administration keys: the keys that alone may sign lock updates (and so
   * rotate keys, move the floor and the clock). Kept apart from the credential-signing keys, a
   * stolen credential key cannot take the lock over through updates.
   */
  updateKeys?: TrustedIssuerKey[];
}

export function issueLockUpdate(crypto: CryptoProvider, issuer: IssuerSigningKey, update: LockUpdate): Uint8Array {
  const body: [number, CborValue | undefined][] = [
    [bodyLabel.lockId, update.lockId],
    [bodyLabel.version, update.version],
    [bodyLabel.revoked, update.revoked.map((entry) => [entry.credentialId, entry.expiresAtS])],
    [bodyLabel.sequenceFloor, update.sequenceFloor],
    [bodyLabel.timeS, update.timeS],
    [bodyLabel.issuers, update.issuers?.map((key) => [key.kid, signatureAlgorithms[key.algorithm], key.publicKey])],
    [bodyLabel.sequenceCeiling, update.sequenceCeiling],
    [bodyLabel.updateKeys, update.updateKeys?.map((key) => [key.kid, signatureAlgorithms[key.algorithm], key.publicKey])],
  ];
  const payload = encodeDeterministic(cborMap([[updateLabel.iss, update.issuer], [updateLabel.iat, update.issuedAtS], [updateLabel.update, cborMap(body)]]));
  return signSign1(crypto, issuer.algorithm, issuer.secretKey, issuer.kid, payload);
}

/** Parses and verifies the signature; version/lock checks are the lock's (it knows its state). */
export function verifyLockUpdate(crypto: CryptoProvider, bytes: Uint8Array, trusted: readonly TrustedIssuerKey[]): LockUpdate {
  const map = verifyIssuerSignedClaims(crypto, bytes, trusted, lockUpdateBytesMax, 'update', Object.values(updateLabel));
  const body = asClosedMap(map.get(updateLabel.update), 'update body', 'claim_invalid', Object.values(bodyLabel));
  const update: LockUpdate = {
    issuer: asText(map.get(updateLabel.iss), 'iss', 'claim_invalid', limits.textBytesMax),
    issuedAtS: asUint(map.get(updateLabel.iat), 'iat', 'claim_invalid'),
    lockId: asBytes(body.get(bodyLabel.lockId), 'lock id', 'claim_invalid', 1, limits.idBytesMax),
    version: asUint(body.get(bodyLabel.version), 'version', 'claim_invalid'),
    revoked: asArray(body.get(bodyLabel.revoked), 'revoked', 'claim_invalid', 0, limits.revocationEntriesMax).map((entry, index) => {
      const [cti, exp] = asArray(entry, `revoked[${index}]`, 'claim_invalid', 2, 2);
      return { credentialId: asBytes(cti, `revoked[${index}].cti`, 'claim_invalid', 16, 16), expiresAtS: asUint(exp, `revoked[${index}].exp`, 'claim_invalid') };
    }),
    sequenceFloor: asUint(body.get(bodyLabel.sequenceFloor), 'sequence floor', 'claim_invalid'),
  };
  if (body.has(bodyLabel.sequenceCeiling)) update.sequenceCeiling = asUint(body.get(bodyLabel.sequenceCeiling), 'sequence ceiling', 'claim_invalid');
  if (body.has(bodyLabel.timeS)) update.timeS = asUint(body.get(bodyLabel.timeS), 'time', 'claim_invalid');
  if (body.has(bodyLabel.issuers)) update.issuers = keyList(body.get(bodyLabel.issuers), 'issuers');
  if (body.has(bodyLabel.updateKeys)) update.updateKeys = keyList(body.get(bodyLabel.updateKeys), 'update keys');
  return update;
}

function keyList(value: CborValue | undefined, title: string): TrustedIssuerKey[] {
  return asArray(value, title, 'claim_invalid', 1, limits.trustedIssuersMax).map((entry, index) => {
    const [kid, alg, publicKey] = asArray(entry, `${title}[${index}]`, 'claim_invalid', 3, 3);
    const algorithm = algorithmOfId(asInt(alg, `${title}[${index}].alg`, 'claim_invalid'));
    if (algorithm === undefined) throw new LatchkeyError('cose_alg_not_allowed', `${title}[${index}]`);
    const length = algorithm === 'ES256' ? 33 : 32;
    return { kid: asBytes(kid, `${title}[${index}].kid`, 'claim_invalid', 1, kidBytesMax), algorithm, publicKey: asBytes(publicKey, `${title}[${index}].key`, 'claim_invalid', length, length) };
  });
}
