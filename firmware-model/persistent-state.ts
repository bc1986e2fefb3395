/**
 * What the lock keeps in NV: trusted issuer keys, the last applied update version, the revocation
 * list, the door's supersede floor and the issuer-signed ceiling it may rise to, the clock's
 * high-water mark, and the ring of authenticated audit records (audit.ts). Encoded as deterministic
 * CBOR; challenges, caches, tickets and the unauthenticated refusal counters live in RAM and are
 * lost on a power cut.
 */
import { asArray, asBytes, asText, asUint, decodeStrict, encodeDeterministic } from '../src/protocol/cbor.ts';
import { algorithmOfId, signatureAlgorithms } from '../src/protocol/crypto/provider.ts';
import { LatchkeyError, codeOfWire, wireOf } from '../src/protocol/errors.ts';
import type { TrustedIssuerKey } from '../src/protocol/issuer-keys.ts';
import type { RevocationEntry } from '../src/protocol/lock-update.ts';
import { fromHex, toHex } from '../src/protocol/bytes.ts';
import { assert } from '../src/protocol/errors.ts';
import { limits } from '../src/protocol/limits.ts';
import { auditEvents, authenticatedAuditMax, type AuditRecord } from './audit.ts';
import { nvPageBytes, nvSlotPagesMax } from './nv.ts';

export interface PersistentState {
  /** Keys whose signatures on credentials (and lock certificates) the lock accepts. */
  trustedIssuers: TrustedIssuerKey[];
  /** Lock-administration keys: they alone verify lock updates. */
  updateKeys: TrustedIssuerKey[];
  /** Administration epoch: (updateEpoch, updateVersion) orders updates; only an administration key raises the epoch. */
  updateEpoch: number;
  updateVersion: number;
  revoked: RevocationEntry[];
  sequenceFloor: number;
  /** Highest supersede sequence the issuer has said it issued for this door (0 = never told). */
  sequenceCeiling: number;
  clockHighWaterMs: number;
  audit: AuditRecord[];
  auditNextSequence: number;
}

// ms since epoch exceeds 32 bits: times are stored as seconds and the remainder separately.
const splitMs = (ms: number): [number, number] => [Math.floor(ms / 1000), ms % 1000];

function encodeAuditRecord(record: AuditRecord): unknown[] {
  return [record.sequence, ...splitMs(record.timeMs), auditEvents.indexOf(record.event), record.code === undefined ? 0 : wireOf(record.code), record.credentialId === undefined ? new Uint8Array(0) : fromHex(record.credentialId), record.subject ?? null];
}

function decodeAuditRecord(value: unknown): AuditRecord {
  const [sequence, seconds, millis, event, code, cti, subject] = asArray(value as never, 'audit record', 'claim_invalid', 7, 7);
  const eventName = auditEvents[asUint(event, 'event', 'claim_invalid', auditEvents.length - 1)]!;
  const record: AuditRecord = { sequence: asUint(sequence, 'sequence', 'claim_invalid'), timeMs: asUint(seconds, 'seconds', 'claim_invalid') * 1000 + asUint(millis, 'millis', 'claim_invalid', 999), event: eventName };
  const wire = asUint(code, 'code', 'claim_invalid', 255);
  if (wire !== 0) {
    const known = codeOfWire(wire);
    if (known === undefined) throw new LatchkeyError('storage_corrupt', 'audit code');
    record.code = known;
  }
  const id = asBytes(cti, 'cti', 'claim_invalid', 0, 16);
  if (id.length > 0) record.credentialId = toHex(id);
  if (subject !== null) record.subject = asText(subject, 'subject', 'claim_invalid', 64);
  return record;
}

const encodeKeys = (keys: TrustedIssuerKey[]) => keys.map((key) => [key.kid, signatureAlgorithms[key.algorithm], key.publicKey]);

function decodeKeys(value: unknown, title: string): TrustedIssuerKey[] {
  return asArray(value as never, title, 'claim_invalid', 0, 16).map((entry) => {
    const [kid, alg, key] = asArray(entry, 'issuer', 'claim_invalid', 3, 3);
    const algorithm = algorithmOfId(alg as number);
    if (algorithm === undefined) throw new LatchkeyError('storage_corrupt', 'issuer algorithm');
    return { kid: asBytes(kid, 'kid', 'claim_invalid', 1, 16), algorithm, publicKey: asBytes(key, 'key', 'claim_invalid', 32, 33) };
  });
}

