/**
 * Credential policy at the lock: the cheap checks, all from claims, run before any signature is
 * verified. Order is fixed so that the reported code is deterministic: door, time, revocation,
 * supersede.
 */
import { equalBytes, toHex } from '../src/protocol/bytes.ts';
import type { CredentialClaims } from '../src/protocol/credential.ts';
import type { ErrorCode } from '../src/protocol/errors.ts';

export interface PolicyContext {
  lockId: Uint8Array;
  nowS: number;
  /** Grace for clock skew between issuer and lock at validity boundaries. */
  skewToleranceS: number;
  revokedIds: ReadonlySet<string>;
  sequenceFloor: number;
}

/** undefined when the credential may open this door now; otherwise the refusal code. */
export function checkCredentialPolicy(claims: CredentialClaims, context: PolicyContext): ErrorCode | undefined {
  const door = claims.doors.find((entry) => equalBytes(entry.lockId, context.lockId));
  if (door === undefined) return 'credential_wrong_door';
  if (context.nowS + context.skewToleranceS < claims.notBeforeS) return 'credential_not_yet_valid';
  if (context.nowS >= claims.expiresAtS + context.skewToleranceS) return 'credential_expired';
  if (context.revokedIds.has(toHex(claims.credentialId))) return 'credential_revoked';
  if (door.sequence < context.sequenceFloor) return 'credential_superseded';
  return undefined;
}

export function doorSequence(claims: CredentialClaims, lockId: Uint8Array): number {
  return claims.doors.find((entry) => equalBytes(entry.lockId, lockId))?.sequence ?? 0;
}
