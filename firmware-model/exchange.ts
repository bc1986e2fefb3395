/**
 * The lock's half of the unlock exchange (protocol v2). Checks run cheapest first and each refusal
 * carries one stable code:
 *   decode → challenge present / unused / fresh / within the link's relay bound → version
 *   (downgrade) → [full] ECDH + AEAD open → action → piggybacked updates → credential (cache by
 *   hash, kid still trusted; or parse + issuer signature) → holder signature → per-credential rate
 *   limit → policy (door, time, revocation, supersede) → battery.
 *   [resume] ticket (kid still trusted) → MAC → action → updates → rate limit → policy → battery.
 *
 * Who learns what: until the credential's issuer signature and the holder's proof have both
 * verified, a refusal names no policy (one generic `access_denied` for a credential that does not
 * verify) and discloses no lock time, so a stranger cannot query the lock's clock, supersede floor
 * or revocation list with forged credentials. Refusals after the AEAD opened are signed (full) or
 * MAC'd (resume) for the phone, except that once strangers have spent their budget
 * (lock.ts strangersExhausted) unauthenticated refusals go out plain: no signature, no session ECDH.
 */
import { equalBytes, toHex, wipe } from '../src/protocol/bytes.ts';
import { encodeDeterministic } from '../src/protocol/cbor.ts';
import { parseCredential, type CredentialClaims } from '../src/protocol/credential.ts';
import { LatchkeyError, errorCodes, isLatchkeyError, wireOf, type ErrorCode } from '../src/protocol/errors.ts';
import { advertisedNonceForm, challengeForm } from '../src/protocol/unlock/challenge.ts';
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
import { action as actions, decodeRequest, decodeSealedInner, encodeResult, encodeSealedResult, requestType, statusUnlocked, type AdvertisedResumeRequest, type FullRequest, type Request, type ResumeRequest } from '../src/protocol/unlock/messages.ts';
import { highestCommonVersion } from '../src/protocol/unlock/versions.ts';
import { findIssuer } from '../src/protocol/issuer-keys.ts';
import { ticketLookahead, trustIdOf, type Lock, type OutstandingChallenge, type Ticket } from './lock.ts';
import { checkCredentialPolicy, doorSequence } from './policy.ts';
import { knownInvalidPeerKey, takeEarlyAgreement } from './hardware/early-ecdh.ts';

export interface ExchangeContext {
  lock: Lock;
  /** Calendar time (the lock's RTC): credential validity, and the time under the lock's signature. */
  nowMs: number;
  /** Monotonic tick: challenge age and the relay bound, which a clock step must not stretch. */
  tickMs: number;
  /** This link's relay bound (connection-interval aware). */
  relayBoundMs: number;
  revokedIds: ReadonlySet<string>;
  applyUpdates(updates: Uint8Array[]): void;
  strangersExhausted(): boolean;
  holderRateLimited(credentialIdHex: string): boolean;
}

export interface ExchangeOutcome {
  /** undefined = unlock */
  code: ErrorCode | undefined;
  result: Uint8Array;
  /** The holder was verified (credential + holder proof, or a resume MAC on a known credential). */
  authenticated: boolean;
  /** The lock spent public-key crypto on it (counts toward the stranger budget when unauthenticated). */
  costly: boolean;
  /** The lock's own reason when the wire says less (access_denied): for its audit counters only. */
  auditCode?: ErrorCode;
  raiseFloorTo?: number;
  credentialId?: string;
  subject?: string;
}

function refusedPlain(type: number, code: ErrorCode, costly = false): ExchangeOutcome {
  // Both resume types are answered with resume results (type 2); a stale advertised nonce gets a retry result in lock.ts.
  return { code, result: encodeResult({ type: type === requestType.full ? 1 : 2, status: wireOf(code) }), authenticated: false, costly };
}

