/**
 * The lock's three real unlock paths, end to end through `lock.step` (node provider): what a lock
 * computes per unlock, timed in user CPU time over the lock's steps only (connect, challenge read,
 * request chunks, result read, disconnect); the phone's side is built between steps, untimed.
 *
 * - first: a full exchange carrying a credential the lock has never seen, from a phone whose
 *   holder key the lock's provider has never imported (parse + issuer signature + holder proof +
 *   two ECDH + the lock's Ed25519 result signature; form 3, so the challenge read makes an
 *   ephemeral key and signs it).
 * - hash-only: a full exchange sending the 32-byte hash of a credential the lock cached on an
 *   earlier unlock (holder proof + ECDH + signature, no credential parse or issuer check). The
 *   provider is swapped for a fresh one first, so holder keys are again imported for the first time.
 * - resume: the HMAC path with a ticket earned on the hash-only unlock (form 1 challenge).
 *
 * The lock holds 32 credentials and 32 tickets (limits.ts), so phones come in batches of 30 plus
 * one warm-up per batch, each batch on a fresh lock. The crypto operations each path makes are
 * counted (a counting provider), so the report can set the path beside openssl's cost for them.
 */
import { Lock, type LockOutput } from '../../../firmware-model/lock.ts';
import type { LockConfig } from '../../../firmware-model/config.ts';
import { issueCredential } from '../../protocol/credential.ts';
import { createNodeProvider } from '../../protocol/crypto/node.ts';
import { p256SecretFromSeed, type CryptoProvider, type SignatureAlgorithm } from '../../protocol/crypto/provider.ts';
import { makeIssuerKey, publicPart } from '../../protocol/issuer-keys.ts';
import { createSeededRandom, type SeededRandom } from '../../protocol/random.ts';
import { splitIntoChunks } from '../../protocol/unlock/chunking.ts';
import { buildFullRequest, buildResumeRequest, openFullResult, openResumeResult, type HolderSigner, type ResumptionTicket } from '../../protocol/unlock/phone-exchange.ts';
import { fuzzEpochS } from '../fuzz/fixtures.ts';
import type { LockIdentity } from '../../../firmware-model/config.ts';
import type { LockCertificate } from '../../protocol/lock-cert.ts';
import { supportedVersions } from '../../protocol/unlock/versions.ts';
import { CpuStopwatch, rateOf, type Rate } from './cpu-rate.ts';

export type LockPath = 'first' | 'hashOnly' | 'resume';
export const lockPaths: readonly LockPath[] = ['first', 'hashOnly', 'resume'];

/** Public-key operations per unlock on a path (counted on the lock's provider). */
export interface PathOperations {
  ecdsaP256Verify: number;
  ed25519Verify: number;
  ed25519Sign: number;
  ecdhP256: number;
  /** P-256 public key from a secret (the challenge's ephemeral key): one scalar multiplication. */
  p256KeyGen: number;
}

export interface LockPathResult {
  path: LockPath;
  rate: Rate;
  /** Mean per unlock. */
  operations: PathOperations;
}

// 30 + the warm-up: below the cache's 32, so every phone of a batch stays cached (hash-only and
// resume paths measure cache hits, never a re-verify after an eviction).
const batchSize = 30;
const config: Partial<LockConfig> = { failuresMax: 1000 };

/** A provider whose implementation can be swapped for a fresh one (dropping its key caches) and whose public-key operations are counted. */
function countingProvider(): { crypto: CryptoProvider; swap(): void; counts: PathOperations; reset(): void } {
  let inner = createNodeProvider();
  const counts: PathOperations = { ecdsaP256Verify: 0, ed25519Verify: 0, ed25519Sign: 0, ecdhP256: 0, p256KeyGen: 0 };
  const crypto: CryptoProvider = {
    name: 'node',
    sha256: (data) => inner.sha256(data),
    hmacSha256: (key, data) => inner.hmacSha256(key, data),
    hkdfSha256: (key, salt, info, length) => inner.hkdfSha256(key, salt, info, length),
    publicKeyOf(algorithm, secret) {
      if (algorithm === 'ES256') counts.p256KeyGen++;
      return inner.publicKeyOf(algorithm, secret);
    },
    sign(algorithm, secret, message) {
      if (algorithm === 'EdDSA') counts.ed25519Sign++;
      return inner.sign(algorithm, secret, message);
    },
    verify(algorithm, key, message, signature, options) {
      if (algorithm === 'EdDSA') counts.ed25519Verify++;
      else counts.ecdsaP256Verify++;
      return inner.verify(algorithm, key, message, signature, options);
    },
    ecdhP256(secret, peer) {
      counts.ecdhP256++;
      return inner.ecdhP256(secret, peer);
    },
    aesGcmSeal: (key, iv, aad, plaintext) => inner.aesGcmSeal(key, iv, aad, plaintext),
    aesGcmOpen: (key, iv, aad, sealed) => inner.aesGcmOpen(key, iv, aad, sealed),
  };
  return {
    crypto,
    swap: () => {
      inner = createNodeProvider();
    },
    counts,
    reset: () => {
      for (const key of Object.keys(counts) as (keyof PathOperations)[]) counts[key] = 0;
    },
  };
}

