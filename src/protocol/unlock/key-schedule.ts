/**
 * Transcript hashes and the key schedule, protocol v2 (docs/PROTOCOL.md §6).
 *
 *   K    = SHA-256(CBOR["latchkey/2 keys", lockId, lockSigningKey, lockAgreementKey])   certified keys
 *   TH1  = SHA-256(CBOR["latchkey/2 TH1", form, lockId, K, lockVersions, nonce, phoneVersions, EP])
 *          nonce = the commitment (form 1) or EL (forms 2, 3)
 *   k_req = HKDF(ss_es, TH1, "latchkey/2 request")            form 1 (EL not known yet)
 *         = HKDF(ss_ee ‖ ss_es, TH1, "latchkey/2 request")    forms 2, 3 (forward-secret)
 *   holder signature (ES256) over CBOR["latchkey/2 holder", TH1, credHash, action]
 *   TH2  = SHA-256(CBOR["latchkey/2 TH2", TH1, credHash, action, EL])
 *   k_l2p ‖ k_p2l ‖ resumption = HKDF(ss_ee ‖ ss_es, TH2, "latchkey/2 session", 96)
 *   lock signature (Ed25519) over CBOR["latchkey/2 lock", TH2, status, lockTimeS]
 *
 * ss_es = ECDH(eP, lock agreement key), ss_ee = ECDH(eP, EL). AES-256-GCM IV = 8-byte direction
 * label ‖ 4-byte big-endian counter (ISO 18013-5 §9.1.1.5).
 */
import { concatBytes, u32be, utf8 } from '../bytes.ts';
import { encodeDeterministic } from '../cbor.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { LatchkeyError, assert } from '../errors.ts';
import { limits } from '../limits.ts';
import { challengeForm, type ChallengeForm, type ResumeForm } from './challenge.ts';

/**
 * Binds the lock's certified keys into every transcript (unknown-key-share): a request made for
 * one certificate's keys cannot be accepted under another's. Keys, not the certificate bytes, so a
 * renewed certificate (new exp) needs no message to the lock.
 */
export function certifiedKeysHash(crypto: CryptoProvider, lockId: Uint8Array, signingKey: Uint8Array, agreementKey: Uint8Array): Uint8Array {
  return crypto.sha256(encodeDeterministic(['latchkey/2 keys', lockId, signingKey, agreementKey]));
}

export interface Th1Input {
  form: ChallengeForm;
  lockId: Uint8Array;
  keysHash: Uint8Array;
  lockVersions: number;
  /** The commitment (form 1) or the lock's ephemeral key (forms 2, 3). */
  nonce: Uint8Array;
  phoneVersions: number;
  phoneEphemeralKey: Uint8Array;
}

export function transcriptHash1(crypto: CryptoProvider, input: Th1Input): Uint8Array {
  return crypto.sha256(encodeDeterministic(['latchkey/2 TH1', input.form, input.lockId, input.keysHash, input.lockVersions, input.nonce, input.phoneVersions, input.phoneEphemeralKey]));
}

/** Form 1: the static ECDH only. Forms 2/3: ephemeral–ephemeral and ephemeral–static. */
export function requestKey(crypto: CryptoProvider, form: ChallengeForm, staticSharedSecret: Uint8Array, ephemeralSharedSecret: Uint8Array | undefined, th1: Uint8Array): Uint8Array {
  const info = utf8('latchkey/2 request');
  if (form === challengeForm.commit) return crypto.hkdfSha256(staticSharedSecret, th1, info, 32);
  assert(ephemeralSharedSecret !== undefined, 'forms 2 and 3 mix the ephemeral ECDH');
  return crypto.hkdfSha256(concatBytes(ephemeralSharedSecret, staticSharedSecret), th1, info, 32);
}

export function holderSignedBytes(th1: Uint8Array, credentialHash: Uint8Array, action: number): Uint8Array {
  return encodeDeterministic(['latchkey/2 holder', th1, credentialHash, action]);
}