export function runExchange(context: ExchangeContext, message: Uint8Array, challenge: OutstandingChallenge | undefined): ExchangeOutcome {
  let request: Request;
  try {
    request = decodeRequest(message);
  } catch (error) {
    if (!isLatchkeyError(error)) throw error;
    return refusedPlain(requestType.full, error.code);
  }
  const gate = checkGate(context, request, challenge);
  if (gate !== undefined) return refusedPlain(request.type, gate);
  // A nonce-only form 1 (served with the key budget spent) has no key pair for a full exchange: try again later.
  if (request.type === requestType.full && challenge!.nonceOnly === true) return refusedPlain(request.type, 'rate_limited');
  return request.type === requestType.full ? runFull(context, request, challenge!) : runResume(context, request, challenge!);
}

/** Checks that need no crypto: challenge state and timing, version negotiation. */
function checkGate(context: ExchangeContext, request: Request, challenge: OutstandingChallenge | undefined): ErrorCode | undefined {
  const { lock, tickMs } = context;
  if (challenge === undefined) return 'challenge_missing';
  // Only a type-3 request answers an advertised resume nonce, and a type-3 request answers nothing else.
  if ((challenge.advertisedNonce === true) !== (request.type === requestType.advertisedResume)) return 'challenge_missing';
  if (challenge.used) return 'challenge_used';
  challenge.used = true;
  if (tickMs - challenge.createdAtMs > Math.min(lock.config.challengeLifetimeMs, challenge.lifetimeMs ?? Number.POSITIVE_INFINITY)) return 'challenge_expired';
  if (tickMs - challenge.createdAtMs > context.relayBoundMs) return 'relay_suspected';
  let common: number;
  try {
    common = highestCommonVersion(lock.config.lockVersions, request.phoneVersions);
  } catch {
    return 'version_unsupported';
  }
  if (request.version !== common) return 'version_downgrade';
  return undefined;
}

interface Resolved {
  hash: Uint8Array;
  claims: CredentialClaims;
  issuerKey: string;
}

function runFull(context: ExchangeContext, request: FullRequest, challenge: OutstandingChallenge): ExchangeOutcome {
  const crypto = context.lock.crypto;
  let staticShared: Uint8Array;
  let ephemeralShared: Uint8Array;
  // Its point check already failed on the first chunk (hardware/early-ecdh.ts): refused, no work again.
  if (knownInvalidPeerKey(challenge, request.phoneEphemeralKey)) return refusedPlain(requestType.full, 'message_malformed', true);
  // Computed already when the request's first chunk came in (hardware/early-ecdh.ts), else now.
  const early = takeEarlyAgreement(challenge, request.phoneEphemeralKey);
  try {
    staticShared = early?.staticShared ?? crypto.ecdhP256(context.lock.identity.agreementSecret, request.phoneEphemeralKey);
    ephemeralShared = early?.ephemeralShared ?? crypto.ecdhP256(challenge.ephemeralSecret, request.phoneEphemeralKey);
  } catch {
    return refusedPlain(requestType.full, 'message_malformed', true);
  }
  try {
    return decideFull(context, request, challenge, staticShared, ephemeralShared);
  } finally {
    // Shared secrets die with the exchange (the resumption key lives on in a ticket, not these).
    wipe(staticShared);
    wipe(ephemeralShared);
  }
}

