/**
 * Challenge messages (lock → phone, one ATT Read, or one extended advertisement). Not CBOR: fixed
 * layouts, each shorter than the MTU − 1 bytes that would force a Read Blob round trip (a client
 * that receives exactly MTU − 1 bytes cannot tell whether the value ended). The phone reads the
 * richest form its ATT MTU allows, from its own characteristic (src/protocol/gatt.ts):
 *
 *   form 1 commit  [0x01, versions, commitment(19)]         21 bytes  MTU ≥ 23
 *   form 2 key     [0x02, versions, EL(33)]                 35 bytes  MTU ≥ 37
 *   form 3 signed  [0x03, versions, EL(33), lock-sig(64)]   99 bytes  MTU ≥ 101
 *
 * Form 1 commits to the lock's fresh ephemeral key EL (SHA-256("latchkey/2 commit" ‖ EL)[0..19),
 * 152 bits) and reveals EL only in the result: the first request is then sealed under the static
 * ECDH alone (not forward-secret; the MTU-23 fallback). Forms 2 and 3 hand EL over at once, so the
 * request key mixes ephemeral–ephemeral ECDH (forward secrecy). Form 3 adds the lock's Ed25519
 * signature over CBOR["latchkey/2 challenge", lockId, versions, EL], so the phone can refuse a
 * lock that cannot sign for its certificate before revealing anything.
 */
import { concatBytes, isBytes, utf8 } from '../bytes.ts';
import { encodeDeterministic } from '../cbor.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { LatchkeyError } from '../errors.ts';

export const challengeForm = { commit: 1, key: 2, signed: 3 } as const;
export type ChallengeForm = (typeof challengeForm)[keyof typeof challengeForm];

export const commitmentBytes = 19;
export const ephemeralKeyBytes = 33;
export const challengeSignatureBytes = 64;
/** Whole message sizes per form. */
export const challengeBytesOf: Record<ChallengeForm, number> = {
  [challengeForm.commit]: 2 + commitmentBytes,
  [challengeForm.key]: 2 + ephemeralKeyBytes,
  [challengeForm.signed]: 2 + ephemeralKeyBytes + challengeSignatureBytes,
};
/** Kept for callers that mean the MTU-23 form. */
export const challengeMessageBytes = challengeBytesOf[challengeForm.commit];

export interface Challenge {
  form: ChallengeForm;
  lockVersions: number;
  /** Form 1: the commitment to EL. Forms 2/3: undefined. */
  commitment?: Uint8Array;
  /** Forms 2/3: the lock's ephemeral key. */
  lockEphemeralKey?: Uint8Array;
  /** Form 3: the lock's signature over challengeSignedBytes. */
  lockSignature?: Uint8Array;
}

const commitLabel = utf8('latchkey/2 commit');

export function commitToEphemeral(crypto: CryptoProvider, lockEphemeralPublicKey: Uint8Array): Uint8Array {
  return crypto.sha256(concatBytes(commitLabel, lockEphemeralPublicKey)).subarray(0, commitmentBytes);
}

/** What the lock signs in a form-3 challenge. */
export function challengeSignedBytes(lockId: Uint8Array, lockVersions: number, lockEphemeralKey: Uint8Array): Uint8Array {
  return encodeDeterministic(['latchkey/2 challenge', lockId, lockVersions, lockEphemeralKey]);
}

/** The richest form whose message stays below MTU − 1 (no Read Blob). */
export function challengeFormForMtu(mtu: number): ChallengeForm {
  if (challengeBytesOf[challengeForm.signed] < mtu - 1) return challengeForm.signed;
  if (challengeBytesOf[challengeForm.key] < mtu - 1) return challengeForm.key;
  return challengeForm.commit;
}

/**
 * The fresh value the transcript binds: the commitment (form 1) or the ephemeral key itself.
 * Either is new for every challenge, so it is the challenge's nonce.
 */
export function challengeNonce(challenge: Challenge): Uint8Array {
  return challenge.form === challengeForm.commit ? challenge.commitment! : challenge.lockEphemeralKey!;
}

