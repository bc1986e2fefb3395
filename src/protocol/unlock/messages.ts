/**
 * Request (phone → lock, reassembled from chunks) and result (lock → phone, one Read) codecs.
 * CDDL in docs/PROTOCOL.md. Every decoder checks sizes first, then canonical CBOR, then shape.
 *
 *   full-request   = [1, version, phone-versions, phone-eph: bstr .size 33, sealed: bstr]
 *   sealed-inner   = [action, holder-sig: bstr .size 64, updates: [* bstr], credential-or-hash: bstr]
 *   resume-request = [2, version, phone-versions, ticket: bstr .size 8, action, updates: [* bstr], mac: bstr .size 16]
 *   full-result    = [1, status] / [1, status, sealed: bstr] / [1, status, lock-eph: bstr .size 33, sealed: bstr]
 *                    sealed = [lock-sig, ticket-lifetime-s, lock-time-s]; lock-eph only after a form-1 (commit) challenge
 *   advertised-resume-request = [3, version, phone-versions, nonce: bstr .size 16, ticket: bstr .size 8, action, updates: [* bstr], mac: bstr .size 16]
 *   resume-result  = [2, status] / [2, status, mac: bstr .size 16]
 *   retry-result   = [3, status, challenge: bstr .size 21]   the advertised nonce was stale: answer this form-1 challenge instead
 *   idle-result    = [0]
 * status 0 = unlocked, otherwise the wire number of an error code (src/protocol/errors.ts).
 */
import { asArray, asBytes, asUint, decodeStrict, encodeDeterministic, type CborValue } from '../cbor.ts';
import { LatchkeyError } from '../errors.ts';
import { limits } from '../limits.ts';
import { lockUpdateBytesMax } from '../lock-update.ts';
import { macBytes } from './key-schedule.ts';
import { advertisedNonceBytes, challengeBytesOf, challengeForm } from './challenge.ts';

/** Type 3 answers the advertised resume nonce (1 round trip, §7.4); a lock without it refuses it `message_malformed`. */
export const requestType = { full: 1, resume: 2, advertisedResume: 3 } as const;
export const action = { unlock: 1 } as const;
export const statusUnlocked = 0;
/**
 * Updates a phone may piggyback on one request: the door's newest administration update (a reset
 * opening a new epoch, say) and its newest routine update, applied in that order.
 */
export const updatesPerRequestMax = 2;
/**
 * Bytes of piggybacked updates a phone puts in one request: with the largest credential and the
 * holder proof the request still fits `limits.requestBytesMax` (asserted in messages.test.ts). The
 * issuing service keeps one routine update within it (src/server/issuance/issuer.ts).
 */
export const piggybackBytesMax = 1275;

const requestBounds = { bytesMax: limits.requestBytesMax, depthMax: 4, itemsMax: 32 };

export interface FullRequest {
  type: typeof requestType.full;
  version: number;
  phoneVersions: number;
  phoneEphemeralKey: Uint8Array;
  sealed: Uint8Array;
}
export interface ResumeRequest {
  type: typeof requestType.resume;
  version: number;
  phoneVersions: number;
  ticketId: Uint8Array;
  action: number;
  updates: Uint8Array[];
  mac: Uint8Array;
}
/** A resume answering the lock's advertised nonce, computed before the phone connects. */
export interface AdvertisedResumeRequest extends Omit<ResumeRequest, 'type'> {
  type: typeof requestType.advertisedResume;
  nonce: Uint8Array;
}
export type Request = FullRequest | ResumeRequest | AdvertisedResumeRequest;

export interface SealedInner {
  action: number;
  holderSignature: Uint8Array;
  updates: Uint8Array[];
  /** A whole credential, or its 32-byte SHA-256 when the lock has it cached. */
  credentialOrHash: Uint8Array;
}

