/**
 * How long a phone waits for one ATT answer from a lock, from the lock's hardware profile.
 *
 * A constant timeout let a slow lock decide, and move its bolt, after the phone had given up
 * (attack on issue 15, F2). The phone's wait is the radio margin it always had (3 s: retransmissions,
 * connection events, a busy lock) plus the worst compute one request can wait for on this MCU: the
 * background work queued ahead of it (the idle key pair and its signature, both early ECDHs), the
 * closing write's checks (both ECDHs again when the early ones could not run, the issuer's
 * signature in either algorithm, the holder's), the result signature the next Read waits for, and
 * generous hashing and AEAD. An upper bound, not a typical figure: on `ideal` it adds nothing.
 */
import { computeMicroseconds, zeroCounts, type PrimitiveCounts } from './meter.ts';
import type { HardwareProfile } from './profiles.ts';

/** What a phone allowed for one answer before compute was modelled; it stays the radio share. */
export const phoneRadioMarginMs = 3000;

/** An upper bound of what one request can wait for, in primitives (both signature algorithms priced). */
export const worstCaseRequestCounts: Readonly<PrimitiveCounts> = Object.freeze({
  ...zeroCounts(),
  p256KeyGen: 1,
  p256Ecdh: 4,
  es256Verify: 2,
  ed25519Verify: 1,
  es256Sign: 2,
  ed25519Sign: 2,
  sha256Calls: 48,
  sha256Blocks: 160,
  aeadCalls: 4,
  aeadBlocks: 128,
});

/** The phone's timeout for one ATT request to a lock on `profile`, ms (an integer). */
export function phoneTimeoutMs(profile: HardwareProfile, radioMarginMs: number = phoneRadioMarginMs): number {
  return radioMarginMs + Math.ceil(computeMicroseconds(profile, worstCaseRequestCounts) / 1000);
}