function decideFull(context: ExchangeContext, request: FullRequest, challenge: OutstandingChallenge, staticShared: Uint8Array, ephemeralShared: Uint8Array): ExchangeOutcome {
  const { lock } = context;
  const crypto = lock.crypto;
  const commitForm = challenge.form === challengeForm.commit;
  const th1 = transcriptHash1(crypto, {
    form: challenge.form,
    lockId: lock.identity.lockId,
    keysHash: lock.keysHash,
    lockVersions: lock.config.lockVersions,
    nonce: commitForm ? challenge.commitment : challenge.ephemeralKey,
    phoneVersions: request.phoneVersions,
    phoneEphemeralKey: request.phoneEphemeralKey,
  });
  let innerBytes: Uint8Array;
  const kReq = requestKey(crypto, challenge.form, staticShared, commitForm ? undefined : ephemeralShared, th1);
  try {
    innerBytes = new AeadDirection(crypto, kReq, direction.phoneToLock).open(th1, request.sealed);
  } catch {
    return refusedPlain(requestType.full, 'decrypt_failed', true);
  } finally {
    wipe(kReq);
  }
  // From here the request decrypted (it was made for this lock; anyone can do that, so this path
  // still costs crypto): refusals are signed for the phone, while the stranger budget lasts.
  let credentialHash = crypto.sha256(innerBytes);
  const sign = (code: ErrorCode | undefined, extra: { who?: Partial<ExchangeOutcome>; authenticated?: boolean; ticket?: { untilS: number; issuerKey: string }; raiseFloorTo?: number } = {}): ExchangeOutcome => {
    const authenticated = extra.authenticated ?? false;
    if (!authenticated && context.strangersExhausted()) return refusedPlain(requestType.full, code!, true);
    // The decision goes back in the write response; the signed, sealed result is only read after it
    // (one more round trip), so the lock makes it in the background while that Read is on its way
    // (hardware/meter.ts). The Read of the result waits for it (lock.ts handleRead).
    return lock.meter.runInBackground(() => signedResult(code, extra, authenticated));
  };
  const signedResult = (code: ErrorCode | undefined, extra: { who?: Partial<ExchangeOutcome>; ticket?: { untilS: number; issuerKey: string }; raiseFloorTo?: number }, authenticated: boolean): ExchangeOutcome => {
    const status = code === undefined ? statusUnlocked : wireOf(code);
    const th2 = transcriptHash2(crypto, th1, credentialHash, actions.unlock, challenge.ephemeralKey);
    const keys = sessionKeys(crypto, ephemeralShared, staticShared, th2);
    // The clock only for a verified holder: strangers cannot read the lock's time off its answers.
    const lockTimeS = authenticated ? Math.floor(context.nowMs / 1000) : 0;
    const lockSignature = crypto.sign(lock.signingAlgorithm, lock.identity.signingSecret, lockSignedBytes(th2, status, lockTimeS));
    const ticketLifetimeS = code === undefined && extra.ticket !== undefined ? lock.config.ticketLifetimeS : 0;
    const sealed = new AeadDirection(crypto, keys.lockToPhone, direction.lockToPhone).seal(th2, encodeSealedResult({ lockSignature, ticketLifetimeS, lockTimeS }));
    wipe(keys.lockToPhone);
    wipe(keys.phoneToLock);
    if (ticketLifetimeS === 0) wipe(keys.resumption);
    if (ticketLifetimeS > 0) {
      const expiresAtMs = Math.min(context.nowMs + ticketLifetimeS * 1000, extra.ticket!.untilS * 1000);
      const ticket: Ticket = { resumption: keys.resumption, counter: 0, credentialHash: toHex(credentialHash), issuerKey: extra.ticket!.issuerKey, expiresAtMs };
      lock.rememberTicket(ticket, ticketIdsFrom(lock, ticket));
    }
    const result = encodeResult(commitForm ? { type: 1, status, lockEphemeralKey: challenge.ephemeralKey, sealed } : { type: 1, status, sealed });
    const who = { ...(extra.who?.credentialId ? { credentialId: extra.who.credentialId } : {}), ...(extra.who?.subject ? { subject: extra.who.subject } : {}) };
    return { code, result, authenticated, costly: true, ...who, ...(extra.raiseFloorTo !== undefined ? { raiseFloorTo: extra.raiseFloorTo } : {}) };
  };
  let resolved: Resolved;
  let holderSignature: Uint8Array;
  let hashOnly = false;
  try {
    const inner = decodeSealedInner(innerBytes);
    // TH2 binds the credential hash exactly as the phone computed it, even when we refuse it.
    credentialHash = inner.credentialOrHash.length === 32 ? inner.credentialOrHash : crypto.sha256(inner.credentialOrHash);
    holderSignature = inner.holderSignature;
    hashOnly = inner.credentialOrHash.length === 32;
    if (inner.action !== actions.unlock) return sign('action_unsupported');
    context.applyUpdates(inner.updates);
    resolved = resolveCredential(context, inner.credentialOrHash);
    credentialHash = resolved.hash;
  } catch (error) {
    if (!isLatchkeyError(error)) throw error;
    const refused = sign(error.code);
    const reason = error.code === 'access_denied' ? error.detail : undefined;
    return reason !== undefined && Object.hasOwn(errorCodes, reason) ? { ...refused, auditCode: reason as ErrorCode } : refused;
  }
  const { claims } = resolved;
  // Hash-only with a bad proof answers as if the hash were unknown: a stranger who learnt a
  // credential's hash must not learn whether this lock has it cached.
  if (!crypto.verify('ES256', claims.holderKey, holderSignedBytes(th1, credentialHash, actions.unlock), holderSignature)) return sign(hashOnly ? 'credential_unknown' : 'holder_proof_invalid');
  // Authenticated from here: the issuer vouched for the credential and the holder proved its key.
  const who = { credentialId: toHex(claims.credentialId), subject: claims.subject };
  const holder = { who, authenticated: true };
  if (context.holderRateLimited(who.credentialId)) return sign('rate_limited', holder);
  const policy = policyCode(context, claims);
  if (policy !== undefined) return sign(policy, holder);
  // Last: only a holder who passed every check learns that the battery, not the key, is the problem.
  if (lock.batteryDepleted) return sign('battery_depleted', holder);
  lock.rememberCredential(toHex(credentialHash), claims, resolved.issuerKey);
  return sign(undefined, { ...holder, ticket: { untilS: claims.expiresAtS, issuerKey: resolved.issuerKey }, raiseFloorTo: doorSequence(claims, lock.identity.lockId) });
}

