/**
 * ECDH started on the request's first chunk. The full request is a CBOR array
 * [type, version, phoneVersions, phoneEphemeralKey (33-byte bstr), sealed] (messages.ts), so the
 * phone's ephemeral key sits in the first 40 bytes, that is in the first chunk at any MTU. A lock
 * whose request spans several chunks computes both shared secrets (static and ephemeral) in the
 * background as soon as that chunk arrives, while the rest streams in; the exchange then takes
 * them instead of computing them again, if the reassembled request carries the same key.
 *
 * Nothing is decided here: a key that does not parse leaves the work to the exchange. A key that
 * is not on the curve costs one point check (no ECDH: the check comes first) and is remembered,
 * so the exchange refuses it without checking it again (attack on issue 15, finding 5: a bad
 * point in chunk 0 was charged a full ECDH on every chunk 0 and again in the exchange). Once per
 * challenge whatever the outcome, so a chunk-0 flood costs no more than one request would
 * (challenge Reads per connection are bounded).
 */
import { equalBytes, wipe } from '../../src/protocol/bytes.ts';
import { requestType } from '../../src/protocol/unlock/messages.ts';
import type { Lock, OutstandingChallenge } from '../lock.ts';

export interface EarlyAgreement {
  peerKey: Uint8Array;
  staticShared: Uint8Array;
  ephemeralShared: Uint8Array;
}

/** CBOR unsigned integer at `at` (major type 0, up to 2 bytes of argument): its end, or -1. */
function skipUint(bytes: Uint8Array, at: number): number {
  const head = bytes[at];
  if (head === undefined || head > 0x19) return -1;
  if (head < 0x18) return at + 1;
  return at + (head === 0x18 ? 2 : 3);
}

/** The phone's ephemeral key from the first chunk's data (after its 1-byte chunk header), if it is there. */
export function phoneKeyInFirstChunk(chunk: Uint8Array): Uint8Array | undefined {
  const data = chunk.subarray(1);
  if (data[0] !== 0x85 || data[1] !== requestType.full) return undefined;
  let at = skipUint(data, 2); // version
  if (at < 0) return undefined;
  at = skipUint(data, at); // phoneVersions
  if (at < 0 || data[at] !== 0x58 || data[at + 1] !== 33 || data.length < at + 2 + 33) return undefined;
  return data.slice(at + 2, at + 2 + 33);
}

/** Called by the lock on chunk 0 of a multi-chunk request: both ECDHs as background work. */
export function earlyAgreement(lock: Lock, challenge: OutstandingChallenge, chunk: Uint8Array): void {
  if (challenge.used || challenge.earlyTried === true) return;
  const peerKey = phoneKeyInFirstChunk(chunk);
  if (peerKey === undefined) return;
  challenge.earlyTried = true;
  lock.meter.runInBackground(() => {
    try {
      const staticShared = lock.crypto.ecdhP256(lock.identity.agreementSecret, peerKey);
      const ephemeralShared = lock.crypto.ecdhP256(challenge.ephemeralSecret, peerKey);
      challenge.early = { peerKey, staticShared, ephemeralShared };
    } catch {
      // Not a valid point (its check failed; the meter counted a point check, no ECDH).
      challenge.invalidPeerKey = peerKey;
    }
  });
}

/** The early secrets when they were made for `peerKey` (taken: the caller wipes them); others are wiped. */
/** The request's key is the one chunk 0 carried and its point check refused: refuse again without work. */
export function knownInvalidPeerKey(challenge: OutstandingChallenge, peerKey: Uint8Array): boolean {
  return challenge.invalidPeerKey !== undefined && equalBytes(challenge.invalidPeerKey, peerKey);
}

export function takeEarlyAgreement(challenge: OutstandingChallenge, peerKey: Uint8Array): EarlyAgreement | undefined {
  const early = challenge.early;
  challenge.early = undefined;
  if (early === undefined) return undefined;
  if (equalBytes(early.peerKey, peerKey)) return early;
  wipeEarly(early);
  return undefined;
}

export function wipeEarly(early: EarlyAgreement | undefined): void {
  if (early === undefined) return;
  wipe(early.staticShared);
  wipe(early.ephemeralShared);
}
