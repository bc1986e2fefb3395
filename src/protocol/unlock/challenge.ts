/**
 * Challenge message (lock → phone, one ATT Read). Fixed 21-byte layout: *shorter* than the 22
 * bytes an ATT_READ_RSP carries at the default MTU of 23, because a client that receives a full
 * MTU − 1 response cannot know the value ended and must spend a Read Blob round trip to find out:
 *
 *   [0] 0x01 message type   [1] lock versions bitmask   [2..21) commitment
 *
 * The commitment is SHA-256("latchkey/1 commit" ‖ lockEphemeralPublicKey)[0..19) (152 bits): a fresh
 * ephemeral key is generated per challenge, so the commitment is the fresh challenge and also
 * binds the lock's ephemeral key into the phone's signature before the key itself is revealed
 * (in the result). This is what makes the first unlock 2 round trips even at MTU 23.
 */
import { concatBytes, isBytes, utf8 } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { LatchkeyError } from '../errors.ts';

export const challengeMessageType = 0x01;
export const commitmentBytes = 19;
export const challengeMessageBytes = 2 + commitmentBytes;

export interface Challenge {
  lockVersions: number;
  commitment: Uint8Array;
}

const commitLabel = utf8('latchkey/1 commit');

export function commitToEphemeral(crypto: CryptoProvider, lockEphemeralPublicKey: Uint8Array): Uint8Array {
  return crypto.sha256(concatBytes(commitLabel, lockEphemeralPublicKey)).subarray(0, commitmentBytes);
}

export function encodeChallenge(challenge: Challenge): Uint8Array {
  return concatBytes(new Uint8Array([challengeMessageType, challenge.lockVersions]), challenge.commitment);
}

export function decodeChallenge(bytes: Uint8Array): Challenge {
  if (!isBytes(bytes)) throw new LatchkeyError('message_malformed', 'challenge: expected a Uint8Array');
  if (bytes.length < challengeMessageBytes) throw new LatchkeyError('message_truncated', `challenge of ${bytes.length} bytes`);
  if (bytes.length > challengeMessageBytes) throw new LatchkeyError('message_too_large', `challenge of ${bytes.length} bytes`);
  if (bytes[0] !== challengeMessageType) throw new LatchkeyError('message_malformed', `challenge type ${bytes[0]}`);
  if (bytes[1] === 0) throw new LatchkeyError('version_unsupported', 'lock offers no version');
  return { lockVersions: bytes[1]!, commitment: bytes.slice(2) };
}
