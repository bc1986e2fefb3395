/**
 * Applying a signed lock update (revocations, supersede floor, issuer rotation, time sync).
 * Returns undefined when applied, else the refusal code; a refused update changes nothing.
 */
import { equalBytes, toHex } from '../src/protocol/bytes.ts';
import { isLatchkeyError, type ErrorCode } from '../src/protocol/errors.ts';
import { limits } from '../src/protocol/limits.ts';
import { verifyLockUpdate, type LockUpdate } from '../src/protocol/lock-update.ts';
import type { Lock } from './lock.ts';

export function applyLockUpdate(lock: Lock, bytes: Uint8Array, nowMs: number, trueNowMs: number | undefined): ErrorCode | undefined {
  let update: LockUpdate;
  try {
    // Only the lock-administration keys sign updates (not the credential-signing keys).
    update = verifyLockUpdate(lock.crypto, bytes, lock.state.updateKeys);
  } catch (error) {
    if (!isLatchkeyError(error)) throw error;
    return error.code;
  }
  if (!equalBytes(update.lockId, lock.identity.lockId)) return 'update_wrong_lock';
  if (update.version <= lock.state.updateVersion) return 'update_rollback';
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
      updateKeys: update.updateKeys ?? lock.state.updateKeys,
    },
    nowMs,
  );
  return undefined;
}
