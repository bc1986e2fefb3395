/**
 * The phone's half of the unlock exchange (protocol v2), as pure functions: check the lock's
 * challenge and build a request from it, then check the lock's result. No I/O: the caller moves the bytes (src/phone).
 * The holder key may live in non-extractable WebCrypto storage, so signing is async.
 */
import { equalBytes, wipe } from '../bytes.ts';
import { encodeDeterministic } from '../cbor.ts';
import { p256SecretFromSeed, type CryptoProvider } from '../crypto/provider.ts';
import { LatchkeyError, codeOfWire, type ErrorCode } from '../errors.ts';
import type { LockCertificate } from '../lock-cert.ts';
import type { RandomSource } from '../random.ts';
import { advertisedNonceForm, challengeForm, challengeNonce, challengeSignedBytes, commitToEphemeral, decodeAdvertisedNonce, decodeChallenge, type Challenge, type ChallengeForm, type ResumeForm } from './challenge.ts';
import {
  AeadDirection,
  certifiedKeysHash,
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
  type Th1Input,
} from './key-schedule.ts';
import { action as actions, decodeResult, decodeSealedResult, encodeRequest, encodeSealedInner, requestType, statusUnlocked } from './messages.ts';
import { highestCommonVersion, supportedVersions } from './versions.ts';

