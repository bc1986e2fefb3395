/**
 * The lock's half of the unlock exchange. Checks run cheapest first and each refusal carries one
 * stable code:
 *   decode → rate limit → challenge present / unused / fresh / within relay bound → version
 *   (downgrade) → [full] ECDH + AEAD open → action → piggybacked updates → credential parse or
 *   cache → policy (door, time, revocation, supersede) → issuer signature (skipped when cached) →
 *   holder signature over the transcript → battery above its cut-off.
 *   [resume] ticket → MAC → action → updates → policy on the cached claims → battery.
 * Refusals after the request is authenticated (AEAD opened / MAC checked) are signed or MAC'd for
 * the phone; earlier ones are plain.
 */
import { equalBytes, toHex } from '../src/protocol/bytes.ts';
import { encodeDeterministic } from '../src/protocol/cbor.ts';
import { parseCredential, type CredentialClaims } from '../src/protocol/credential.ts';
import { LatchkeyError, isLatchkeyError, wireOf, type ErrorCode } from '../src/protocol/errors.ts';
import {
  AeadDirection,
  direction,
  holderSignedBytes,
  lockResumeMac,
  lockSignedBytes,
  phoneResumeMac,
  requestKey,
  resumeTranscript,
  sessionKeys,
  ticketId,
  transcriptHash1,
  transcriptHash2,
} from '../src/protocol/unlock/key-schedule.ts';
import { action as actions, decodeRequest, decodeSealedInner, encodeResult, encodeSealedResult, requestType, statusUnlocked, type FullRequest, type ResumeRequest } from '../src/protocol/unlock/messages.ts';
import { highestCommonVersion } from '../src/protocol/unlock/versions.ts';
import type { Lock, OutstandingChallenge } from './lock.ts';
import { checkCredentialPolicy, doorSequence } from './policy.ts';

export interface ExchangeContext {
  lock: Lock;
  /** Calendar time (the lock's RTC): credential validity. */
  nowMs: number;
  /** Monotonic tick: challenge age and the relay bound, which a clock step must not stretch. */
  tickMs: number;
  revokedIds: ReadonlySet<string>;
  applyUpdates(updates: Uint8Array[]): void;
  rateLimited(): boolean;
}

export interface ExchangeOutcome {
  /** undefined = unlock */
  code: ErrorCode | undefined;
  result: Uint8Array;
  raiseFloorTo?: number;
  /** For a granted full exchange: the ticket may not outlive the credential. */
  credentialExpiresAtS?: number;
  credentialId?: string;
  subject?: string;
}

function refusedPlain(type: number, code: ErrorCode): ExchangeOutcome {
  return { code, result: encodeResult({ type: type === requestType.resume ? 2 : 1, status: wireOf(code) }) };
}

export function runExchange(context: ExchangeContext, message: Uint8Array, challenge: OutstandingChallenge | undefined): ExchangeOutcome {
  let request: FullRequest | ResumeRequest;
  try {
    request = decodeRequest(message);
  } catch (error) {
    if (!isLatchkeyError(error)) throw error;
    return refusedPlain(requestType.full, error.code);
  }
  const gate = checkGate(context, request, challenge);
  if (gate !== undefined) return refusedPlain(request.type, gate);
  return request.type === requestType.full ? runFull(context, request, challenge!) : runResume(context, request, challenge!);
}

/** Checks that need no crypto: rate limit, challenge state and timing, version negotiation. */
function checkGate(context: ExchangeContext, request: FullRequest | ResumeRequest, challenge: OutstandingChallenge | undefined): ErrorCode | undefined {
  const { lock, tickMs } = context;
  if (context.rateLimited()) return 'rate_limited';
  if (challenge === undefined) return 'challenge_missing';
  if (challenge.used) return 'challenge_used';
  challenge.used = true;
  if (tickMs - challenge.createdAtMs > lock.config.challengeLifetimeMs) return 'challenge_expired';
  if (tickMs - challenge.relayAnchorMs > lock.config.relayBoundMs) return 'relay_suspected';
  let common: number;
  try {
    common = highestCommonVersion(lock.config.lockVersions, request.phoneVersions);
  } catch {
    return 'version_unsupported';
  }
  if (request.version !== common) return 'version_downgrade';
  return undefined;
}

