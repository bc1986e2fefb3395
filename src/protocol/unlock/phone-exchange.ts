/**
 * The phone's half of the unlock exchange, as pure functions: build a request from the lock's
 * challenge, then check the lock's result. No I/O: the caller moves the bytes (src/phone).
 * The holder key may live in non-extractable WebCrypto storage, so signing is async.
 */
import { equalBytes } from '../bytes.ts';
import { encodeDeterministic } from '../cbor.ts';
import { p256SecretFromSeed, type CryptoProvider } from '../crypto/provider.ts';
import { LatchkeyError, codeOfWire, type ErrorCode } from '../errors.ts';
import type { LockCertificate } from '../lock-cert.ts';
import type { RandomSource } from '../random.ts';
import { commitToEphemeral, decodeChallenge, type Challenge } from './challenge.ts';
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
  credentialHash: Uint8Array;
  action: number;
  /** The TH1 inputs, kept so that an authenticated result can be handed on as evidence (absent: no evidence). */
  transcript?: Th1Input;
}

/**
 * What the lock signed on the full path, with every input needed to recompute it: TH1 from the
 * transcript inputs, TH2 from TH1, the credential hash, the action and the lock's ephemeral key;
 * the lock's Ed25519 signature over CBOR["latchkey/1 lock", TH2, status]. A third party holding
 * the lock's certificate (the server, for the audit upload) can check that this lock answered
 * `status` to this exchange; it learns no session key. Every field is public on the air anyway
 * except the credential hash, which the issuer knows.
 */
export interface LockEvidence {
  lockId: Uint8Array;
  lockVersions: number;
  commitment: Uint8Array;
  phoneVersions: number;
  phoneEphemeralKey: Uint8Array;
  credentialHash: Uint8Array;
  action: number;
  lockEphemeralKey: Uint8Array;
  status: number;
  lockSignature: Uint8Array;
}

/**
 * TH2 of `evidence` when it is a result that the lock holding `lockSigningKey` signed (the lock's
 * ephemeral key matches the challenge's commitment and the Ed25519 signature over TH2 ‖ status
 * verifies), else undefined. TH2 names the exchange: both ephemeral keys are in it. Bad input is
 * undefined, never a throw.
 */
export function verifyLockEvidence(crypto: CryptoProvider, evidence: LockEvidence, lockSigningKey: Uint8Array): Uint8Array | undefined {
  try {
    if (!equalBytes(commitToEphemeral(crypto, evidence.lockEphemeralKey), evidence.commitment)) return undefined;
    const th1 = transcriptHash1(crypto, evidence);
    const th2 = transcriptHash2(crypto, th1, evidence.credentialHash, evidence.action, evidence.lockEphemeralKey);
    return crypto.verify('EdDSA', lockSigningKey, lockSignedBytes(th2, evidence.status), evidence.lockSignature) ? th2 : undefined;
  } catch {
    return undefined;
  }
}

export interface FullRequestInput {
  crypto: CryptoProvider;
  random: RandomSource;
  lock: LockCertificate;
  challengeBytes: Uint8Array;
  credential: Uint8Array;
  /** Send only the credential's hash (the lock cached it on an earlier unlock). */
  sendHashOnly: boolean;
  holder: HolderSigner;
  updates: Uint8Array[];
  phoneVersions?: number;
}

export async function buildFullRequest(input: FullRequestInput): Promise<{ message: Uint8Array; pending: PendingFull }> {
  const { crypto } = input;
  const challenge = decodeChallenge(input.challengeBytes);
  const phoneVersions = input.phoneVersions ?? supportedVersions;
  const version = highestCommonVersion(challenge.lockVersions, phoneVersions);
  const phoneEphemeralSecret = p256SecretFromSeed(input.random(48));
  const phoneEphemeralKey = crypto.publicKeyOf('ES256', phoneEphemeralSecret);
  const transcript: Th1Input = { lockId: input.lock.lockId, lockVersions: challenge.lockVersions, commitment: challenge.commitment, phoneVersions, phoneEphemeralKey };
  const th1 = transcriptHash1(crypto, transcript);
  const staticSharedSecret = crypto.ecdhP256(phoneEphemeralSecret, input.lock.agreementKey);
  const credentialHash = crypto.sha256(input.credential);
  const holderSignature = await input.holder.sign(holderSignedBytes(th1, credentialHash, actions.unlock));
  const inner = encodeSealedInner({ action: actions.unlock, holderSignature, updates: input.updates, credentialOrHash: input.sendHashOnly ? credentialHash : input.credential });
  const sealed = new AeadDirection(crypto, requestKey(crypto, staticSharedSecret, th1), direction.phoneToLock).seal(th1, inner);
  const message = encodeRequest({ type: requestType.full, version, phoneVersions, phoneEphemeralKey, sealed });
  return { message, pending: { th1, challenge, phoneEphemeralSecret, staticSharedSecret, credentialHash, action: actions.unlock, transcript } };
}

function refusalCode(status: number): ErrorCode {
  return codeOfWire(status) ?? 'message_malformed';
}

/**
 * Checks the lock's result. Returns a new resumption ticket when the lock granted one, and (when
 * `pending` kept its transcript) the lock's signed answer as `evidence` for an audit record.
 */