export interface HolderSigner {
  /** 33-byte compressed P-256 public key (the credential's cnf key). */
  publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** A ticket for the symmetric repeat path, kept per lock by the phone. */
export interface ResumptionTicket {
  lockId: Uint8Array;
  /** The protocol versions the lock's certificate names: a resume challenge offering others is a downgrade. */
  lockVersions: number;
  resumption: Uint8Array;
  counter: number;
  expiresAtS: number;
}

export interface UnlockOutcomeStatus {
  /** 'unlocked' only when the lock proved it (signature or MAC checked). */
  status: 'unlocked' | 'refused';
  code: ErrorCode | undefined;
  /** True when the lock authenticated the status (a refusal reason you can trust). */
  authenticated: boolean;
}

export interface PendingFull {
  th1: Uint8Array;
  challenge: Challenge;
  phoneEphemeralSecret: Uint8Array;
  staticSharedSecret: Uint8Array;
  /** Forms 2/3: ECDH(eP, EL), already known when the request was built. */
  ephemeralSharedSecret?: Uint8Array;
  credentialHash: Uint8Array;
  action: number;
  /** The TH1 inputs, kept so that an authenticated result can be handed on as evidence (absent: no evidence). */
  transcript?: Th1Input;
}

/**
 * What the lock signed on the full path, with every input needed to recompute it: TH1 from the
 * transcript inputs, TH2 from TH1, the credential hash, the action and the lock's ephemeral key;
 * the lock's Ed25519 signature over CBOR["latchkey/2 lock", TH2, status, lockTimeS]. A third party
 * holding the lock's certificate (the server, for the audit upload) can check that this lock
 * answered `status` to this exchange at `lockTimeS` on its own clock; it learns no session key.
 */
export interface LockEvidence extends Th1Input {
  credentialHash: Uint8Array;
  action: number;
  lockEphemeralKey: Uint8Array;
  status: number;
  /** The lock's clock (s) when it decided; 0 when it did not disclose it. */
  lockTimeS: number;
  lockSignature: Uint8Array;
}

/**
 * TH2 of `evidence` when it is a result that the lock certified as `cert` signed (the nonce matches
 * the lock's ephemeral key, the keys hash is the certificate's, and the Ed25519 signature over TH2,
 * status and time verifies), else undefined. Bad input is undefined, never a throw.
 */
/**
 * A signature by the lock's certified signing key, with the algorithm its certificate declares
 * (EdDSA when it declares none). An ES256 lock signs low-S, so only that encoding is accepted.
 */
export function verifyLockSignature(crypto: CryptoProvider, lock: Pick<LockCertificate, 'signingKey' | 'signingAlgorithm'>, message: Uint8Array, signature: Uint8Array): boolean {
  return lock.signingAlgorithm === 'ES256' ? crypto.verify('ES256', lock.signingKey, message, signature, { lowS: true }) : crypto.verify('EdDSA', lock.signingKey, message, signature);
}

export function verifyLockEvidence(crypto: CryptoProvider, evidence: LockEvidence, cert: Pick<LockCertificate, 'lockId' | 'signingKey' | 'agreementKey' | 'signingAlgorithm'>): Uint8Array | undefined {
  try {
    const nonce = evidence.form === challengeForm.commit ? commitToEphemeral(crypto, evidence.lockEphemeralKey) : evidence.lockEphemeralKey;
    if (!equalBytes(nonce, evidence.nonce)) return undefined;
    if (!equalBytes(evidence.lockId, cert.lockId) || !equalBytes(evidence.keysHash, certifiedKeysHash(crypto, cert.lockId, cert.signingKey, cert.agreementKey))) return undefined;
    const th1 = transcriptHash1(crypto, evidence);
    const th2 = transcriptHash2(crypto, th1, evidence.credentialHash, evidence.action, evidence.lockEphemeralKey);
    return verifyLockSignature(crypto, cert, lockSignedBytes(th2, evidence.status, evidence.lockTimeS), evidence.lockSignature) ? th2 : undefined;
  } catch {
    return undefined;
  }
}

export interface FullRequestInput {
  crypto: CryptoProvider;
  random: RandomSource;
  lock: LockCertificate;
  challengeBytes: Uint8Array;
  /**
   * The form the phone asked for (the characteristic it read): a weaker answer is refused as a
   * fake or tampered lock. Default: form 1, which any answer meets.
   */
  minimumForm?: ChallengeForm;
  credential: Uint8Array;
  /** Send only the credential's hash (the lock cached it on an earlier unlock). */
  sendHashOnly: boolean;
  holder: HolderSigner;
  updates: Uint8Array[];
  phoneVersions?: number;
}

/**
 * Checks a challenge before anything is revealed: the versions the issuer certified for this lock
 * (a challenge offering others is a downgrade), the form asked for, and on form 3 the lock's
 * signature over its ephemeral key. Returns the chosen version.
 */
export function checkChallenge(crypto: CryptoProvider, challenge: Challenge, lock: Pick<LockCertificate, 'lockId' | 'signingKey' | 'versions' | 'signingAlgorithm'>, phoneVersions: number, minimumForm: ChallengeForm = challengeForm.commit): number {
  if (challenge.lockVersions !== lock.versions) throw new LatchkeyError('version_downgrade', 'the challenge offers other versions than the lock certificate names');
  const version = highestCommonVersion(lock.versions, phoneVersions);
  if (challenge.form < minimumForm) throw new LatchkeyError('lock_proof_invalid', `asked for challenge form ${minimumForm}, got ${challenge.form}`);
  if (challenge.form === challengeForm.signed && !verifyLockSignature(crypto, lock, challengeSignedBytes(lock.lockId, challenge.lockVersions, challenge.lockEphemeralKey!), challenge.lockSignature!)) {
    throw new LatchkeyError('lock_proof_invalid', 'challenge signature');
  }
  return version;
}

export async function buildFullRequest(input: FullRequestInput): Promise<{ message: Uint8Array; pending: PendingFull }> {
  const { crypto, lock } = input;
  const challenge = decodeChallenge(input.challengeBytes);
  const phoneVersions = input.phoneVersions ?? supportedVersions;
  const version = checkChallenge(crypto, challenge, lock, phoneVersions, input.minimumForm);
  const phoneEphemeralSecret = p256SecretFromSeed(input.random(48));
  const phoneEphemeralKey = crypto.publicKeyOf('ES256', phoneEphemeralSecret);
  const transcript: Th1Input = {
    form: challenge.form,
    lockId: lock.lockId,
    keysHash: certifiedKeysHash(crypto, lock.lockId, lock.signingKey, lock.agreementKey),
    lockVersions: challenge.lockVersions,
    nonce: challengeNonce(challenge),
    phoneVersions,
    phoneEphemeralKey,
  };
  const th1 = transcriptHash1(crypto, transcript);
  const staticSharedSecret = crypto.ecdhP256(phoneEphemeralSecret, lock.agreementKey);
  let ephemeralSharedSecret: Uint8Array | undefined;
  if (challenge.form !== challengeForm.commit) {
    try {
      ephemeralSharedSecret = crypto.ecdhP256(phoneEphemeralSecret, challenge.lockEphemeralKey!);
    } catch {
      throw new LatchkeyError('lock_proof_invalid', 'the lock ephemeral key is not a P-256 point');
    }
  }
  const credentialHash = crypto.sha256(input.credential);
  const holderSignature = await input.holder.sign(holderSignedBytes(th1, credentialHash, actions.unlock));
  const inner = encodeSealedInner({ action: actions.unlock, holderSignature, updates: input.updates, credentialOrHash: input.sendHashOnly ? credentialHash : input.credential });
  const kReq = requestKey(crypto, challenge.form, staticSharedSecret, ephemeralSharedSecret, th1);
  const sealed = new AeadDirection(crypto, kReq, direction.phoneToLock).seal(th1, inner);
  wipe(kReq);
  const message = encodeRequest({ type: requestType.full, version, phoneVersions, phoneEphemeralKey, sealed });
  const pending: PendingFull = { th1, challenge, phoneEphemeralSecret, staticSharedSecret, credentialHash, action: actions.unlock, transcript };
  if (ephemeralSharedSecret !== undefined) pending.ephemeralSharedSecret = ephemeralSharedSecret;
  return { message, pending };
}

function refusalCode(status: number): ErrorCode {
  return codeOfWire(status) ?? 'message_malformed';
}

export type FullOutcome = UnlockOutcomeStatus & { ticket?: ResumptionTicket; evidence?: LockEvidence; lockTimeS?: number };

/**
 * Checks the lock's result. Returns a new resumption ticket when the lock granted one, and (when
 * `pending` kept its transcript) the lock's signed answer as `evidence` for an audit record.
 */
export function openFullResult(crypto: CryptoProvider, pending: PendingFull, lock: LockCertificate, resultBytes: Uint8Array, nowS: number): FullOutcome {
  try {
    return openFull(crypto, pending, lock, resultBytes, nowS);
  } finally {
    // One result per request: the phone's ephemeral secrets have done their work, whatever it said.
    wipe(pending.phoneEphemeralSecret);
    wipe(pending.staticSharedSecret);
    if (pending.ephemeralSharedSecret !== undefined) wipe(pending.ephemeralSharedSecret);
  }
}

function openFull(crypto: CryptoProvider, pending: PendingFull, lock: LockCertificate, resultBytes: Uint8Array, nowS: number): FullOutcome {
  const result = decodeResult(resultBytes);
  // An idle result: the lock never received our closing chunk, so it decided nothing.
  if (result.type === 0) return { status: 'refused', code: 'message_truncated', authenticated: false };
  if (result.type !== requestType.full) throw new LatchkeyError('message_malformed', 'expected a full-exchange result');
  if (result.sealed === undefined) {
    // Unauthenticated refusal (the lock could not open our request). Never shown as success.
    return { status: 'refused', code: result.status === statusUnlocked ? 'lock_proof_invalid' : refusalCode(result.status), authenticated: false };
  }
  const commitForm = pending.challenge.form === challengeForm.commit;
  // Form 1 reveals EL now and must match the commitment; forms 2/3 gave it already and must not repeat it.
  if (commitForm !== (result.lockEphemeralKey !== undefined)) throw new LatchkeyError('lock_proof_invalid', 'result shape does not match the challenge form');
  const lockEphemeralKey = commitForm ? result.lockEphemeralKey! : pending.challenge.lockEphemeralKey!;
  if (commitForm && !equalBytes(commitToEphemeral(crypto, lockEphemeralKey), pending.challenge.commitment!)) throw new LatchkeyError('lock_proof_invalid', 'ephemeral key does not match the commitment');
  let ephemeralSharedSecret = pending.ephemeralSharedSecret;
  if (ephemeralSharedSecret === undefined) {
    try {
      ephemeralSharedSecret = pending.ephemeralSharedSecret = crypto.ecdhP256(pending.phoneEphemeralSecret, lockEphemeralKey);
    } catch {
      throw new LatchkeyError('lock_proof_invalid', 'the lock ephemeral key is not a P-256 point');
    }
  }
  const th2 = transcriptHash2(crypto, pending.th1, pending.credentialHash, pending.action, lockEphemeralKey);
  const keys = sessionKeys(crypto, ephemeralSharedSecret, pending.staticSharedSecret, th2);
  wipe(keys.phoneToLock); // unused in v2
  let opened: ReturnType<typeof decodeSealedResult>;
  try {
    opened = decodeSealedResult(new AeadDirection(crypto, keys.lockToPhone, direction.lockToPhone).open(th2, result.sealed));
  } catch {
    throw new LatchkeyError('lock_proof_invalid', 'result does not decrypt');
  }
  wipe(keys.lockToPhone);
  if (!verifyLockSignature(crypto, lock, lockSignedBytes(th2, result.status, opened.lockTimeS), opened.lockSignature)) throw new LatchkeyError('lock_proof_invalid', 'lock signature');
  const evidence: { evidence?: LockEvidence } =
    pending.transcript === undefined
      ? {}
      : { evidence: { ...pending.transcript, credentialHash: pending.credentialHash, action: pending.action, lockEphemeralKey, status: result.status, lockTimeS: opened.lockTimeS, lockSignature: opened.lockSignature } };
  const time = opened.lockTimeS > 0 ? { lockTimeS: opened.lockTimeS } : {};
  if (result.status !== statusUnlocked) return { status: 'refused', code: refusalCode(result.status), authenticated: true, ...evidence, ...time };
  const outcome: FullOutcome = { status: 'unlocked', code: undefined, authenticated: true, ...evidence, ...time };
  if (opened.ticketLifetimeS > 0) outcome.ticket = { lockId: lock.lockId, lockVersions: lock.versions, resumption: keys.resumption, counter: 0, expiresAtS: nowS + opened.ticketLifetimeS };
  return outcome;
}

export interface PendingResume {
  transcript: Uint8Array;
  ticket: ResumptionTicket;
}

export function buildResumeRequest(crypto: CryptoProvider, ticket: ResumptionTicket, challengeBytes: Uint8Array, updates: Uint8Array[], phoneVersions = supportedVersions): { message: Uint8Array; pending: PendingResume } {
  const challenge = decodeChallenge(challengeBytes);
  return buildResume(crypto, ticket, challenge.form, challenge.lockVersions, challengeNonce(challenge), updates, phoneVersions);
}

/**
 * The 1-round-trip repeat unlock (docs/PROTOCOL.md §7.4): a resume request answering the lock's
 * advertised nonce (form 4), built before connecting, so the phone's compute costs no connection
 * event. The request carries the nonce: the lock accepts only its current and previous one, once.
 */
export function buildAdvertisedResumeRequest(crypto: CryptoProvider, ticket: ResumptionTicket, advertisedNonceBytes: Uint8Array, updates: Uint8Array[], phoneVersions = supportedVersions): { message: Uint8Array; pending: PendingResume } {
  const advertised = decodeAdvertisedNonce(advertisedNonceBytes);
  return buildResume(crypto, ticket, advertisedNonceForm, advertised.lockVersions, advertised.nonce, updates, phoneVersions);
}

function buildResume(crypto: CryptoProvider, ticket: ResumptionTicket, form: ResumeForm, lockVersions: number, nonce: Uint8Array, updates: Uint8Array[], phoneVersions: number): { message: Uint8Array; pending: PendingResume } {
  if (lockVersions !== ticket.lockVersions) throw new LatchkeyError('version_downgrade', 'the challenge offers other versions than the lock certificate names');
  const version = highestCommonVersion(lockVersions, phoneVersions);
  const id = ticketId(crypto, ticket.resumption, ticket.counter);
  const updatesHash = crypto.sha256(encodeDeterministic(updates));
  const transcript = resumeTranscript(crypto, { form, lockId: ticket.lockId, lockVersions, nonce, phoneVersions, ticketId: id, action: actions.unlock, updatesHash });
  const mac = phoneResumeMac(crypto, ticket.resumption, transcript);
  const fields = { version, phoneVersions, ticketId: id, action: actions.unlock, updates, mac };
  const message = encodeRequest(form === advertisedNonceForm ? { type: requestType.advertisedResume, nonce, ...fields } : { type: requestType.resume, ...fields });
  // Each use moves the ticket on, so two repeat unlocks cannot be linked by a listener.
  return { message, pending: { transcript, ticket: { ...ticket, counter: ticket.counter + 1 } } };
}

export function openResumeResult(crypto: CryptoProvider, pending: PendingResume, resultBytes: Uint8Array): UnlockOutcomeStatus & { retryChallenge?: Uint8Array } {
  const result = decodeResult(resultBytes);
  if (result.type === 0) return { status: 'refused', code: 'message_truncated', authenticated: false };
  // The advertised nonce was stale or taken: plain, unauthenticated, with a fresh challenge to
  // answer on the same connection (a type-2 resume), so the fallback costs no challenge Read.
  if (result.type === requestType.advertisedResume) return { status: 'refused', code: result.status === statusUnlocked ? 'lock_proof_invalid' : refusalCode(result.status), authenticated: false, retryChallenge: result.challenge };
  // A request the lock could not even decode is refused plainly, whatever its type.
  if (result.type === requestType.full && result.sealed === undefined) return { status: 'refused', code: result.status === statusUnlocked ? 'lock_proof_invalid' : refusalCode(result.status), authenticated: false };
  if (result.type !== requestType.resume) throw new LatchkeyError('message_malformed', 'expected a resume result');
  if (result.mac === undefined) return { status: 'refused', code: result.status === statusUnlocked ? 'lock_proof_invalid' : refusalCode(result.status), authenticated: false };
  if (!equalBytes(lockResumeMac(crypto, pending.ticket.resumption, pending.transcript, result.status), result.mac)) throw new LatchkeyError('lock_proof_invalid', 'resume MAC');
  if (result.status !== statusUnlocked) return { status: 'refused', code: refusalCode(result.status), authenticated: true };
  return { status: 'unlocked', code: undefined, authenticated: true };
}