interface Phone {
  holder: HolderSigner;
  credential: Uint8Array;
  ticket?: ResumptionTicket;
}

class PathDriver {
  private nowMs = fuzzEpochS * 1000;
  private connection = 0;
  readonly watch = new CpuStopwatch();
  private readonly lock: Lock;
  private readonly phoneCrypto = createNodeProvider();
  private readonly random: SeededRandom;
  private readonly certificate: LockCertificate;
  constructor(lock: Lock, certificate: LockCertificate, random: SeededRandom) {
    this.lock = lock;
    this.certificate = certificate;
    this.random = random;
  }

  private step(input: Parameters<Lock['step']>[0]): LockOutput[] {
    return this.watch.time(() => this.lock.step(input, this.nowMs));
  }

  private readValue(connectionId: number, characteristic: 'challenge' | 'challenge_signed' | 'exchange'): Uint8Array {
    const output = this.step({ type: 'read', connectionId, characteristic, offset: 0 }).find((o) => o.type === 'read_response');
    if (output?.type !== 'read_response') throw new Error(`lock path bench: no ${characteristic} value`);
    return output.value;
  }

  private write(connectionId: number, message: Uint8Array): void {
    const chunks = splitIntoChunks(message, 247);
    for (const [index, chunk] of chunks.entries()) this.step({ type: 'write', connectionId, characteristic: 'exchange', data: chunk, withResponse: index === chunks.length - 1 });
  }

  /** One unlock on `path`; throws unless the lock unlocked (a benchmark of a refusal would be meaningless). */
  async unlock(phone: Phone, path: LockPath): Promise<void> {
    this.nowMs += 10_000; // past the bolt's relock, the connection and challenge lifetimes
    const connectionId = (this.connection = (this.connection % 2) + 1);
    this.step({ type: 'connect', connectionId, connIntervalMs: 15 });
    this.step({ type: 'tick' });
    if (path === 'resume') {
      const challenge = this.readValue(connectionId, 'challenge');
      const { message, pending } = buildResumeRequest(this.phoneCrypto, phone.ticket!, challenge, []);
      this.write(connectionId, message);
      const outcome = openResumeResult(this.phoneCrypto, pending, this.readValue(connectionId, 'exchange'));
      if (outcome.status !== 'unlocked') throw new Error(`lock path bench: resume refused (${outcome.code ?? outcome.status})`);
      phone.ticket = pending.ticket;
    } else {
      const challenge = this.readValue(connectionId, 'challenge_signed');
      const { message, pending } = await buildFullRequest({ crypto: this.phoneCrypto, random: (n) => this.random.bytes(n), lock: this.certificate, challengeBytes: challenge, credential: phone.credential, sendHashOnly: path === 'hashOnly', holder: phone.holder, updates: [] });
      this.write(connectionId, message);
      const outcome = openFullResult(this.phoneCrypto, pending, this.certificate, this.readValue(connectionId, 'exchange'), Math.floor(this.nowMs / 1000));
      if (outcome.status !== 'unlocked') throw new Error(`lock path bench: ${path} refused (${outcome.code ?? outcome.status})`);
      if (outcome.ticket !== undefined) phone.ticket = outcome.ticket;
    }
    this.step({ type: 'disconnect', connectionId });
  }
}

/**
 * `batches` batches of 31 phones (plus a warm-up each) for an issuer algorithm; returns the three
 * paths' rates over the lock's steps.
 */