function runFull(context: ExchangeContext, request: FullRequest, challenge: OutstandingChallenge): ExchangeOutcome {
  const { lock } = context;
  const crypto = lock.crypto;
  let staticShared: Uint8Array;
  try {
    staticShared = crypto.ecdhP256(lock.identity.agreementSecret, request.phoneEphemeralKey);
  } catch {
    return refusedPlain(requestType.full, 'message_malformed');
  }
  const th1 = transcriptHash1(crypto, { lockId: lock.identity.lockId, lockVersions: lock.config.lockVersions, commitment: challenge.commitment, phoneVersions: request.phoneVersions, phoneEphemeralKey: request.phoneEphemeralKey });
  let innerBytes: Uint8Array;
  try {
    innerBytes = new AeadDirection(crypto, requestKey(crypto, staticShared, th1), direction.phoneToLock).open(th1, request.sealed);
  } catch {
    return refusedPlain(requestType.full, 'decrypt_failed');
  }
  // From here the request decrypted (it was made for this lock; anyone can do that, so this path
  // still costs rate-limited crypto): refusals are signed for the phone.
  let credentialHash = crypto.sha256(innerBytes);
  const sign = (code: ErrorCode | undefined, extra: Partial<ExchangeOutcome> = {}): ExchangeOutcome => {
    const status = code === undefined ? statusUnlocked : wireOf(code);
    const th2 = transcriptHash2(crypto, th1, credentialHash, actions.unlock, challenge.ephemeralKey);
    const keys = sessionKeys(crypto, crypto.ecdhP256(challenge.ephemeralSecret, request.phoneEphemeralKey), staticShared, th2);
    const signature = crypto.sign('EdDSA', lock.identity.signingSecret, lockSignedBytes(th2, status));
    const lifetimeS = code === undefined ? lock.config.ticketLifetimeS : 0;
    const sealed = new AeadDirection(crypto, keys.lockToPhone, direction.lockToPhone).seal(th2, encodeSealedResult(signature, lifetimeS));
    if (code === undefined && lifetimeS > 0 && extra.credentialExpiresAtS !== undefined) {
      const expiresAtMs = Math.min(context.nowMs + lifetimeS * 1000, extra.credentialExpiresAtS * 1000);
      lock.rememberTicket(toHex(ticketId(crypto, keys.resumption, 0)), { resumption: keys.resumption, counter: 0, credentialHash: toHex(credentialHash), expiresAtMs });
    }
    return { code, result: encodeResult({ type: 1, status, lockEphemeralKey: challenge.ephemeralKey, sealed }), ...extra };
  };
  let claims: CredentialClaims;
  let holderSignature: Uint8Array;
  try {
    const inner = decodeSealedInner(innerBytes);
    // TH2 binds the credential hash exactly as the phone computed it, even when we refuse it.
    credentialHash = inner.credentialOrHash.length === 32 ? inner.credentialOrHash : crypto.sha256(inner.credentialOrHash);
    holderSignature = inner.holderSignature;
    if (inner.action !== actions.unlock) return sign('action_unsupported');
    context.applyUpdates(inner.updates);
    const resolved = resolveCredential(context, inner.credentialOrHash);
    credentialHash = resolved.hash;
    claims = resolved.claims;
  } catch (error) {
    if (!isLatchkeyError(error)) throw error;
    return sign(error.code);
  }
  const who = { credentialId: toHex(claims.credentialId), subject: claims.subject };
  const policy = policyCode(context, claims);
  if (policy !== undefined) return sign(policy, who);
  if (!crypto.verify('ES256', claims.holderKey, holderSignedBytes(th1, credentialHash, actions.unlock), holderSignature)) return sign('holder_proof_invalid', who);
  // Last: only a holder who passed every check learns that the battery, not the key, is the problem.
  if (lock.batteryDepleted) return sign('battery_depleted', who);
  lock.rememberCredential(toHex(credentialHash), claims);
  return sign(undefined, { ...who, raiseFloorTo: doorSequence(claims, lock.identity.lockId), credentialExpiresAtS: claims.expiresAtS });
}

