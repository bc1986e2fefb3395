/**
 * Signed lock update: the issuer's word to one lock, carried by any phone (piggyback) or a
 * maintenance sync. One document type carries the revocation list, the door's supersede floor,
 * issuer-key rotation and a time sync, under one per-lock monotonic version: a lock applies an
 * update only if its version is higher than the one it holds, so an old list (rollback) or a
 * replayed time sync changes nothing.
 *
 *   COSE_Sign1 { 1 iss, 6 iat, -65539 update: { 1 lock id, 2 version, 3 revoked [[cti, exp]],
 *                4 door sequence floor, 5 time (s)?, 6 issuers [[kid, alg, public key]]?,
 *                7 door sequence ceiling?, 8 update keys [[kid, alg, public key]]?, 9 epoch? } }
 *
 * The revocation list is the door's complete list (a snapshot), not a delta: the lock replaces its
 * own with it. Versions are ordered by (epoch, version); only a lock-administration key opens a new
 * epoch, and an update that does is a reset (docs/PROTOCOL.md §8.1).
 */
import { asArray, asBytes, asClosedMap, asInt, asText, asUint, cborMap, encodeDeterministic, type CborValue } from './cbor.ts';
import { signSign1, kidBytesMax } from './cose.ts';
import { algorithmOfId, signatureAlgorithms, type CryptoProvider } from './crypto/provider.ts';
import { LatchkeyError } from './errors.ts';
import type { IssuerSigningKey, TrustedIssuerKey } from './issuer-keys.ts';
import { parseIssuerSignedClaims, verifyParsedSigned } from './issuer-signed.ts';
import type { Sign1 } from './cose.ts';
import { limits } from './limits.ts';

const updateLabel = { iss: 1, iat: 6, update: -65539 } as const;
const bodyLabel = { lockId: 1, version: 2, revoked: 3, sequenceFloor: 4, timeS: 5, issuers: 6, sequenceCeiling: 7, updateKeys: 8, epoch: 9 } as const;
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
  /**
   * The administration epoch (absent = 0, and 0 is never written: one encoding per meaning). Only
   * an administration key may sign an update whose epoch is above the lock's; such an update is a
   * reset: its version, floor, ceiling and revocations replace the lock's, whatever a thief holding
   * a credential key pushed them to.
   */
  epoch?: number;
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
    [bodyLabel.epoch, update.epoch === 0 ? undefined : update.epoch],
  ];
  const payload = encodeDeterministic(cborMap([[updateLabel.iss, update.issuer], [updateLabel.iat, update.issuedAtS], [updateLabel.update, cborMap(body)]]));
  return signSign1(crypto, issuer.algorithm, issuer.secretKey, issuer.kid, payload);
}

/** Epoch of an update (absent = 0). */
export const epochOf = (update: Pick<LockUpdate, 'epoch'>): number => update.epoch ?? 0;

/** Orders two (epoch, version) pairs: negative when a is older. */
export function compareUpdateVersions(a: { epoch: number; version: number }, b: { epoch: number; version: number }): number {
  return a.epoch !== b.epoch ? a.epoch - b.epoch : a.version - b.version;
}

/** Parses and verifies the signature; version/lock checks are the lock's (it knows its state). */
export function verifyLockUpdate(crypto: CryptoProvider, bytes: Uint8Array, trusted: readonly TrustedIssuerKey[]): LockUpdate {
  const parsed = parseLockUpdate(bytes);
  verifyParsedSigned(crypto, parsed.sign1, trusted);
  return parsed.update;
}

/**
 * Parses an update **without verifying its signature**: every field is checked as strictly as
 * `verifyLockUpdate` checks it, but nothing here is authenticated until `verifyParsedSigned`
 * passes on `sign1`. The lock uses it to refuse an old or foreign update before spending a verify.
 */
export function parseLockUpdate(bytes: Uint8Array): { sign1: Sign1; update: LockUpdate } {
  const { sign1, claims: map } = parseIssuerSignedClaims(bytes, lockUpdateBytesMax, 'update', Object.values(updateLabel));
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
  if (body.has(bodyLabel.epoch)) {
    const epoch = asUint(body.get(bodyLabel.epoch), 'epoch', 'claim_invalid');
    // Epoch 0 is written by leaving the field out; an explicit 0 is a second encoding of it.
    if (epoch === 0) throw new LatchkeyError('claim_invalid', 'epoch 0 must be omitted');
    update.epoch = epoch;
  }
  return { sign1, update };
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
