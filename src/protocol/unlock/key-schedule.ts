/**
 * Transcript hashes and the key schedule (docs/PROTOCOL.md §Key schedule).
 *
 *   TH1 = SHA-256(CBOR["latchkey/1 TH1", lockId, lockVersions, commitment, phoneVersions, phoneEph])
 *   k_req = HKDF-SHA256(ECDH(phoneEph, lockAgreementKey), salt = TH1, info = "latchkey/1 request", 32)
 *   holder signature (ES256) over CBOR["latchkey/1 holder", TH1, credHash, action]
 *   TH2 = SHA-256(CBOR["latchkey/1 TH2", TH1, credHash, action, lockEph])
 *   k_l2p ‖ k_p2l ‖ resumption = HKDF-SHA256(ECDH(lockEph, phoneEph) ‖ ECDH(phoneEph, lockAgreementKey),
 *                                            salt = TH2, info = "latchkey/1 session", 96)
 *   lock signature (Ed25519) over CBOR["latchkey/1 lock", TH2, status]
 *
 * AES-256-GCM IV = 8-byte direction label ‖ 4-byte big-endian counter (ISO 18013-5 §9.1.1.5).
 */
import { concatBytes, u32be, utf8 } from '../bytes.ts';
import { encodeDeterministic } from '../cbor.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { LatchkeyError, assert } from '../errors.ts';
import { limits } from '../limits.ts';

export interface Th1Input {
  lockId: Uint8Array;
  lockVersions: number;
  commitment: Uint8Array;
  phoneVersions: number;
  phoneEphemeralKey: Uint8Array;
}

export function transcriptHash1(crypto: CryptoProvider, input: Th1Input): Uint8Array {
  return crypto.sha256(encodeDeterministic(['latchkey/1 TH1', input.lockId, input.lockVersions, input.commitment, input.phoneVersions, input.phoneEphemeralKey]));
}

export function requestKey(crypto: CryptoProvider, staticSharedSecret: Uint8Array, th1: Uint8Array): Uint8Array {
  return crypto.hkdfSha256(staticSharedSecret, th1, utf8('latchkey/1 request'), 32);
}

export function holderSignedBytes(th1: Uint8Array, credentialHash: Uint8Array, action: number): Uint8Array {
  return encodeDeterministic(['latchkey/1 holder', th1, credentialHash, action]);
}

export function transcriptHash2(crypto: CryptoProvider, th1: Uint8Array, credentialHash: Uint8Array, action: number, lockEphemeralKey: Uint8Array): Uint8Array {
  return crypto.sha256(encodeDeterministic(['latchkey/1 TH2', th1, credentialHash, action, lockEphemeralKey]));
}

export interface SessionKeys {
  lockToPhone: Uint8Array;
  phoneToLock: Uint8Array;
  resumption: Uint8Array;
}

export function sessionKeys(crypto: CryptoProvider, ephemeralSharedSecret: Uint8Array, staticSharedSecret: Uint8Array, th2: Uint8Array): SessionKeys {
  const okm = crypto.hkdfSha256(concatBytes(ephemeralSharedSecret, staticSharedSecret), th2, utf8('latchkey/1 session'), 96);
  return { lockToPhone: okm.slice(0, 32), phoneToLock: okm.slice(32, 64), resumption: okm.slice(64, 96) };
}

export function lockSignedBytes(th2: Uint8Array, status: number): Uint8Array {
  return encodeDeterministic(['latchkey/1 lock', th2, status]);
}

export const direction = { phoneToLock: utf8('lk1-p2l\0'), lockToPhone: utf8('lk1-l2p\0') } as const;

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
  return crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/1 ticket'), u32be(counter))).slice(0, 8);
}

export interface ResumeTranscriptInput {
  lockId: Uint8Array;
  lockVersions: number;
  commitment: Uint8Array;
  phoneVersions: number;
  ticketId: Uint8Array;
  action: number;
  updatesHash: Uint8Array;
}

export function resumeTranscript(crypto: CryptoProvider, input: ResumeTranscriptInput): Uint8Array {
  return crypto.sha256(encodeDeterministic(['latchkey/1 resume', input.lockId, input.lockVersions, input.commitment, input.phoneVersions, input.ticketId, input.action, input.updatesHash]));
}

export const macBytes = 16;

export function phoneResumeMac(crypto: CryptoProvider, resumption: Uint8Array, transcript: Uint8Array): Uint8Array {
  return crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/1 phone'), transcript)).slice(0, macBytes);
}

export function lockResumeMac(crypto: CryptoProvider, resumption: Uint8Array, transcript: Uint8Array, status: number): Uint8Array {
  return crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/1 lock'), transcript, new Uint8Array([status]))).slice(0, macBytes);
}
