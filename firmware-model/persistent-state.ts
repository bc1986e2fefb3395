/**
 * What the lock keeps in NV: trusted issuer keys, the last applied update version, the revocation
 * list, the door's supersede floor and the clock's high-water mark. Encoded as deterministic CBOR;
 * challenges, caches and tickets live in RAM and are lost on a power cut. The audit ring is modelled
 * as retained RAM: it survives power cuts here but is not NV-committed (phones do not carry it back
 * yet).
 */
import { asArray, asBytes, asUint, decodeStrict, encodeDeterministic } from '../src/protocol/cbor.ts';
import { algorithmOfId, signatureAlgorithms } from '../src/protocol/crypto/provider.ts';
import { LatchkeyError } from '../src/protocol/errors.ts';
import type { TrustedIssuerKey } from '../src/protocol/issuer-keys.ts';
import type { RevocationEntry } from '../src/protocol/lock-update.ts';

export interface PersistentState {
  trustedIssuers: TrustedIssuerKey[];
  updateVersion: number;
  revoked: RevocationEntry[];
  sequenceFloor: number;
  clockHighWaterMs: number;
}

export function encodePersistentState(state: PersistentState): Uint8Array {
  return encodeDeterministic([
    state.trustedIssuers.map((key) => [key.kid, signatureAlgorithms[key.algorithm], key.publicKey]),
    state.updateVersion,
    state.revoked.map((entry) => [entry.credentialId, entry.expiresAtS]),
    state.sequenceFloor,
    // ms since epoch exceeds 32 bits: store seconds and the remainder separately.
    Math.floor(state.clockHighWaterMs / 1000),
    state.clockHighWaterMs % 1000,
  ]);
}

export function decodePersistentState(bytes: Uint8Array): PersistentState {
  const bounds = { bytesMax: 64 * 1024, depthMax: 4, itemsMax: 4096 };
  const [issuers, version, revoked, floor, seconds, millis] = asArray(decodeStrict(bytes, bounds), 'nv state', 'claim_invalid', 6, 6);
  return {
    trustedIssuers: asArray(issuers, 'issuers', 'claim_invalid', 0, 16).map((entry) => {
      const [kid, alg, key] = asArray(entry, 'issuer', 'claim_invalid', 3, 3);
      const algorithm = algorithmOfId(alg as number);
      if (algorithm === undefined) throw new LatchkeyError('storage_corrupt', 'issuer algorithm');
      return { kid: asBytes(kid, 'kid', 'claim_invalid', 1, 16), algorithm, publicKey: asBytes(key, 'key', 'claim_invalid', 32, 33) };
    }),
    updateVersion: asUint(version, 'version', 'claim_invalid'),
    revoked: asArray(revoked, 'revoked', 'claim_invalid', 0, 4096).map((entry) => {
      const [cti, exp] = asArray(entry, 'revocation', 'claim_invalid', 2, 2);
      return { credentialId: asBytes(cti, 'cti', 'claim_invalid', 16, 16), expiresAtS: asUint(exp, 'exp', 'claim_invalid') };
    }),
    sequenceFloor: asUint(floor, 'floor', 'claim_invalid'),
    clockHighWaterMs: asUint(seconds, 'seconds', 'claim_invalid') * 1000 + asUint(millis, 'millis', 'claim_invalid', 999),
  };
}