export function encodeRequest(request: Request): Uint8Array {
  if (request.type === requestType.full) return encodeDeterministic([request.type, request.version, request.phoneVersions, request.phoneEphemeralKey, request.sealed]);
  if (request.type === requestType.advertisedResume) return encodeDeterministic([request.type, request.version, request.phoneVersions, request.nonce, request.ticketId, request.action, request.updates, request.mac]);
  return encodeDeterministic([request.type, request.version, request.phoneVersions, request.ticketId, request.action, request.updates, request.mac]);
}

function decodeUpdates(value: CborValue | undefined): Uint8Array[] {
  return asArray(value, 'updates', 'message_malformed', 0, updatesPerRequestMax).map((update, index) => asBytes(update, `updates[${index}]`, 'message_malformed', 1, lockUpdateBytesMax));
}

export function decodeRequest(bytes: Uint8Array): Request {
  const top = decodeStrict(bytes, requestBounds);
  if (!Array.isArray(top) || top.length === 0) throw new LatchkeyError('message_malformed', 'request must be a non-empty array');
  const type = asUint(top[0], 'type', 'message_malformed', 255);
  if (type === requestType.full) {
    const [, version, phoneVersions, phoneEph, sealed] = asArray(top, 'full request', 'message_malformed', 5, 5);
    return {
      type,
      version: asUint(version, 'version', 'message_malformed', 255),
      phoneVersions: asUint(phoneVersions, 'phone versions', 'message_malformed', 255),
      phoneEphemeralKey: asBytes(phoneEph, 'phone ephemeral key', 'message_malformed', 33, 33),
      sealed: asBytes(sealed, 'sealed', 'message_malformed', 16, limits.requestBytesMax),
    };
  }
  if (type === requestType.resume) {
    const [, version, phoneVersions, ticket, act, updates, mac] = asArray(top, 'resume request', 'message_malformed', 7, 7);
    return {
      type,
      version: asUint(version, 'version', 'message_malformed', 255),
      phoneVersions: asUint(phoneVersions, 'phone versions', 'message_malformed', 255),
      ticketId: asBytes(ticket, 'ticket', 'message_malformed', 8, 8),
      action: asUint(act, 'action', 'message_malformed', 255),
      updates: decodeUpdates(updates),
      mac: asBytes(mac, 'mac', 'message_malformed', macBytes, macBytes),
    };
  }
  if (type === requestType.advertisedResume) {
    const [, version, phoneVersions, nonce, ticket, act, updates, mac] = asArray(top, 'advertised resume request', 'message_malformed', 8, 8);
    return {
      type,
      version: asUint(version, 'version', 'message_malformed', 255),
      phoneVersions: asUint(phoneVersions, 'phone versions', 'message_malformed', 255),
      nonce: asBytes(nonce, 'nonce', 'message_malformed', advertisedNonceBytes, advertisedNonceBytes),
      ticketId: asBytes(ticket, 'ticket', 'message_malformed', 8, 8),
      action: asUint(act, 'action', 'message_malformed', 255),
      updates: decodeUpdates(updates),
      mac: asBytes(mac, 'mac', 'message_malformed', macBytes, macBytes),
    };
  }
  throw new LatchkeyError('message_malformed', `unknown request type ${type}`);
}

export function encodeSealedInner(inner: SealedInner): Uint8Array {
  return encodeDeterministic([inner.action, inner.holderSignature, inner.updates, inner.credentialOrHash]);
}

export function decodeSealedInner(bytes: Uint8Array): SealedInner {
  const [act, signature, updates, credential] = asArray(decodeStrict(bytes, requestBounds), 'sealed request', 'message_malformed', 4, 4);
  return {
    action: asUint(act, 'action', 'message_malformed', 255),
    holderSignature: asBytes(signature, 'holder signature', 'message_malformed', 64, 64),
    updates: decodeUpdates(updates),
    credentialOrHash: asBytes(credential, 'credential', 'message_malformed', 32, limits.credentialBytesMax),
  };
}

// -- results --

