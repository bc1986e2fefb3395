/**
 * Protocol versions as a bitmask (bit n = version n+1). Both lists are bound into the transcript,
 * and the lock certificate carries the lock's list, so a phone refuses a challenge that offers
 * less than the issuer certified before it sends anything (downgrade).
 *
 * Version 1 (the 2026-11 wire) is retired: its first request was not forward-secret and its
 * transcript did not bind the lock's certified keys (docs/PROTOCOL.md §13 of v1). Only v2 runs.
 */
import { LatchkeyError } from '../errors.ts';

export const protocolVersion1 = 0b01;
export const protocolVersion2 = 0b10;
export const supportedVersions = protocolVersion2;

/** Highest version both sides support, as its bit. */
export function highestCommonVersion(lockVersions: number, phoneVersions: number): number {
  const common = lockVersions & phoneVersions & 0xff;
  if (common === 0) throw new LatchkeyError('version_unsupported');
  return 1 << (31 - Math.clz32(common));
}