/** The ids a fresh ticket is filed under: counters 0 .. ticketLookahead − 1 from its own. */
function ticketIdsFrom(lock: Lock, ticket: Ticket): string[] {
  const ids: string[] = [];
  for (let offset = 0; offset < ticketLookahead; offset++) ids.push(toHex(ticketId(lock.crypto, ticket.resumption, ticket.counter + offset)));
  return ids;
}

/**
 * A whole credential (parse, then the issuer signature) or a hash of one verified before and still
 * under a trusted key. A credential that does not verify is `access_denied`, whatever is wrong with it.
 */
function resolveCredential(context: ExchangeContext, credentialOrHash: Uint8Array): Resolved {
  const { lock } = context;
  const hash = credentialOrHash.length === 32 ? credentialOrHash : lock.crypto.sha256(credentialOrHash);
  const cached = lock.cachedCredential(toHex(hash));
  if (cached !== undefined && lock.isTrustedKey(cached.issuerKey)) return { hash, claims: cached.claims, issuerKey: cached.issuerKey };
  if (credentialOrHash.length === 32) throw new LatchkeyError('credential_unknown');
  try {
    const credential = parseCredential(credentialOrHash);
    lock.verifyIssuerSignature(credential);
    return { hash, claims: credential.claims, issuerKey: trustIdOf(findIssuer(lock.state.trustedIssuers, credential.sign1.kid, credential.sign1.algorithm)) };
  } catch (error) {
    if (!isLatchkeyError(error)) throw error;
    throw new LatchkeyError('access_denied', error.code);
  }
}

