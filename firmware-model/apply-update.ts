/**
 * Applying a signed lock update (revocations, supersede floor and ceiling, key rotation, time
 * sync). Returns undefined when applied, else the refusal code; a refused update changes nothing.
 *
 * Two authorities (docs/PROTOCOL.md §8.1). The lock-administration keys (`updateKeys`, kept
 * offline by the issuer) may sign anything. The credential-signing keys (`trustedIssuers`, online
 * at the issuing service) sign only **routine** updates: the door's revocation snapshot, floor and
 * ceiling, within the lock's current epoch, no key change, no time, at most
 * `routineUpdatesMax` applied per window. Whatever a thief holding the online key does through
 * routine updates, an administration update undoes: one with a higher epoch is a **reset** whose
 * version, floor, ceiling and revocations replace the lock's. A lock provisioned with one key set in
 * both roles treats every update as administrative (and has no recovery but re-provisioning).
 */
import { equalBytes, toHex } from '../src/protocol/bytes.ts';
import { isLatchkeyError, type ErrorCode } from '../src/protocol/errors.ts';
import { verifyParsedSigned } from '../src/protocol/issuer-signed.ts';
import { compareUpdateVersions, epochOf, parseLockUpdate, type LockUpdate, type RevocationEntry } from '../src/protocol/lock-update.ts';
import type { TrustedIssuerKey } from '../src/protocol/issuer-keys.ts';
import type { PersistentState } from './persistent-state.ts';
import { trustIdOf, type Lock } from './lock.ts';

type Authority = 'administrative' | 'routine';

/**
 * Parses first (cheap), refuses a foreign or old update before spending a signature verify (a phone
 * may carry an administration update the lock applied long ago), then verifies: administration
 * keys first, then credential keys.
 */
function verifyUpdate(lock: Lock, bytes: Uint8Array): { update: LockUpdate; authority: Authority } | ErrorCode {
  let parsed: ReturnType<typeof parseLockUpdate>;
  try {
    parsed = parseLockUpdate(bytes);
  } catch (error) {
    if (!isLatchkeyError(error)) throw error;
    return error.code;
  }
  const { sign1, update } = parsed;
  const state = lock.state;
  if (!equalBytes(update.lockId, lock.identity.lockId)) return 'update_wrong_lock';
  if (compareUpdateVersions({ epoch: epochOf(update), version: update.version }, { epoch: state.updateEpoch, version: state.updateVersion }) <= 0) return 'update_rollback';
  const authorities: [Authority, readonly TrustedIssuerKey[]][] = [['administrative', state.updateKeys]];
  // One key set in both roles: a second verify would repeat the first.
  if (!sameKeys(state.updateKeys, state.trustedIssuers)) authorities.push(['routine', state.trustedIssuers]);
  let firstCode: ErrorCode | undefined;
  for (const [authority, keys] of authorities) {
    try {
      verifyParsedSigned(lock.crypto, sign1, keys);
      return { update, authority };
    } catch (error) {
      if (!isLatchkeyError(error)) throw error;
      firstCode ??= error.code;
    }
  }
  return firstCode!;
}

export function sameKeys(a: readonly TrustedIssuerKey[], b: readonly TrustedIssuerKey[]): boolean {
  const ids = (keys: readonly TrustedIssuerKey[]) => keys.map(trustIdOf).sort().join(',');
  return ids(a) === ids(b);
}

/** What a credential key may not do: change keys or time, open an epoch, or put the floor above the ceiling. */
function routineRefusal(state: PersistentState, update: LockUpdate): ErrorCode | undefined {
  // No time either: a clock far ahead would expire every credential, and a lock never moves back
  // more than its rollback tolerance, so only the administration key may set it.
  if (update.issuers !== undefined || update.updateKeys !== undefined || update.timeS !== undefined) return 'update_not_authorized';
  if (epochOf(update) > state.updateEpoch) return 'update_not_authorized';
  if (update.sequenceFloor > Math.max(state.sequenceCeiling, update.sequenceCeiling ?? 0)) return 'update_not_authorized';
  return undefined;
}

/**
 * The update's revocation snapshot, less what can no longer open: the policy accepts a credential
 * up to exp + skew, and the clock may later step back by up to the rollback tolerance, so an entry
 * is dropped only once now − tolerance is past exp + skew.
 */
function liveRevocations(lock: Lock, entries: readonly RevocationEntry[], nowMs: number): RevocationEntry[] {
  const keepS = lock.config.skewToleranceS + Math.ceil(lock.config.clockRollbackToleranceMs / 1000);
  const nowS = Math.floor(nowMs / 1000);
  const live = new Map<string, RevocationEntry>();
  for (const entry of entries) if (entry.expiresAtS + keepS > nowS) live.set(toHex(entry.credentialId), entry);
  return [...live.values()].sort((a, b) => b.expiresAtS - a.expiresAtS);
}

export function applyLockUpdate(lock: Lock, bytes: Uint8Array, nowMs: number, trueNowMs: number | undefined): ErrorCode | undefined {
  const verified = verifyUpdate(lock, bytes);
  if (typeof verified === 'string') return verified;
  const { update, authority } = verified;
  const state = lock.state;
  const epoch = epochOf(update);
  if (authority === 'routine') {
    const refusal = routineRefusal(state, update);
    if (refusal !== undefined) return refusal;
    // Bounds NV writes a thief with the online key can cause. Nothing is lost by waiting: each
    // update is the door's whole snapshot, and the next phone carries the newest.
    if (lock.routineUpdates.full(lock.monotonicMs)) return 'rate_limited';
  }
  const revoked = liveRevocations(lock, update.revoked, nowMs);
  const reset = epoch > state.updateEpoch;
  if (update.timeS !== undefined && trueNowMs !== undefined) {
    // Only a maintenance sync passes the time (phone-carried updates do not): the clock moves
    // forward freely and back at most by the rollback tolerance (the rest of the update applies).
    lock.setClock(trueNowMs, update.timeS * 1000);
  }
  // Floor and ceiling only grow within an epoch; a reset sets them (the ceiling never below the floor).
  const floor = reset ? update.sequenceFloor : Math.max(state.sequenceFloor, update.sequenceFloor);
  const ceiling = Math.max(reset ? 0 : state.sequenceCeiling, update.sequenceCeiling ?? 0, floor);
  const trustedIssuers = update.issuers ?? state.trustedIssuers;
  lock.replacePersistent(
    {
      ...state,
      updateEpoch: epoch,
      updateVersion: update.version,
      revoked,
      sequenceFloor: floor,
      sequenceCeiling: ceiling,
      trustedIssuers,
      // One key set in both roles stays one set: retiring an issuer key retires it as an
      // administration key too (else a stolen, "retired" key kept administration power).
      updateKeys: update.updateKeys ?? (update.issuers !== undefined && sameKeys(state.updateKeys, state.trustedIssuers) ? update.issuers : state.updateKeys),
    },
    nowMs,
  );
  if (authority === 'routine') lock.routineUpdates.record(lock.monotonicMs);
  // A reset starts the routine budget afresh: a thief's updates that filled it must not hold back the
  // issuer's first routine update of the new epoch (attack 12, F7).
  else if (reset) lock.routineUpdates.clear();
  return undefined;
}
