/**
 * A lock driven directly (no radio) plus a pool of credentials and signed updates around it, for
 * the model-based and power-cut tests. Everything derives from one seed; times are relative to
 * `epochMs` (the radio's default epoch), which is also the lock's start time.
 */
import { Lock, type LockOutput } from '../../firmware-model/lock.ts';
import type { LockConfig } from '../../firmware-model/config.ts';
import type { NvStorage } from '../../firmware-model/nv.ts';
import { issueCredential, type CredentialClaims } from '../../src/protocol/credential.ts';
import type { IssuerSigningKey } from '../../src/protocol/issuer-keys.ts';
import type { LockCertificate } from '../../src/protocol/lock-cert.ts';
import { issueLockUpdate, type RevocationEntry } from '../../src/protocol/lock-update.ts';
import { epochS, lockCertificateOf, makeHolder, makeIssuer, makeLockIdentity, nodeCrypto, sampleClaims, seeded, trustedOf, type Holder } from './fixtures.ts';
import type { LockIdentity } from '../../firmware-model/config.ts';

export const epochMs = epochS * 1000;

export interface PoolCredential {
  name: string;
  bytes: Uint8Array;
  claims: CredentialClaims;
  /** Signed by a key the lock trusts. */
  trustedIssuer: boolean;
  /** The phone's holder key is the credential's cnf key. */
  holderMatches: boolean;
}

export interface PoolUpdate {
  name: string;
  bytes: Uint8Array;
  trusted: boolean;
  lockId: Uint8Array;
  version: number;
  revoked: RevocationEntry[];
  sequenceFloor: number;
}

export interface LockBench {
  crypto: typeof nodeCrypto;
  issuer: IssuerSigningKey;
  identity: LockIdentity;
  otherLockId: Uint8Array;
  cert: LockCertificate;
  holder: Holder;
  credentials: PoolCredential[];
  updates: PoolUpdate[];
  makeLock(options?: { config?: Partial<LockConfig>; nv?: NvStorage; seed?: number }): Lock;
}

export function makeLockBench(seed: number): LockBench {
  const crypto = nodeCrypto;
  const random = seeded(seed, 'bench');
  const issuer = makeIssuer(crypto, 'EdDSA', random.fork('issuer'));
  const rogue = makeIssuer(crypto, 'EdDSA', random.fork('rogue'), issuer.kid); // same kid, untrusted key
  const identity = makeLockIdentity(random.fork('lock'));
  const otherLockId = random.bytes(8);
  const holder = makeHolder(crypto, random.fork('holder'));
  const stranger = makeHolder(crypto, random.fork('stranger'));
  const door = (sequence: number) => [{ lockId: identity.lockId, sequence }];
  const credential = (name: string, overrides: Partial<CredentialClaims>, options: { signer?: IssuerSigningKey; holderKey?: Uint8Array } = {}): PoolCredential => {
    const claims = sampleClaims(random, options.holderKey ?? holder.publicKey, { subject: name, ...overrides });
    return { name, bytes: issueCredential(crypto, options.signer ?? issuer, claims), claims, trustedIssuer: (options.signer ?? issuer) === issuer, holderMatches: (options.holderKey ?? holder.publicKey) === holder.publicKey };
  };
  const credentials = [
    credential('valid-seq1', { doors: door(1) }),
    credential('valid-seq2', { doors: door(2) }),
    credential('valid-seq3-short', { doors: door(3), notBeforeS: epochS - 60, expiresAtS: epochS + 120 }),
    credential('two-doors', { doors: [{ lockId: otherLockId, sequence: 1 }, { lockId: identity.lockId, sequence: 1 }] }),
    credential('wrong-door', { doors: [{ lockId: otherLockId, sequence: 9 }] }),
    credential('expired', { doors: door(1), notBeforeS: epochS - 86400, expiresAtS: epochS - 3600 }),
    credential('not-yet-valid', { doors: door(1), notBeforeS: epochS + 3600, expiresAtS: epochS + 7200 }),
    credential('rogue-issuer', { doors: door(5) }, { signer: rogue }),
    credential('other-holder', { doors: door(5) }, { holderKey: stranger.publicKey }),
  ];
  const update = (name: string, body: { version: number; revoke?: string[]; floor?: number; lockId?: Uint8Array }, signer: IssuerSigningKey = issuer): PoolUpdate => {
    const revoked = (body.revoke ?? []).map((target) => {
      const claims = credentials.find((entry) => entry.name === target)!.claims;
      return { credentialId: claims.credentialId, expiresAtS: claims.expiresAtS };
    });
    const lockId = body.lockId ?? identity.lockId;
    const bytes = issueLockUpdate(crypto, signer, { issuer: 'https://issuer.test', issuedAtS: epochS, lockId, version: body.version, revoked, sequenceFloor: body.floor ?? 0 });
    return { name, bytes, trusted: signer === issuer, lockId, version: body.version, revoked, sequenceFloor: body.floor ?? 0 };
  };
  const updates = [
    update('v1 revoke valid-seq1', { version: 1, revoke: ['valid-seq1'] }),
    update('v2 revoke short', { version: 2, revoke: ['valid-seq3-short'] }),
    update('v3 floor 2', { version: 3, floor: 2 }),
    update('v4 revoke two-doors, floor 3', { version: 4, revoke: ['two-doors'], floor: 3 }),
    update('v9 other lock', { version: 9, floor: 9, lockId: otherLockId }),
    update('v9 rogue', { version: 9, floor: 9, revoke: ['valid-seq2'] }, rogue),
  ];
  return {
    crypto,
    issuer,
    identity,
    otherLockId,
    cert: lockCertificateOf(crypto, identity),
    holder,
    credentials,
    updates,
    makeLock(options = {}) {
      const lockRandom = seeded(options.seed ?? seed, 'lock-rng');
      return new Lock({ identity, trustedIssuers: trustedOf(issuer), crypto, random: (n) => lockRandom.bytes(n), ...(options.config ? { config: options.config } : {}), ...(options.nv ? { nv: options.nv } : {}) });
    },
  };
}

export const actuations = (outputs: LockOutput[]): number => outputs.filter((output) => output.type === 'actuate').length;

export function readValue(outputs: LockOutput[]): Uint8Array | undefined {
  for (const output of outputs) if (output.type === 'read_response') return output.value;
  return undefined;
}