export function openFullResult(crypto: CryptoProvider, pending: PendingFull, lock: LockCertificate, resultBytes: Uint8Array, nowS: number): UnlockOutcomeStatus & { ticket?: ResumptionTicket; evidence?: LockEvidence } {
  const result = decodeResult(resultBytes);
  // An idle result: the lock never received our closing chunk, so it decided nothing.
  if (result.type === 0) return { status: 'refused', code: 'message_truncated', authenticated: false };
  if (result.type !== requestType.full) throw new LatchkeyError('message_malformed', 'expected a full-exchange result');
  if (result.lockEphemeralKey === undefined || result.sealed === undefined) {
    // Unauthenticated refusal (the lock could not open our request). Never shown as success.
    return { status: 'refused', code: result.status === statusUnlocked ? 'lock_proof_invalid' : refusalCode(result.status), authenticated: false };
  }
  if (!equalBytes(commitToEphemeral(crypto, result.lockEphemeralKey), pending.challenge.commitment)) throw new LatchkeyError('lock_proof_invalid', 'ephemeral key does not match the commitment');
  const th2 = transcriptHash2(crypto, pending.th1, pending.credentialHash, pending.action, result.lockEphemeralKey);
  const ephemeralSharedSecret = crypto.ecdhP256(pending.phoneEphemeralSecret, result.lockEphemeralKey);
  const keys = sessionKeys(crypto, ephemeralSharedSecret, pending.staticSharedSecret, th2);
  let opened: ReturnType<typeof decodeSealedResult>;
  try {
    opened = decodeSealedResult(new AeadDirection(crypto, keys.lockToPhone, direction.lockToPhone).open(th2, result.sealed));
  } catch {
    throw new LatchkeyError('lock_proof_invalid', 'result does not decrypt');
  }
  if (!crypto.verify('EdDSA', lock.signingKey, lockSignedBytes(th2, result.status), opened.lockSignature)) throw new LatchkeyError('lock_proof_invalid', 'lock signature');
  const evidence: { evidence?: LockEvidence } =
    pending.transcript === undefined
      ? {}
      : { evidence: { ...pending.transcript, credentialHash: pending.credentialHash, action: pending.action, lockEphemeralKey: result.lockEphemeralKey, status: result.status, lockSignature: opened.lockSignature } };
  if (result.status !== statusUnlocked) return { status: 'refused', code: refusalCode(result.status), authenticated: true, ...evidence };
  const outcome: UnlockOutcomeStatus & { ticket?: ResumptionTicket; evidence?: LockEvidence } = { status: 'unlocked', code: undefined, authenticated: true, ...evidence };
  if (opened.ticketLifetimeS > 0) outcome.ticket = { lockId: lock.lockId, resumption: keys.resumption, counter: 0, expiresAtS: nowS + opened.ticketLifetimeS };
  return outcome;
}

export interface PendingResume {
  transcript: Uint8Array;
  ticket: ResumptionTicket;
}

export function buildResumeRequest(crypto: CryptoProvider, ticket: ResumptionTicket, challengeBytes: Uint8Array, updates: Uint8Array[], phoneVersions = supportedVersions): { message: Uint8Array; pending: PendingResume } {
  const challenge = decodeChallenge(challengeBytes);
  const version = highestCommonVersion(challenge.lockVersions, phoneVersions);
  const id = ticketId(crypto, ticket.resumption, ticket.counter);
  const updatesHash = crypto.sha256(encodeDeterministic(updates));
  const transcript = resumeTranscript(crypto, { lockId: ticket.lockId, lockVersions: challenge.lockVersions, commitment: challenge.commitment, phoneVersions, ticketId: id, action: actions.unlock, updatesHash });
  const mac = phoneResumeMac(crypto, ticket.resumption, transcript);
  const message = encodeRequest({ type: requestType.resume, version, phoneVersions, ticketId: id, action: actions.unlock, updates, mac });
  // Each use moves the ticket on, so two repeat unlocks cannot be linked by a listener.
  return { message, pending: { transcript, ticket: { ...ticket, counter: ticket.counter + 1 } } };
}

export function openResumeResult(crypto: CryptoProvider, pending: PendingResume, resultBytes: Uint8Array): UnlockOutcomeStatus {
  const result = decodeResult(resultBytes);
  if (result.type === 0) return { status: 'refused', code: 'message_truncated', authenticated: false };
  // A request the lock could not even decode is refused plainly, whatever its type.
  if (result.type === requestType.full && result.sealed === undefined) return { status: 'refused', code: result.status === statusUnlocked ? 'lock_proof_invalid' : refusalCode(result.status), authenticated: false };
  if (result.type !== requestType.resume) throw new LatchkeyError('message_malformed', 'expected a resume result');
  if (result.mac === undefined) return { status: 'refused', code: result.status === statusUnlocked ? 'lock_proof_invalid' : refusalCode(result.status), authenticated: false };
  if (!equalBytes(lockResumeMac(crypto, pending.ticket.resumption, pending.transcript, result.status), result.mac)) throw new LatchkeyError('lock_proof_invalid', 'resume MAC');
  if (result.status !== statusUnlocked) return { status: 'refused', code: refusalCode(result.status), authenticated: true };
  return { status: 'unlocked', code: undefined, authenticated: true };
}