function policyCode(context: ExchangeContext, claims: CredentialClaims): ErrorCode | undefined {
  const { lock } = context;
  return checkCredentialPolicy(claims, { lockId: lock.identity.lockId, nowS: Math.floor(context.nowMs / 1000), skewToleranceS: lock.config.skewToleranceS, revokedIds: context.revokedIds, sequenceFloor: lock.state.sequenceFloor });
}

/** The counter a presented id stands for (the ticket is filed under ticketLookahead ids). */
function counterOf(lock: Lock, ticket: Ticket, id: Uint8Array): number | undefined {
  for (let offset = 0; offset < ticketLookahead; offset++) if (equalBytes(ticketId(lock.crypto, ticket.resumption, ticket.counter + offset), id)) return ticket.counter + offset;
  return undefined;
}

function runResume(context: ExchangeContext, request: ResumeRequest | AdvertisedResumeRequest, challenge: OutstandingChallenge): ExchangeOutcome {
  const { lock } = context;
  const crypto = lock.crypto;
  const ticket = lock.tickets.get(toHex(request.ticketId));
  if (ticket === undefined || context.nowMs >= ticket.expiresAtMs || !lock.isTrustedKey(ticket.issuerKey)) return refusedPlain(requestType.resume, 'ticket_unknown');
  const counter = counterOf(lock, ticket, request.ticketId);
  if (counter === undefined) return refusedPlain(requestType.resume, 'ticket_unknown');
  const transcript = resumeTranscript(crypto, {
    // Form 4 for the advertised nonce: its MAC never answers a read form-1 challenge, nor the reverse.
    form: challenge.advertisedNonce === true ? advertisedNonceForm : challenge.form,
    lockId: lock.identity.lockId,
    lockVersions: lock.config.lockVersions,
    nonce: challenge.form === challengeForm.commit ? challenge.commitment : challenge.ephemeralKey,
    phoneVersions: request.phoneVersions,
    ticketId: request.ticketId,
    action: request.action,
    updatesHash: crypto.sha256(encodeDeterministic(request.updates)),
  });
  if (!equalBytes(phoneResumeMac(crypto, ticket.resumption, transcript), request.mac)) return refusedPlain(requestType.resume, 'holder_proof_invalid');
  // MAC checked: move the ticket past this id (one use per id, so repeat unlocks cannot be linked).
  const next: Ticket = { ...ticket, counter: counter + 1 };
  lock.rememberTicket(next, ticketIdsFrom(lock, next));
  const mac = (code: ErrorCode | undefined, extra: { who?: Partial<ExchangeOutcome>; authenticated?: boolean; raiseFloorTo?: number } = {}): ExchangeOutcome => {
    const status = code === undefined ? statusUnlocked : wireOf(code);
    const result = encodeResult({ type: 2, status, mac: lockResumeMac(crypto, ticket.resumption, transcript, status) });
    const who = { ...(extra.who?.credentialId ? { credentialId: extra.who.credentialId } : {}), ...(extra.who?.subject ? { subject: extra.who.subject } : {}) };
    return { code, result, authenticated: extra.authenticated ?? false, costly: false, ...who, ...(extra.raiseFloorTo !== undefined ? { raiseFloorTo: extra.raiseFloorTo } : {}) };
  };
  if (request.action !== actions.unlock) return mac('action_unsupported');
  context.applyUpdates(request.updates);
  const cached = lock.cachedCredential(ticket.credentialHash);
  if (cached === undefined || !lock.isTrustedKey(cached.issuerKey)) return mac('credential_unknown');
  const holder = { who: { credentialId: toHex(cached.claims.credentialId), subject: cached.claims.subject }, authenticated: true };
  if (context.holderRateLimited(holder.who.credentialId)) return mac('rate_limited', holder);
  const policy = policyCode(context, cached.claims);
  if (policy !== undefined) return mac(policy, holder);
  if (lock.batteryDepleted) return mac('battery_depleted', holder);
  return mac(undefined, { ...holder, raiseFloorTo: doorSequence(cached.claims, lock.identity.lockId) });
}
