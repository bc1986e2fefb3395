/** Protocol versions as a bitmask (bit n = version n+1). Both lists are bound into the transcript. */
import { LatchkeyError } from '../errors.ts';

export const protocolVersion1 = 0b1;
export const supportedVersions = protocolVersion1;

/** Highest version both sides support, as its bit. */
export function highestCommonVersion(lockVersions: number, phoneVersions: number): number {
  const common = lockVersions & phoneVersions & 0xff;
  if (common === 0) throw new LatchkeyError('version_unsupported');
  return 1 << (31 - Math.clz32(common));
}
