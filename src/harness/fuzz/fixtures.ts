/**
 * Everything the fuzz targets start from, derived from the run seed: two trusted issuers (EdDSA
 * and ES256), a holder key, the lock under test and its certificate, valid credentials of several
 * shapes (smallest, largest, unicode), signed lock updates, and valid protocol messages.
 */
import { Lock } from '../../../firmware-model/lock.ts';
import type { LockConfig, LockIdentity } from '../../../firmware-model/config.ts';
import { issueCredential, type CredentialClaims } from '../../protocol/credential.ts';
import { createNodeProvider } from '../../protocol/crypto/node.ts';
import { p256SecretFromSeed, type CryptoProvider } from '../../protocol/crypto/provider.ts';
import { makeIssuerKey, publicPart, type IssuerSigningKey, type TrustedIssuerKey } from '../../protocol/issuer-keys.ts';
import { issueLockCertificate, type LockCertificate } from '../../protocol/lock-cert.ts';
import { issueLockUpdate, type LockUpdate } from '../../protocol/lock-update.ts';
import { createSeededRandom, type SeededRandom } from '../../protocol/random.ts';
import { challengeForm, challengeSignedBytes, encodeChallenge } from '../../protocol/unlock/challenge.ts';
import { supportedVersions } from '../../protocol/unlock/versions.ts';
import { encodeResult, encodeSealedInner } from '../../protocol/unlock/messages.ts';
import { buildFullRequest, buildResumeRequest, type HolderSigner } from '../../protocol/unlock/phone-exchange.ts';

/** 2026-11-23T12:00:00Z (the radio's default epoch), in seconds. */
export const fuzzEpochS = Math.floor(Date.UTC(2026, 10, 23, 12, 0, 0) / 1000);

export interface IssuedCredential {
  claims: CredentialClaims;
  bytes: Uint8Array;
  issuer: IssuerSigningKey;
}

export interface FuzzFixtures {
  crypto: CryptoProvider;
  random: SeededRandom;
  edIssuer: IssuerSigningKey;
  esIssuer: IssuerSigningKey;
  trusted: TrustedIssuerKey[];
  holder: HolderSigner;
  identity: LockIdentity;
  certificate: LockCertificate;
  certificateBytes: Uint8Array;
  credentials: IssuedCredential[];
  updates: { update: LockUpdate; bytes: Uint8Array }[];
  /** Valid encoded messages by decoder name. */
  messages: Record<'decodeChallenge' | 'decodeRequest' | 'decodeSealedInner' | 'decodeResult', Uint8Array[]>;
}

export function issuerByKid(fixtures: FuzzFixtures, kid: Uint8Array): IssuerSigningKey | undefined {
  return [fixtures.edIssuer, fixtures.esIssuer].find((issuer) => issuer.kid.length === kid.length && issuer.kid.every((byte, i) => byte === kid[i]));
}

export async function buildFixtures(seed: number): Promise<FuzzFixtures> {
  const crypto = createNodeProvider();
  const random = createSeededRandom(seed).fork('fuzz-fixtures');
  const edIssuer = makeIssuerKey(crypto, 'EdDSA', random.bytes(32), random.bytes(8));
  const esIssuer = makeIssuerKey(crypto, 'ES256', p256SecretFromSeed(random.bytes(48)), random.bytes(8));
  const holderSecret = p256SecretFromSeed(random.bytes(48));
  const holder: HolderSigner = { publicKey: crypto.publicKeyOf('ES256', holderSecret), sign: (message) => crypto.sign('ES256', holderSecret, message) };
  const identity: LockIdentity = { lockId: random.bytes(8), signingSecret: random.bytes(32), agreementSecret: p256SecretFromSeed(random.bytes(48)) };
  const certificate: LockCertificate = {
    issuer: 'https://latchkey.invalid/issuer',
    lockId: identity.lockId,
    signingKey: crypto.publicKeyOf('EdDSA', identity.signingSecret),
    agreementKey: crypto.publicKeyOf('ES256', identity.agreementSecret),
    versions: supportedVersions,
    issuedAtS: fuzzEpochS - 86400,
    expiresAtS: fuzzEpochS + 365 * 86400,
  };
  const credentials = credentialShapes(random, holder.publicKey, identity.lockId).map((claims, index) => {
    const issuer = index === 0 ? esIssuer : edIssuer;
    return { claims, issuer, bytes: issueCredential(crypto, issuer, claims) };
  });
  const updates = updateShapes(random, identity.lockId, esIssuer).map((update) => ({ update, bytes: issueLockUpdate(crypto, edIssuer, update) }));
  const fixtures: FuzzFixtures = {
    crypto,
    random,
    edIssuer,
    esIssuer,
    trusted: [publicPart(edIssuer), publicPart(esIssuer)],
    holder,
    identity,
    certificate,
    certificateBytes: issueLockCertificate(crypto, edIssuer, certificate),
    credentials,
    updates,
    messages: { decodeChallenge: [], decodeRequest: [], decodeSealedInner: [], decodeResult: [] },
  };
  await addMessages(fixtures);
  return fixtures;
}

