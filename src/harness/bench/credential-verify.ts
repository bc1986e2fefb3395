/**
 * Full credential verify, the lock's public-key hot path for a first unlock: parse (canonical
 * CBOR, COSE rules, claims) + issuer signature + holder proof-of-possession (ES256 over a
 * transcript). Inputs vary in door count and subject length; measured per crypto provider, in
 * operations per user-CPU second (cpu-rate.ts). Each case has its own holder key.
 */
import { parseCredential, verifyCredentialSignature, issueCredential } from '../../protocol/credential.ts';
import { p256SecretFromSeed, type CryptoProvider, type SignatureAlgorithm } from '../../protocol/crypto/provider.ts';
import { makeIssuerKey, publicPart } from '../../protocol/issuer-keys.ts';
import { createSeededRandom } from '../../protocol/random.ts';
import { holderSignedBytes } from '../../protocol/unlock/key-schedule.ts';
import { measureOnce, measureRate, type Rate } from './cpu-rate.ts';

export interface VerifyCase {
  credential: Uint8Array;
  transcript: Uint8Array;
  holderSignature: Uint8Array;
}

export function makeVerifyCases(crypto: CryptoProvider, issuerAlgorithm: SignatureAlgorithm, count: number, seed: number): { cases: VerifyCase[]; trusted: ReturnType<typeof publicPart>[] } {
  const random = createSeededRandom(seed);
  const issuerSecret = issuerAlgorithm === 'EdDSA' ? random.bytes(32) : p256SecretFromSeed(random.bytes(48));
  const issuer = makeIssuerKey(crypto, issuerAlgorithm, issuerSecret, random.bytes(8));
  const cases: VerifyCase[] = [];
  for (let i = 0; i < count; i++) {
    const holderSecret = p256SecretFromSeed(random.bytes(48));
    const doors = Array.from({ length: 1 + random.below(8) }, () => ({ lockId: random.bytes(8), sequence: random.below(1000) }));
    const credential = issueCredential(crypto, issuer, {
      issuer: 'https://latchkey.invalid/issuer',
      subject: `user-${random.bytes(1 + random.below(20)).join('')}`.slice(0, 64),
      credentialId: random.bytes(16),
      notBeforeS: 1_790_000_000,
      expiresAtS: 1_790_000_000 + 86400 * (1 + random.below(30)),
      issuedAtS: 1_790_000_000,
      holderKey: crypto.publicKeyOf('ES256', holderSecret),
      grantId: random.bytes(16),
      doors,
    });
    const transcript = holderSignedBytes(random.bytes(32), crypto.sha256(credential), 1);
    cases.push({ credential, transcript, holderSignature: crypto.sign('ES256', holderSecret, transcript) });
  }
  return { cases, trusted: [publicPart(issuer)] };
}

/** One full verify; throws if anything fails (a benchmark of a failing path would be meaningless). */
export function verifyOnce(crypto: CryptoProvider, trusted: ReturnType<typeof publicPart>[], input: VerifyCase): void {
  const credential = parseCredential(input.credential);
  verifyCredentialSignature(crypto, credential, trusted);
  if (!crypto.verify('ES256', credential.claims.holderKey, input.transcript, input.holderSignature)) throw new Error('holder proof failed in benchmark');
}

/**
 * First-unlock verify as a lock meets it: `crypto` is a provider that has seen nothing yet; one
 * warm-up case imports the issuer key (a lock holds its trusted issuers), then every case is
 * verified exactly once, so each holder key is imported for the first time, as on a first unlock.
 * `cases` must have distinct holder keys (makeVerifyCases draws one per case).
 */
export function firstUnlockVerifyRate(crypto: CryptoProvider, trusted: ReturnType<typeof publicPart>[], warm: VerifyCase, cases: readonly VerifyCase[]): Rate {
  verifyOnce(crypto, trusted, warm);
  return measureOnce(cases, (input) => verifyOnce(crypto, trusted, input));
}

/**
 * The old figure, kept beside it and labelled: `cases` cycled for `durationMs`, so from the second
 * pass on the provider has every holder key imported (a cache a lock meeting new phones lacks).
 */
export function cachedVerifyRate(crypto: CryptoProvider, trusted: ReturnType<typeof publicPart>[], cases: readonly VerifyCase[], durationMs: number): Rate {
  return measureRate(cases, durationMs, (input) => verifyOnce(crypto, trusted, input));
}