export type Result =
  | { type: 0 }
  | { type: typeof requestType.full; status: number; lockEphemeralKey?: Uint8Array; sealed?: Uint8Array }
  | { type: typeof requestType.resume; status: number; mac?: Uint8Array }
  /** The advertised nonce a type-3 request answered was stale or taken: plain, with a fresh form-1 challenge for the same connection. */
  | { type: typeof requestType.advertisedResume; status: number; challenge: Uint8Array };

const retryChallengeBytes = challengeBytesOf[challengeForm.commit];

export const resultBytesMax = 256;

export function encodeResult(result: Result): Uint8Array {
  if (result.type === 0) return encodeDeterministic([0]);
  if (result.type === requestType.full) {
    if (result.sealed === undefined) return encodeDeterministic([1, result.status]);
    return encodeDeterministic(result.lockEphemeralKey ? [1, result.status, result.lockEphemeralKey, result.sealed] : [1, result.status, result.sealed]);
  }
  if (result.type === requestType.advertisedResume) return encodeDeterministic([3, result.status, result.challenge]);
  return encodeDeterministic(result.mac ? [2, result.status, result.mac] : [2, result.status]);
}

export function decodeResult(bytes: Uint8Array): Result {
  const top = decodeStrict(bytes, { bytesMax: resultBytesMax, depthMax: 2, itemsMax: 8 });
  if (!Array.isArray(top) || top.length === 0) throw new LatchkeyError('message_malformed', 'result must be a non-empty array');
  const type = asUint(top[0], 'type', 'message_malformed', 255);
  if (type === 0 && top.length === 1) return { type: 0 };
  if (type === requestType.full) {
    const parts = asArray(top, 'full result', 'message_malformed', 2, 4);
    const status = asUint(parts[1], 'status', 'message_malformed', 255);
    if (parts.length === 2) return { type, status };
    if (parts.length === 3) return { type, status, sealed: asBytes(parts[2], 'sealed', 'message_malformed', 16, resultBytesMax) };
    return { type, status, lockEphemeralKey: asBytes(parts[2], 'lock ephemeral key', 'message_malformed', 33, 33), sealed: asBytes(parts[3], 'sealed', 'message_malformed', 16, resultBytesMax) };
  }
  if (type === requestType.resume) {
    const parts = asArray(top, 'resume result', 'message_malformed', 2, 3);
    const status = asUint(parts[1], 'status', 'message_malformed', 255);
    if (parts.length === 2) return { type, status };
    return { type, status, mac: asBytes(parts[2], 'mac', 'message_malformed', macBytes, macBytes) };
  }
  if (type === requestType.advertisedResume) {
    const [, status, challenge] = asArray(top, 'retry result', 'message_malformed', 3, 3);
    return { type, status: asUint(status, 'status', 'message_malformed', 255), challenge: asBytes(challenge, 'challenge', 'message_malformed', retryChallengeBytes, retryChallengeBytes) };
  }
  throw new LatchkeyError('message_malformed', `unknown result type ${type}`);
}

export interface SealedResult {
  lockSignature: Uint8Array;
  /** 0 = no ticket. */
  ticketLifetimeS: number;
  /** The lock's clock (s) when it decided, under its signature; 0 = not disclosed (refusals before the credential verified). */
  lockTimeS: number;
}

export function encodeSealedResult(sealed: SealedResult): Uint8Array {
  return encodeDeterministic([sealed.lockSignature, sealed.ticketLifetimeS, sealed.lockTimeS]);
}

export function decodeSealedResult(bytes: Uint8Array): SealedResult {
  const [signature, lifetime, time] = asArray(decodeStrict(bytes, { bytesMax: 128, depthMax: 2, itemsMax: 4 }), 'sealed result', 'message_malformed', 3, 3);
  return {
    lockSignature: asBytes(signature, 'lock signature', 'message_malformed', 64, 64),
    ticketLifetimeS: asUint(lifetime, 'ticket lifetime', 'message_malformed'),
    lockTimeS: asUint(time, 'lock time', 'message_malformed'),
  };
}