function credentialShapes(random: SeededRandom, holderKey: Uint8Array, lockId: Uint8Array): CredentialClaims[] {
  const base: CredentialClaims = {
    issuer: 'https://latchkey.invalid/issuer',
    subject: 'guest-1',
    credentialId: random.bytes(16),
    notBeforeS: fuzzEpochS - 3600,
    expiresAtS: fuzzEpochS + 86400,
    issuedAtS: fuzzEpochS - 3600,
    holderKey,
    grantId: random.bytes(16),
    doors: [{ lockId, sequence: 1 }],
  };
  const otherDoors = Array.from({ length: 15 }, (_, i) => ({ lockId: random.bytes(1 + (i % 16)), sequence: i === 0 ? 0 : 0xffffffff - i }));
  return [
    base,
    { ...base, credentialId: random.bytes(16) },
    { ...base, credentialId: random.bytes(16), issuer: 'i'.repeat(64), subject: 's'.repeat(64), doors: [...otherDoors, { lockId, sequence: 0xffffffff }], expiresAtS: 0xffffffff },
    { ...base, credentialId: random.bytes(16), issuer: 'i', subject: 'é😀', grantId: random.bytes(1), notBeforeS: 0, expiresAtS: 1, issuedAtS: 0, doors: [{ lockId: lockId.subarray(0, 1), sequence: 0 }] },
  ];
}

function updateShapes(random: SeededRandom, lockId: Uint8Array, extraIssuer: IssuerSigningKey): LockUpdate[] {
  const base: LockUpdate = { issuer: 'https://latchkey.invalid/issuer', issuedAtS: fuzzEpochS, lockId, version: 2, revoked: [], sequenceFloor: 0 };
  return [
    base,
    { ...base, version: 3, revoked: [{ credentialId: random.bytes(16), expiresAtS: fuzzEpochS + 600 }, { credentialId: random.bytes(16), expiresAtS: 0xffffffff }], sequenceFloor: 2, timeS: fuzzEpochS },
    { ...base, version: 0xffffffff, issuers: [publicPart(extraIssuer)] },
    { ...base, version: 1, sequenceFloor: 3, sequenceCeiling: 9, updateKeys: [publicPart(extraIssuer)], epoch: 0xffffffff },
  ];
}

async function addMessages(fixtures: FuzzFixtures): Promise<void> {
  const { crypto, random, messages } = fixtures;
  const challenge = encodeChallenge({ form: challengeForm.commit, lockVersions: supportedVersions, commitment: random.bytes(19) });
  const lockEphemeralKey = crypto.publicKeyOf('ES256', p256SecretFromSeed(random.bytes(48)));
  const keyed = encodeChallenge({ form: challengeForm.key, lockVersions: supportedVersions, lockEphemeralKey });
  const signed = encodeChallenge({ form: challengeForm.signed, lockVersions: supportedVersions, lockEphemeralKey, lockSignature: crypto.sign('EdDSA', fixtures.identity.signingSecret, challengeSignedBytes(fixtures.identity.lockId, supportedVersions, lockEphemeralKey)) });
  messages.decodeChallenge.push(challenge, keyed, signed, encodeChallenge({ form: challengeForm.commit, lockVersions: 0xff, commitment: new Uint8Array(19) }));
  const credential = fixtures.credentials[1]!.bytes;
  const full = await buildFullRequest({ crypto, random: (n) => random.bytes(n), lock: fixtures.certificate, challengeBytes: challenge, credential, sendHashOnly: false, holder: fixtures.holder, updates: [fixtures.updates[1]!.bytes] });
  const hashOnly = await buildFullRequest({ crypto, random: (n) => random.bytes(n), lock: fixtures.certificate, challengeBytes: signed, credential, sendHashOnly: true, holder: fixtures.holder, updates: [] });
  const ticket = { lockId: fixtures.identity.lockId, lockVersions: supportedVersions, resumption: random.bytes(32), counter: 0, expiresAtS: fuzzEpochS + 3600 };
  messages.decodeRequest.push(full.message, hashOnly.message, buildResumeRequest(crypto, ticket, challenge, [fixtures.updates[0]!.bytes]).message, buildResumeRequest(crypto, ticket, challenge, []).message);
  const signature = random.bytes(64);
  messages.decodeSealedInner.push(
    encodeSealedInner({ action: 1, holderSignature: signature, updates: [fixtures.updates[0]!.bytes], credentialOrHash: credential }),
    encodeSealedInner({ action: 1, holderSignature: signature, updates: [], credentialOrHash: crypto.sha256(credential) }),
  );
  messages.decodeResult.push(
    encodeResult({ type: 0 }),
    encodeResult({ type: 1, status: 0x3b }),
    encodeResult({ type: 1, status: 0, lockEphemeralKey: random.bytes(33), sealed: random.bytes(90) }),
    encodeResult({ type: 1, status: 0, sealed: random.bytes(90) }),
    encodeResult({ type: 2, status: 0, mac: random.bytes(16) }),
    encodeResult({ type: 2, status: 0x3d }),
  );
}

/** A fresh lock under test (same identity every case; randomness from the case stream). */
export function newLock(fixtures: FuzzFixtures, random: SeededRandom, config: Partial<LockConfig>, trusted: TrustedIssuerKey[] = fixtures.trusted): Lock {
  return new Lock({ identity: fixtures.identity, trustedIssuers: trusted, crypto: fixtures.crypto, random: (n) => random.bytes(n), config });
}
