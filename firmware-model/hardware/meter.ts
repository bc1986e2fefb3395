/**
 * The firmware model's compute meter: a CryptoProvider wrapper that counts every primitive the
 * lock actually runs (the lock wraps its injected provider in one; nothing is estimated from the
 * outside), and a profile turns a step's counts into compute time and charge.
 *
 * Work runs in the foreground (the ATT response waits for it) or in the background (the response
 * does not: a key pair precomputed while idle, ECDH started on the first chunk while later chunks
 * stream). The virtual radio serialises both on one CPU (a response waits for earlier background work).
 *
 * Hash and AEAD work is counted in compression blocks, as an MCU pays for it:
 *   SHA-256(m): ⌈(|m| + 9) / 64⌉ blocks; HMAC adds the padded key block (a key over 64 bytes is
 *   hashed first) and a 2-block outer hash; HKDF = one HMAC to extract, ⌈L / 32⌉ HMACs to expand;
 *   AES-256-GCM: ⌈|p| / 16⌉ + ⌈|aad| / 16⌉ + 2 blocks (the tag's counter block and the length block).
 */
import type { CryptoProvider, SignatureAlgorithm, VerifyOptions } from '../../src/protocol/crypto/provider.ts';
import type { HardwareProfile } from './profiles.ts';

export interface PrimitiveCounts {
  p256KeyGen: number;
  p256Ecdh: number;
  /** Peer points checked and found invalid (no ECDH follows). */
  p256PointCheck: number;
  es256Sign: number;
  es256Verify: number;
  ed25519KeyGen: number;
  ed25519Sign: number;
  ed25519Verify: number;
  sha256Calls: number;
  sha256Blocks: number;
  aeadCalls: number;
  aeadBlocks: number;
}

export function zeroCounts(): PrimitiveCounts {
  return { p256KeyGen: 0, p256Ecdh: 0, p256PointCheck: 0, es256Sign: 0, es256Verify: 0, ed25519KeyGen: 0, ed25519Sign: 0, ed25519Verify: 0, sha256Calls: 0, sha256Blocks: 0, aeadCalls: 0, aeadBlocks: 0 };
}

export function addCounts(into: PrimitiveCounts, more: PrimitiveCounts): PrimitiveCounts {
  for (const key of Object.keys(into) as (keyof PrimitiveCounts)[]) into[key] += more[key];
  return into;
}

/** Compute time of `counts` on `profile`, µs (an integer: every profile figure is). */
export function computeMicroseconds(profile: HardwareProfile, counts: PrimitiveCounts): number {
  return (
    counts.p256KeyGen * profile.p256KeyGenMicroseconds +
    counts.p256Ecdh * profile.p256EcdhMicroseconds +
    counts.p256PointCheck * profile.p256PointCheckMicroseconds +
    counts.es256Sign * profile.ecdsaP256SignMicroseconds +
    counts.es256Verify * profile.ecdsaP256VerifyMicroseconds +
    counts.ed25519KeyGen * profile.ed25519KeyGenMicroseconds +
    counts.ed25519Sign * profile.ed25519SignMicroseconds +
    counts.ed25519Verify * profile.ed25519VerifyMicroseconds +
    counts.sha256Calls * profile.sha256CallMicroseconds +
    counts.sha256Blocks * profile.sha256BlockMicroseconds +
    counts.aeadCalls * profile.aesGcmCallMicroseconds +
    counts.aeadBlocks * profile.aesGcmBlockMicroseconds
  );
}

/** Charge of `microseconds` of compute at the profile's active current, nC (µA × ms). */
export function computeNanocoulombs(profile: HardwareProfile, microseconds: number): number {
  return Math.floor((microseconds * profile.activeMicroamps) / 1000);
}

/** What one lock step computed. */
export interface StepCompute {
  /** Work the step's ATT response waits for. */
  foreground: PrimitiveCounts;
  /** Work done while the radio carries on (precomputation). */
  background: PrimitiveCounts;
  foregroundMicroseconds: number;
  backgroundMicroseconds: number;
  /** Charge of both, nC. */
  chargeNanocoulombs: number;
  /** The response also waits for background work still running (a result made in the background). */
  waitsForBackground: boolean;
}

