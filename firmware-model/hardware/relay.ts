/**
 * Relay bounds that depend on the lock's own compute. Between handing out a challenge and the
 * closing write the lock may itself delay the exchange: the challenge Read's response waits for a
 * key pair (when none was precomputed), the commitment hash and, for form 3, an Ed25519 signature,
 * and it may first have to finish background work (a key pair being precomputed). A slow MCU must
 * not trip its own relay guard, so the bound grows by that worst case on the lock's profile; on
 * `ideal` it adds nothing. A relay still cannot hide behind it: the allowance is the lock's
 * compute, which a relay does not speed up, and the radio part of the bound is unchanged.
 */
import type { HardwareProfile } from './profiles.ts';

/** Worst-case lock compute before the closing write can arrive, whole ms (rounded up). */
export function relayComputeAllowanceMs(profile: HardwareProfile): number {
  const hashes = 4 * (profile.sha256CallMicroseconds + 2 * profile.sha256BlockMicroseconds);
  const microseconds = 2 * profile.p256KeyGenMicroseconds + profile.ed25519SignMicroseconds + hashes;
  return Math.ceil(microseconds / 1000);
}
