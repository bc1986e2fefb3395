/**
 * Applying a signed lock update (revocations, supersede floor, issuer rotation, time sync).
 * Returns undefined when applied, else the refusal code; a refused update changes nothing.
 */
import { equalBytes, toHex } from '../src/protocol/bytes.ts';
import { isLatchkeyError, type ErrorCode } from '../src/protocol/errors.ts';
import { limits } from '../src/protocol/limits.ts';
import { verifyLockUpdate, type LockUpdate } from '../src/protocol/lock-update.ts';
import type { TrustedIssuerKey } from '../src/protocol/issuer-keys.ts';
import { trustIdOf, type Lock } from './lock.ts';

/**
 * How far one *routine* update (signed by a credential-signing key, not an administration key) may
 * move the lock: a thief holding the online key gains at most these steps per update it delivers,
 * and an administration update (unbounded) can always get past them.
 */
export const routineVersionStepMax = 1024;
export const routineCeilingStepMax = 1024;

/**
 * Verifies an update: under a lock-administration key it may do anything; under a credential
 * (issuer) key it is **routine**: revocations, the next versions, the ceiling up by a bounded step
 * and the floor up to the ceiling — never the keys or the time. Same keys in both roles (a lock
 * built without `updateKeys`, which is every lock the issuing side provisions today): every update
 * is administrative. The bounds are not ready for an issuer that signs routinely (docs/PROTOCOL.md
 * §13.2: a door that misses 1,025 versions would wedge).
 */
function verifyUpdate(lock: Lock, bytes: Uint8Array): { update: LockUpdate; administrative: boolean } | ErrorCode {
  try {
    return { update: verifyLockUpdate(lock.crypto, bytes, lock.state.updateKeys), administrative: true };
  } catch (error) {
    if (!isLatchkeyError(error)) throw error;
    // One key set in both roles (every lock today): a second verify would repeat the first.
    if (sameKeys(lock.state.updateKeys, lock.state.trustedIssuers)) return error.code;
    try {
      return { update: verifyLockUpdate(lock.crypto, bytes, lock.state.trustedIssuers), administrative: false };
    } catch {
      return error.code;
    }
  }
}

function sameKeys(a: readonly TrustedIssuerKey[], b: readonly TrustedIssuerKey[]): boolean {
  const ids = (keys: readonly TrustedIssuerKey[]) => keys.map(trustIdOf).sort().join(',');
  return ids(a) === ids(b);
}

function routineRefusal(lock: Lock, update: LockUpdate): ErrorCode | undefined {
  const state = lock.state;
  // No key change, and no time: a routine key must not move the clock (a clock far ahead would expire
  // every credential, and the lock never moves back more than its rollback tolerance).
  if (update.issuers !== undefined || update.updateKeys !== undefined || update.timeS !== undefined) return 'update_not_authorized';
  if (update.version > state.updateVersion + routineVersionStepMax) return 'update_not_authorized';
  const ceiling = Math.max(state.sequenceCeiling, update.sequenceCeiling ?? 0);
  if (ceiling > state.sequenceCeiling + routineCeilingStepMax) return 'update_not_authorized';
  if (update.sequenceFloor > ceiling) return 'update_not_authorized';
  return undefined;
}

export function applyLockUpdate(lock: Lock, bytes: Uint8Array, nowMs: number, trueNowMs: number | undefined): ErrorCode | undefined {
  const verified = verifyUpdate(lock, bytes);
  if (typeof verified === 'string') return verified;
  const { update, administrative } = verified;
  if (!equalBytes(update.lockId, lock.identity.lockId)) return 'update_wrong_lock';
  if (update.version <= lock.state.updateVersion) return 'update_rollback';
  if (!administrative) {
    const refusal = routineRefusal(lock, update);
    if (refusal !== undefined) return refusal;
  }
  const nowS = Math.floor(nowMs / 1000);
  // Keep every entry whose credential could still open: the policy accepts up to exp + skew, and
  // the clock may later step back by up to the rollback tolerance (a signed time sync or an RTC
  // glitch), so an entry is forgotten only once now − tolerance is past exp + skew.
  const keepS = lock.config.skewToleranceS + Math.ceil(lock.config.clockRollbackToleranceMs / 1000);
  const merged = new Map<string, { credentialId: Uint8Array; expiresAtS: number }>();
  for (const entry of [...lock.state.revoked, ...update.revoked]) {
    if (entry.expiresAtS + keepS > nowS) merged.set(toHex(entry.credentialId), entry);
  }
  // Dropping an unexpired entry would silently un-revoke a credential: refuse the update instead
  // (the issuer must raise the door's supersede floor to shrink the list).
  if (merged.size > limits.lockRevocationsMax) return 'message_too_large';
  const revoked = [...merged.values()].sort((a, b) => b.expiresAtS - a.expiresAtS);
  if (update.timeS !== undefined && trueNowMs !== undefined) {
    // Only a maintenance sync passes the time (phone-carried updates do not): the clock moves
    // forward freely and back at most by the rollback tolerance (the rest of the update applies).
    lock.setClock(trueNowMs, update.timeS * 1000);
  }
  lock.replacePersistent(
    {
      ...lock.state,
      updateVersion: update.version,
      revoked,
      sequenceFloor: Math.max(lock.state.sequenceFloor, update.sequenceFloor),
      // The issuer's word on the highest sequence it issued for this door only grows.
      sequenceCeiling: Math.max(lock.state.sequenceCeiling, update.sequenceCeiling ?? 0, update.sequenceFloor),
      trustedIssuers: update.issuers ?? lock.state.trustedIssuers,
      // A lock that holds one key set in both roles keeps it that way: retiring an issuer key
      // retires it as an administration key too (else a stolen, "retired" key kept admin power).
      updateKeys: update.updateKeys ?? (update.issuers !== undefined && sameKeys(lock.state.updateKeys, lock.state.trustedIssuers) ? update.issuers : lock.state.updateKeys),
    },
    nowMs,
  );
  return undefined;
}