export const idleStepCompute: StepCompute = Object.freeze({ foreground: zeroCounts(), background: zeroCounts(), foregroundMicroseconds: 0, backgroundMicroseconds: 0, chargeNanocoulombs: 0, waitsForBackground: false });

const sha256Blocks = (bytes: number): number => Math.ceil((bytes + 9) / 64);

export class ComputeMeter {
  private foreground = zeroCounts();
  private background = zeroCounts();
  private inBackground = false;
  private awaitsBackground = false;
  /** Everything counted since construction (foreground and background). */
  readonly total = zeroCounts();
  /** Of `total`, the idle precomputation (runIdle): reported apart from a visit's own compute. */
  readonly idleTotal = zeroCounts();

  /** Counts go to the current bucket. */
  get counts(): PrimitiveCounts {
    return this.inBackground ? this.background : this.foreground;
  }

  /** Runs `work` with its primitives counted as background work. */
  runInBackground<T>(work: () => T): T {
    const before = this.inBackground;
    this.inBackground = true;
    try {
      return work();
    } finally {
      this.inBackground = before;
    }
  }

  /** This step's response needs what background work is still computing (the CPU must be free first). */
  awaitBackground(): void {
    this.awaitsBackground = true;
  }

  /** Runs `work` without counting it (work already billed: a held NV write's hashing). */
  uncounted<T>(work: () => T): T {
    const foreground = { ...this.foreground };
    const background = { ...this.background };
    try {
      return work();
    } finally {
      Object.assign(this.foreground, foreground);
      Object.assign(this.background, background);
    }
  }

  /** Background work done while the lock is idle (precomputation for the next visit). */
  runIdle<T>(work: () => T): T {
    const before = { ...this.background };
    const result = this.runInBackground(work);
    for (const key of Object.keys(before) as (keyof PrimitiveCounts)[]) this.idleTotal[key] += this.background[key] - before[key];
    return result;
  }

  /**
   * Idle work done between the lock's inputs, counted when the lock next steps (advertised
   * challenge renewals nobody's scan stepped): into the totals, not into any step (it does not
   * occupy the CPU now); the caller bills its charge.
   */
  billPastIdle(counts: PrimitiveCounts): void {
    addCounts(this.total, counts);
    addCounts(this.idleTotal, counts);
  }

  /** Closes the step: its counts, time and charge on `profile`; the meter starts empty again. */
  settle(profile: HardwareProfile): StepCompute {
    const foreground = this.foreground;
    const background = this.background;
    const waitsForBackground = this.awaitsBackground;
    this.awaitsBackground = false;
    this.foreground = zeroCounts();
    this.background = zeroCounts();
    addCounts(this.total, foreground);
    addCounts(this.total, background);
    const foregroundMicroseconds = computeMicroseconds(profile, foreground);
    const backgroundMicroseconds = computeMicroseconds(profile, background);
    return { foreground, background, foregroundMicroseconds, backgroundMicroseconds, chargeNanocoulombs: computeNanocoulombs(profile, foregroundMicroseconds + backgroundMicroseconds), waitsForBackground };
  }

  /** Drops what was counted outside a step (construction: boot work is not billed to a step). */
  discard(): void {
    addCounts(this.total, this.foreground);
    addCounts(this.total, this.background);
    this.foreground = zeroCounts();
    this.background = zeroCounts();
    this.awaitsBackground = false;
  }

  private hmacBlocks(keyBytes: number, dataBytes: number): number {
    return (keyBytes > 64 ? sha256Blocks(keyBytes) : 0) + Math.ceil((64 + dataBytes + 9) / 64) + 2;
  }

