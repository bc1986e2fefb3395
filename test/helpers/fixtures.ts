/**
 * Deterministic test fixtures: issuer keys, holder keys, lock identities and certificates, and
 * credential claims, all derived from a seeded random stream so every run uses the same bytes.
 * The node provider is the default (fast); provider-agreement tests build their own.
 */
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { p256SecretFromSeed, type CryptoProvider, type SignatureAlgorithm } from '../../src/protocol/crypto/provider.ts';
import type { CredentialClaims } from '../../src/protocol/credential.ts';
import { isLatchkeyError, type ErrorCode } from '../../src/protocol/errors.ts';
import { makeIssuerKey, publicPart, type IssuerSigningKey, type TrustedIssuerKey } from '../../src/protocol/issuer-keys.ts';
import { issueLockCertificate, type LockCertificate } from '../../src/protocol/lock-cert.ts';
import { createSeededRandom, type SeededRandom } from '../../src/protocol/random.ts';
import type { HolderSigner } from '../../src/protocol/unlock/phone-exchange.ts';
import { supportedVersions } from '../../src/protocol/unlock/versions.ts';
import type { LockIdentity } from '../../firmware-model/config.ts';

export const nodeCrypto: CryptoProvider = createNodeProvider();

/** 2026-11-23T12:00:00Z, the radio's default epoch, in seconds. */
export const epochS = Math.floor(Date.UTC(2026, 10, 23, 12, 0, 0) / 1000);

export function seeded(seed: number, label: string): SeededRandom {
  return createSeededRandom(seed).fork(label);
}

export function makeIssuer(crypto: CryptoProvider, algorithm: SignatureAlgorithm, random: SeededRandom, kid?: Uint8Array): IssuerSigningKey {
  const secret = algorithm === 'EdDSA' ? random.bytes(32) : p256SecretFromSeed(random.bytes(48));
  return makeIssuerKey(crypto, algorithm, secret, kid ?? random.bytes(8));
}

export function trustedOf(...keys: IssuerSigningKey[]): TrustedIssuerKey[] {
  return keys.map(publicPart);
}

export interface Holder extends HolderSigner {
  secret: Uint8Array;
}

export function makeHolder(crypto: CryptoProvider, random: SeededRandom): Holder {
  const secret = p256SecretFromSeed(random.bytes(48));
  return { secret, publicKey: crypto.publicKeyOf('ES256', secret), sign: (message: Uint8Array) => crypto.sign('ES256', secret, message) };
}

export function makeLockIdentity(random: SeededRandom, lockId?: Uint8Array): LockIdentity {
  return { lockId: lockId ?? random.bytes(8), signingSecret: random.bytes(32), agreementSecret: p256SecretFromSeed(random.bytes(48)) };
}

export function lockCertificateOf(crypto: CryptoProvider, identity: LockIdentity, nowS = epochS): LockCertificate {
  return {
    issuer: 'https://issuer.test',
    lockId: identity.lockId,
    signingKey: crypto.publicKeyOf('EdDSA', identity.signingSecret),
    agreementKey: crypto.publicKeyOf('ES256', identity.agreementSecret),
    versions: supportedVersions,
    issuedAtS: nowS,
    expiresAtS: nowS + 365 * 86400,
  };
}

export function issueCertificateBytes(crypto: CryptoProvider, issuer: IssuerSigningKey, identity: LockIdentity, nowS = epochS): Uint8Array {
  return issueLockCertificate(crypto, issuer, lockCertificateOf(crypto, identity, nowS));
}

export function sampleClaims(random: SeededRandom, holderKey: Uint8Array, overrides: Partial<CredentialClaims> = {}): CredentialClaims {
  return {
    issuer: 'https://issuer.test',
    subject: 'guest-1',
    credentialId: random.bytes(16),
    notBeforeS: epochS - 60,
    expiresAtS: epochS + 86400,
    issuedAtS: epochS - 60,
    holderKey,
    grantId: random.bytes(16),
    doors: [{ lockId: random.bytes(8), sequence: 1 }],
    ...overrides,
  };
}

/** The stable error code `run` throws, or undefined when it returns (anything not a LatchkeyError is rethrown). */
export function codeOf(run: () => unknown): ErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (isLatchkeyError(error)) return error.code;
    throw error;
  }
  return undefined;
}