/** A whole credential (parse, then issuer signature) or a hash of one verified before. */
function resolveCredential(context: ExchangeContext, credentialOrHash: Uint8Array): { hash: Uint8Array; claims: CredentialClaims } {
  const { lock } = context;
  if (credentialOrHash.length === 32) {
    const cached = lock.cachedCredential(toHex(credentialOrHash));
    if (cached === undefined) throw new LatchkeyError('credential_unknown');
    return { hash: credentialOrHash, claims: cached.claims };
  }
  const hash = lock.crypto.sha256(credentialOrHash);
  const cached = lock.cachedCredential(toHex(hash));
  if (cached !== undefined) return { hash, claims: cached.claims };
  const credential = parseCredential(credentialOrHash);
  // Cheap policy first: a wrong-door or expired credential costs no signature check.
  const policy = policyCode(context, credential.claims);
  if (policy !== undefined) throw new LatchkeyError(policy);
  lock.verifyIssuerSignature(credential);
  return { hash, claims: credential.claims };
}

function policyCode(context: ExchangeContext, claims: CredentialClaims): ErrorCode | undefined {
  const { lock } = context;
  return checkCredentialPolicy(claims, { lockId: lock.identity.lockId, nowS: Math.floor(context.nowMs / 1000), skewToleranceS: lock.config.skewToleranceS, revokedIds: context.revokedIds, sequenceFloor: lock.state.sequenceFloor });
}

function runResume(context: ExchangeContext, request: ResumeRequest, challenge: OutstandingChallenge): ExchangeOutcome {
  const { lock } = context;
  const crypto = lock.crypto;
  const idHex = toHex(request.ticketId);
  const ticket = lock.tickets.get(idHex);
  if (ticket === undefined || context.nowMs >= ticket.expiresAtMs) return refusedPlain(requestType.resume, 'ticket_unknown');
  const transcript = resumeTranscript(crypto, {
    lockId: lock.identity.lockId,
    lockVersions: lock.config.lockVersions,
    commitment: challenge.commitment,
    phoneVersions: request.phoneVersions,
    ticketId: request.ticketId,
    action: request.action,
    updatesHash: crypto.sha256(encodeDeterministic(request.updates)),
  });
  if (!equalBytes(phoneResumeMac(crypto, ticket.resumption, transcript), request.mac)) return refusedPlain(requestType.resume, 'holder_proof_invalid');
  // Authenticated: move the ticket on (one use per id, so repeat unlocks cannot be linked).
  lock.tickets.delete(idHex);
  const next = { ...ticket, counter: ticket.counter + 1 };
  lock.rememberTicket(toHex(ticketId(crypto, ticket.resumption, next.counter)), next);
  const mac = (code: ErrorCode | undefined, extra: Partial<ExchangeOutcome> = {}): ExchangeOutcome => {
    const status = code === undefined ? statusUnlocked : wireOf(code);
    return { code, result: encodeResult({ type: 2, status, mac: lockResumeMac(crypto, ticket.resumption, transcript, status) }), ...extra };
  };
  if (request.action !== actions.unlock) return mac('action_unsupported');
  context.applyUpdates(request.updates);
  const cached = lock.cachedCredential(ticket.credentialHash);
  if (cached === undefined) return mac('credential_unknown');
  const who = { credentialId: toHex(cached.claims.credentialId), subject: cached.claims.subject };
  const policy = policyCode(context, cached.claims);
  if (policy !== undefined) return mac(policy, who);
  if (lock.batteryDepleted) return mac('battery_depleted', who);
  return mac(undefined, { ...who, raiseFloorTo: doorSequence(cached.claims, lock.identity.lockId) });
}