export function encodePersistentState(state: PersistentState): Uint8Array {
  return encodeDeterministic([
    encodeKeys(state.trustedIssuers),
    state.updateVersion,
    state.revoked.map((entry) => [entry.credentialId, entry.expiresAtS]),
    state.sequenceFloor,
    ...splitMs(state.clockHighWaterMs),
    state.sequenceCeiling,
    state.auditNextSequence,
    state.audit.map(encodeAuditRecord) as never,
    encodeKeys(state.updateKeys),
    state.updateEpoch,
  ]);
}

export function decodePersistentState(bytes: Uint8Array): PersistentState {
  const bounds = { bytesMax: 64 * 1024, depthMax: 4, itemsMax: 4096 };
  const [issuers, version, revoked, floor, seconds, millis, ceiling, nextSequence, audit, updateKeys, epoch] = asArray(decodeStrict(bytes, bounds), 'nv state', 'claim_invalid', 11, 11);
  return {
    trustedIssuers: decodeKeys(issuers, 'issuers'),
    updateKeys: decodeKeys(updateKeys, 'update keys'),
    updateEpoch: asUint(epoch, 'epoch', 'claim_invalid'),
    updateVersion: asUint(version, 'version', 'claim_invalid'),
    revoked: asArray(revoked, 'revoked', 'claim_invalid', 0, limits.lockRevocationsMax).map((entry) => {
      const [cti, exp] = asArray(entry, 'revocation', 'claim_invalid', 2, 2);
      return { credentialId: asBytes(cti, 'cti', 'claim_invalid', 16, 16), expiresAtS: asUint(exp, 'exp', 'claim_invalid') };
    }),
    sequenceFloor: asUint(floor, 'floor', 'claim_invalid'),
    clockHighWaterMs: asUint(seconds, 'seconds', 'claim_invalid') * 1000 + asUint(millis, 'millis', 'claim_invalid', 999),
    sequenceCeiling: asUint(ceiling, 'ceiling', 'claim_invalid'),
    auditNextSequence: asUint(nextSequence, 'audit sequence', 'claim_invalid'),
    audit: asArray(audit, 'audit', 'claim_invalid', 0, authenticatedAuditMax).map(decodeAuditRecord),
  };
}

/** The largest state the lock can hold, every bound at its maximum (every number at 2^32 − 1). */
function largestState(): PersistentState {
  const big = 0xffffffff;
  const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);
  return {
    trustedIssuers: Array.from({ length: limits.trustedIssuersMax }, (_, i) => ({ kid: bytes(limits.idBytesMax, i), algorithm: 'ES256' as const, publicKey: bytes(33, 2) })),
    updateKeys: Array.from({ length: limits.trustedIssuersMax }, (_, i) => ({ kid: bytes(limits.idBytesMax, i), algorithm: 'ES256' as const, publicKey: bytes(33, 2) })),
    updateEpoch: big,
    updateVersion: big,
    revoked: Array.from({ length: limits.lockRevocationsMax }, (_, i) => ({ credentialId: bytes(16, i & 0xff), expiresAtS: big })),
    sequenceFloor: big,
    sequenceCeiling: big,
    clockHighWaterMs: big * 1000 + 999,
    audit: Array.from({ length: authenticatedAuditMax }, (_, i): AuditRecord => ({ sequence: big - i, timeMs: big * 1000 + 999, event: 'refused', code: 'credential_superseded', credentialId: 'ff'.repeat(16), subject: 'x'.repeat(limits.textBytesMax) })),
    auditNextSequence: big,
  };
}

/** Bytes of the largest state: NV must hold it (asserted below), and a bigger state cannot exist. */
export const persistentStateBytesMax = encodePersistentState(largestState()).length;
assert(persistentStateBytesMax <= nvPageBytes * nvSlotPagesMax, `the largest lock state (${persistentStateBytesMax} bytes) fits one NV slot`);