export function encodeChallenge(challenge: Challenge): Uint8Array {
  const head = new Uint8Array([challenge.form, challenge.lockVersions]);
  if (challenge.form === challengeForm.commit) return concatBytes(head, challenge.commitment!);
  if (challenge.form === challengeForm.key) return concatBytes(head, challenge.lockEphemeralKey!);
  return concatBytes(head, challenge.lockEphemeralKey!, challenge.lockSignature!);
}

// -- the advertised resume nonce (1-round-trip repeat unlock; docs/PROTOCOL.md §7.4) --

/**
 * Form 4 is not a challenge characteristic's form: a lock that runs the 1-round-trip resume puts
 * `[0x04, versions, nonce(16)]` (18 bytes) in its advertisement and rotates the nonce every
 * `resumeNonceRotationMs`. A phone holding a ticket MACs it before it connects (request type 3).
 * The transcript binds form 4, so a MAC over it never answers a read form-1 challenge.
 */
export const advertisedNonceForm = 4;
export const advertisedNonceBytes = 16;
export const advertisedNonceMessageBytes = 2 + advertisedNonceBytes;
/** A form the resume transcript may bind: a read challenge's, or the advertised nonce's. */
export type ResumeForm = ChallengeForm | typeof advertisedNonceForm;

export interface AdvertisedNonce {
  lockVersions: number;
  nonce: Uint8Array;
}

export function encodeAdvertisedNonce(value: AdvertisedNonce): Uint8Array {
  if (value.nonce.length !== advertisedNonceBytes) throw new RangeError(`advertised nonce: ${value.nonce.length} bytes, expected ${advertisedNonceBytes}`);
  return concatBytes(new Uint8Array([advertisedNonceForm, value.lockVersions]), value.nonce);
}

/** Same checks, in the same order, as decodeChallenge: type, length, versions. */
export function decodeAdvertisedNonce(bytes: Uint8Array): AdvertisedNonce {
  if (!isBytes(bytes)) throw new LatchkeyError('message_malformed', 'advertised nonce: expected a Uint8Array');
  if (bytes.length === 0) throw new LatchkeyError('message_truncated', 'empty advertised nonce');
  if (bytes[0] !== advertisedNonceForm) throw new LatchkeyError('message_malformed', `advertised nonce type ${bytes[0]}`);
  if (bytes.length < advertisedNonceMessageBytes) throw new LatchkeyError('message_truncated', `advertised nonce of ${bytes.length} bytes`);
  if (bytes.length > advertisedNonceMessageBytes) throw new LatchkeyError('message_too_large', `advertised nonce of ${bytes.length} bytes`);
  if (bytes[1] === 0) throw new LatchkeyError('version_unsupported', 'lock offers no version');
  return { lockVersions: bytes[1]!, nonce: bytes.slice(2) };
}

export function decodeChallenge(bytes: Uint8Array): Challenge {
  if (!isBytes(bytes)) throw new LatchkeyError('message_malformed', 'challenge: expected a Uint8Array');
  if (bytes.length === 0) throw new LatchkeyError('message_truncated', 'empty challenge');
  const form = bytes[0]!;
  if (form !== challengeForm.commit && form !== challengeForm.key && form !== challengeForm.signed) throw new LatchkeyError('message_malformed', `challenge type ${form}`);
  const expected = challengeBytesOf[form];
  if (bytes.length < expected) throw new LatchkeyError('message_truncated', `challenge of ${bytes.length} bytes`);
  if (bytes.length > expected) throw new LatchkeyError('message_too_large', `challenge of ${bytes.length} bytes`);
  if (bytes[1] === 0) throw new LatchkeyError('version_unsupported', 'lock offers no version');
  const lockVersions = bytes[1]!;
  if (form === challengeForm.commit) return { form, lockVersions, commitment: bytes.slice(2) };
  const lockEphemeralKey = bytes.slice(2, 2 + ephemeralKeyBytes);
  if (form === challengeForm.key) return { form, lockVersions, lockEphemeralKey };
  return { form, lockVersions, lockEphemeralKey, lockSignature: bytes.slice(2 + ephemeralKeyBytes) };
}