  countHash(bytes: number): void {
    this.counts.sha256Calls++;
    this.counts.sha256Blocks += sha256Blocks(bytes);
  }
  countHmac(keyBytes: number, dataBytes: number): void {
    this.counts.sha256Calls += 2;
    this.counts.sha256Blocks += this.hmacBlocks(keyBytes, dataBytes);
  }
  countAead(aadBytes: number, plaintextBytes: number): void {
    this.counts.aeadCalls++;
    this.counts.aeadBlocks += Math.ceil(plaintextBytes / 16) + Math.ceil(aadBytes / 16) + 2;
  }
}

/** The provider the lock computes with: `inner` does the work, `meter` counts it. */
export function meteredCrypto(inner: CryptoProvider, meter: ComputeMeter): CryptoProvider {
  const keyGen = (algorithm: SignatureAlgorithm): void => {
    if (algorithm === 'ES256') meter.counts.p256KeyGen++;
    else meter.counts.ed25519KeyGen++;
  };
  return {
    name: inner.name,
    sha256(data) {
      meter.countHash(data.length);
      return inner.sha256(data);
    },
    hmacSha256(key, data) {
      meter.countHmac(key.length, data.length);
      return inner.hmacSha256(key, data);
    },
    hkdfSha256(inputKey, salt, info, lengthBytes) {
      meter.countHmac(salt.length === 0 ? 32 : salt.length, inputKey.length);
      for (let i = 0; i < Math.ceil(lengthBytes / 32); i++) meter.countHmac(32, (i > 0 ? 32 : 0) + info.length + 1);
      return inner.hkdfSha256(inputKey, salt, info, lengthBytes);
    },
    publicKeyOf(algorithm, secretKey) {
      keyGen(algorithm);
      return inner.publicKeyOf(algorithm, secretKey);
    },
    sign(algorithm, secretKey, message) {
      if (algorithm === 'ES256') {
        meter.counts.es256Sign++;
        meter.countHash(message.length);
      } else meter.counts.ed25519Sign++; // SHA-512 inside the published sign figure
      return inner.sign(algorithm, secretKey, message);
    },
    verify(algorithm, publicKey, message, signature, options?: VerifyOptions) {
      if (algorithm === 'ES256') {
        meter.counts.es256Verify++;
        meter.countHash(message.length);
      } else meter.counts.ed25519Verify++;
      return inner.verify(algorithm, publicKey, message, signature, options);
    },
    ecdhP256(secretKey, peerPublicKey) {
      try {
        const shared = inner.ecdhP256(secretKey, peerPublicKey);
        meter.counts.p256Ecdh++;
        return shared;
      } catch (error) {
        // A point that is not on the curve is refused by its check, before any multiplication.
        meter.counts.p256PointCheck++;
        throw error;
      }
    },
    aesGcmSeal(key, iv, aad, plaintext) {
      meter.countAead(aad.length, plaintext.length);
      return inner.aesGcmSeal(key, iv, aad, plaintext);
    },
    aesGcmOpen(key, iv, aad, sealed) {
      meter.countAead(aad.length, Math.max(0, sealed.length - 16));
      return inner.aesGcmOpen(key, iv, aad, sealed);
    },
  };
}

/**
 * What one advertised-challenge renewal computes: a P-256 key pair, its commitment hash and the
 * lock's signature over the signed bytes (`signedBytes` long; ES256 hashes them first). Used to bill
 * renewals that fell between two inputs of the lock (lock.ts billPastAdvertRenewals).
 */
/** The commitment hashes 'latchkey/2 commit' (17 bytes) and the 33-byte key (src/protocol/unlock/challenge.ts). */
const commitInputBytes = 17 + 33;

export function advertRenewalCounts(algorithm: SignatureAlgorithm, signedBytes: number): PrimitiveCounts {
  const counts = { ...zeroCounts(), p256KeyGen: 1, sha256Calls: 1, sha256Blocks: sha256Blocks(commitInputBytes) };
  if (algorithm === 'ES256') return { ...counts, es256Sign: 1, sha256Calls: 2, sha256Blocks: counts.sha256Blocks + sha256Blocks(signedBytes) };
  return { ...counts, ed25519Sign: 1 };
}