export function transcriptHash2(crypto: CryptoProvider, th1: Uint8Array, credentialHash: Uint8Array, action: number, lockEphemeralKey: Uint8Array): Uint8Array {
  return crypto.sha256(encodeDeterministic(['latchkey/2 TH2', th1, credentialHash, action, lockEphemeralKey]));
}

export interface SessionKeys {
  lockToPhone: Uint8Array;
  phoneToLock: Uint8Array;
  resumption: Uint8Array;
}

export function sessionKeys(crypto: CryptoProvider, ephemeralSharedSecret: Uint8Array, staticSharedSecret: Uint8Array, th2: Uint8Array): SessionKeys {
  const okm = crypto.hkdfSha256(concatBytes(ephemeralSharedSecret, staticSharedSecret), th2, utf8('latchkey/2 session'), 96);
  return { lockToPhone: okm.slice(0, 32), phoneToLock: okm.slice(32, 64), resumption: okm.slice(64, 96) };
}

/** The lock's clock reading (seconds) is under its signature, so evidence carries when it happened; 0 = not disclosed. */
export function lockSignedBytes(th2: Uint8Array, status: number, lockTimeS: number): Uint8Array {
  return encodeDeterministic(['latchkey/2 lock', th2, status, lockTimeS]);
}

export const direction = { phoneToLock: utf8('lk2-p2l\0'), lockToPhone: utf8('lk2-l2p\0') } as const;

/**
 * One direction of an AEAD channel. The counter starts at 0 and the channel refuses to seal or
 * open past sessionMessagesMax, so an IV is never reused and the 32-bit counter never wraps.
 */
export class AeadDirection {
  private counter = 0;
  private readonly crypto: CryptoProvider;
  private readonly key: Uint8Array;
  private readonly label: Uint8Array;
  constructor(crypto: CryptoProvider, key: Uint8Array, label: Uint8Array) {
    assert(key.length === 32 && label.length === 8, 'AES-256 key and 8-byte direction label');
    this.crypto = crypto;
    this.key = key;
    this.label = label;
  }
  private nextIv(): Uint8Array {
    if (this.counter >= limits.sessionMessagesMax) throw new LatchkeyError('counter_exhausted');
    return concatBytes(this.label, u32be(this.counter++));
  }
  get messagesUsed(): number {
    return this.counter;
  }
  seal(aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    return this.crypto.aesGcmSeal(this.key, this.nextIv(), aad, plaintext);
  }
  open(aad: Uint8Array, sealed: Uint8Array): Uint8Array {
    const plaintext = this.crypto.aesGcmOpen(this.key, this.nextIv(), aad, sealed);
    if (plaintext === undefined) throw new LatchkeyError('decrypt_failed');
    return plaintext;
  }
}

// -- resumption (symmetric repeat unlock) --

export function ticketId(crypto: CryptoProvider, resumption: Uint8Array, counter: number): Uint8Array {
  return crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/2 ticket'), u32be(counter))).slice(0, 8);
}

export interface ResumeTranscriptInput {
  /** 1–3: the challenge read on the link; 4: the advertised nonce (request type 3). */
  form: ResumeForm;
  lockId: Uint8Array;
  lockVersions: number;
  nonce: Uint8Array;
  phoneVersions: number;
  ticketId: Uint8Array;
  action: number;
  updatesHash: Uint8Array;
}

export function resumeTranscript(crypto: CryptoProvider, input: ResumeTranscriptInput): Uint8Array {
  return crypto.sha256(encodeDeterministic(['latchkey/2 resume', input.form, input.lockId, input.lockVersions, input.nonce, input.phoneVersions, input.ticketId, input.action, input.updatesHash]));
}

export const macBytes = 16;

export function phoneResumeMac(crypto: CryptoProvider, resumption: Uint8Array, transcript: Uint8Array): Uint8Array {
  return crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/2 phone'), transcript)).slice(0, macBytes);
}

export function lockResumeMac(crypto: CryptoProvider, resumption: Uint8Array, transcript: Uint8Array, status: number): Uint8Array {
  return crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/2 lock'), transcript, new Uint8Array([status]))).slice(0, macBytes);
}