export async function measureLockPaths(issuerAlgorithm: SignatureAlgorithm, batches: number, seed: number): Promise<LockPathResult[]> {
  const random = createSeededRandom(seed).fork(`lock-paths-${issuerAlgorithm}`);
  const maker = createNodeProvider();
  const issuer = makeIssuerKey(maker, issuerAlgorithm, issuerAlgorithm === 'EdDSA' ? random.bytes(32) : p256SecretFromSeed(random.bytes(48)), random.bytes(8));
  const identity: LockIdentity = { lockId: random.bytes(8), signingSecret: random.bytes(32), agreementSecret: p256SecretFromSeed(random.bytes(48)) };
  const certificate: LockCertificate = {
    issuer: 'https://latchkey.invalid/issuer',
    lockId: identity.lockId,
    signingKey: maker.publicKeyOf('EdDSA', identity.signingSecret),
    agreementKey: maker.publicKeyOf('ES256', identity.agreementSecret),
    versions: supportedVersions,
    issuedAtS: fuzzEpochS - 86400,
    expiresAtS: fuzzEpochS + 365 * 86400,
  };
  const spent: Record<LockPath, { cpuS: number; wallS: number }> = { first: { cpuS: 0, wallS: 0 }, hashOnly: { cpuS: 0, wallS: 0 }, resume: { cpuS: 0, wallS: 0 } };
  const totals: Record<LockPath, PathOperations> = { first: zero(), hashOnly: zero(), resume: zero() };
  let unlocks = 0;
  // Batch 0 warms the JIT and is not counted.
  for (let batch = 0; batch <= batches; batch++) {
    const phones: Phone[] = Array.from({ length: batchSize + 1 }, (_, index) => {
      const secret = p256SecretFromSeed(random.bytes(48));
      const holderKey = maker.publicKeyOf('ES256', secret);
      const credential = issueCredential(maker, issuer, {
        issuer: 'https://latchkey.invalid/issuer',
        subject: `guest-${batch}-${index}`,
        credentialId: random.bytes(16),
        notBeforeS: fuzzEpochS - 3600,
        expiresAtS: fuzzEpochS + 30 * 86400,
        issuedAtS: fuzzEpochS - 3600,
        holderKey,
        grantId: random.bytes(16),
        doors: [{ lockId: identity.lockId, sequence: 1 }],
      });
      return { holder: { publicKey: holderKey, sign: (message: Uint8Array) => maker.sign('ES256', secret, message) }, credential };
    });
    const counting = countingProvider();
    const lock = new Lock({ identity, trustedIssuers: [publicPart(issuer)], crypto: counting.crypto, random: (n) => random.bytes(n), config, startMs: fuzzEpochS * 1000 });
    const driver = new PathDriver(lock, certificate, random.fork(`phones-${batch}`));
    const [warm, ...measured] = phones as [Phone, ...Phone[]];
    // A lock holds its trusted issuer keys and its own key: one warm-up unlock imports them.
    await driver.unlock(warm, 'first');
    for (const path of lockPaths) {
      if (path === 'hashOnly') {
        counting.swap(); // a fresh provider: holder keys imported for the first time again
        await driver.unlock(warm, 'hashOnly');
      }
      counting.reset();
      const before = driver.watch.rate(0);
      for (const phone of measured) await driver.unlock(phone, path);
      const after = driver.watch.rate(0);
      if (batch === 0) continue;
      spent[path].cpuS += after.cpuS - before.cpuS;
      spent[path].wallS += after.wallS - before.wallS;
      for (const key of Object.keys(counting.counts) as (keyof PathOperations)[]) totals[path][key] += counting.counts[key];
    }
    if (batch > 0) unlocks += measured.length;
  }
  return lockPaths.map((path) => ({ path, rate: rateOf(unlocks, spent[path].cpuS * 1e6, spent[path].wallS * 1000), operations: perUnlock(totals[path], unlocks) }));
}

function zero(): PathOperations {
  return { ecdsaP256Verify: 0, ed25519Verify: 0, ed25519Sign: 0, ecdhP256: 0, p256KeyGen: 0 };
}

function perUnlock(total: PathOperations, unlocks: number): PathOperations {
  const out = zero();
  for (const key of Object.keys(total) as (keyof PathOperations)[]) out[key] = total[key] / unlocks;
  return out;
}
