/**
 * An in-memory issuer: keys, lock provisioning, credential grants with per-door supersede
 * sequences, revocation, and signed per-lock updates. The demo and tests use it directly; the API
 * server (src/server) keeps the same bookkeeping in SQLite.
 *
 * Two keys (docs/PROTOCOL.md §8.1): the credential key signs credentials, certificates and routine
 * updates (revocation snapshot, floor, ceiling, in the door's current epoch); the administration key
 * (`adminRandom` given) signs time syncs and resets (a new epoch). Without `adminRandom` the one key
 * plays both roles, as a lock provisioned before the split would have it.
 */
import { toHex } from '../protocol/bytes.ts';
import { issueCredential, type CredentialClaims } from '../protocol/credential.ts';
import { p256SecretFromSeed, type CryptoProvider, type SignatureAlgorithm } from '../protocol/crypto/provider.ts';
import { makeIssuerKey, publicPart, type IssuerSigningKey, type TrustedIssuerKey } from '../protocol/issuer-keys.ts';
import { issueLockCertificate } from '../protocol/lock-cert.ts';
import { issueLockUpdate, type RevocationEntry } from '../protocol/lock-update.ts';
import { limits } from '../protocol/limits.ts';
import type { RandomSource } from '../protocol/random.ts';
import type { LockIdentity } from '../../firmware-model/config.ts';

export interface ProvisionedLock {
  identity: LockIdentity;
  certificate: Uint8Array;
  name: string;
}

export interface GrantRequest {
  subject: string;
  holderKey: Uint8Array;
  lockIds: Uint8Array[];
  notBeforeS: number;
  expiresAtS: number;
  /** A new occupant: bump each door's supersede sequence so earlier credentials die. */
  supersede?: boolean;
}

export class InMemoryIssuer {
  readonly name: string;
  readonly key: IssuerSigningKey;
  /** Signs lock-administration updates (time, resets); the credential key when there is no separate one. */
  readonly adminKey: IssuerSigningKey;
  private readonly crypto: CryptoProvider;
  private readonly random: RandomSource;
  private readonly doorSequences = new Map<string, number>();
  private readonly updateVersions = new Map<string, number>();
  private readonly updateEpochs = new Map<string, number>();
  /** The floor of each door's last reset: every later update carries it (an administration update of a newer epoch sets the lock's floor absolutely). */
  private readonly resetFloors = new Map<string, number>();
  private readonly revocations: RevocationEntry[] = [];
  private readonly credentialDoors = new Map<string, string[]>();

  constructor(options: { crypto: CryptoProvider; random: RandomSource; name?: string; algorithm?: SignatureAlgorithm; adminRandom?: RandomSource }) {
    this.crypto = options.crypto;
    this.random = options.random;
    this.name = options.name ?? 'https://latchkey.invalid/issuer';
    const algorithm = options.algorithm ?? 'EdDSA';
    const secret = algorithm === 'EdDSA' ? this.random(32) : p256SecretFromSeed(this.random(48));
    this.key = makeIssuerKey(this.crypto, algorithm, secret, this.random(8));
    // Its own random stream: the credential side's draws (and so every seeded trace) stay as they were.
    this.adminKey = options.adminRandom ? makeIssuerKey(this.crypto, 'EdDSA', options.adminRandom(32), options.adminRandom(8)) : this.key;
  }

  get trusted(): TrustedIssuerKey[] {
    return [publicPart(this.key)];
  }

  /** What locks verify administration updates with (and phones sort carried updates by). */
  get updateKeys(): TrustedIssuerKey[] {
    return [publicPart(this.adminKey)];
  }

  /** `versions`: what the lock is configured to run; its certificate names them (phones refuse a challenge offering others). */
  provisionLock(name: string, nowS: number, lockId: Uint8Array = this.random(8), versions?: number, signingAlgorithm: SignatureAlgorithm = 'EdDSA'): ProvisionedLock {
    const signingSecret = signingAlgorithm === 'ES256' ? p256SecretFromSeed(this.random(48)) : this.random(32);
    const identity: LockIdentity = { lockId, signingSecret, agreementSecret: p256SecretFromSeed(this.random(48)), ...(signingAlgorithm === 'ES256' ? { signingAlgorithm } : {}) };
    const certificate = issueLockCertificate(this.crypto, this.key, {
      issuer: this.name,
      lockId,
      signingKey: this.crypto.publicKeyOf(signingAlgorithm, identity.signingSecret),
      signingAlgorithm,
      agreementKey: this.crypto.publicKeyOf('ES256', identity.agreementSecret),
      ...(versions !== undefined ? { versions } : {}),
      issuedAtS: nowS,
      expiresAtS: nowS + 5 * 365 * 86400,
    });
    this.doorSequences.set(toHex(lockId), 1);
    return { identity, certificate, name };
  }

  /**
   * A credential for the request. `updates`: for a superseding grant, each door's signed update
   * carrying the new ceiling, which the phone must carry with the credential (so its first unlock
   * may raise the lock's floor).
   */
  grant(request: GrantRequest, nowS: number): { credential: Uint8Array; claims: CredentialClaims; updates: Uint8Array[] } {
    const doors = request.lockIds.map((lockId) => {
      const key = toHex(lockId);
      const sequence = (this.doorSequences.get(key) ?? 1) + (request.supersede ? 1 : 0);
      this.doorSequences.set(key, sequence);
      // A new ceiling is news for the lock: the next update it is given says so.
      if (request.supersede) this.bumpVersion(key);
      return { lockId, sequence };
    });
    const claims: CredentialClaims = {
      issuer: this.name,
      subject: request.subject,
      credentialId: this.random(16),
      notBeforeS: request.notBeforeS,
      expiresAtS: request.expiresAtS,
      issuedAtS: nowS,
      holderKey: request.holderKey,
      grantId: this.random(16),
      doors,
    };
    this.credentialDoors.set(toHex(claims.credentialId), request.lockIds.map(toHex));
    const updates = request.supersede ? request.lockIds.map((lockId) => this.updateFor(lockId, nowS)) : [];
    return { credential: issueCredential(this.crypto, this.key, claims), claims, updates };
  }

  revoke(claims: CredentialClaims): void {
    this.revocations.push({ credentialId: claims.credentialId, expiresAtS: claims.expiresAtS });
    for (const door of claims.doors) this.bumpVersion(toHex(door.lockId));
  }

  private bumpVersion(lockHex: string): number {
    const version = (this.updateVersions.get(lockHex) ?? 0) + 1;
    this.updateVersions.set(lockHex, version);
    return version;
  }

  /**
   * The current signed update for one lock (what phones carry and maintenance syncs push): routine,
   * under the credential key, unless it carries time (administration key).
   */
  updateFor(lockId: Uint8Array, nowS: number, options: { timeS?: number; version?: number } = {}): Uint8Array {
    const lockHex = toHex(lockId);
    const version = options.version ?? this.updateVersions.get(lockHex) ?? this.bumpVersion(lockHex);
    const key = options.timeS !== undefined ? this.adminKey : this.key;
    return issueLockUpdate(this.crypto, key, { ...this.doorState(lockHex, nowS), issuer: this.name, issuedAtS: nowS, lockId, version, ...(options.timeS !== undefined ? { timeS: options.timeS } : {}) });
  }

  /** A fresh version with a time sync (maintenance path; administration key). */
  timeSync(lockId: Uint8Array, nowS: number, timeS: number): Uint8Array {
    return this.updateFor(lockId, nowS, { timeS, version: this.bumpVersion(toHex(lockId)) });
  }

  /**
   * An administration reset: the door's next epoch, its floor, ceiling and revocation snapshot set
   * absolutely (undoing whatever routine updates signed with a stolen credential key did). The
   * floor is the door's top sequence: every credential below it was superseded when it was issued
   * (the lock would shut it out at the newest occupant's first unlock; the reset does so at once,
   * never letting back in an occupant the lock had already shut out). Routine updates after it carry
   * the new epoch.
   */
  reset(lockId: Uint8Array, nowS: number): Uint8Array {
    const lockHex = toHex(lockId);
    this.updateEpochs.set(lockHex, (this.updateEpochs.get(lockHex) ?? 0) + 1);
    const version = this.bumpVersion(lockHex);
    this.resetFloors.set(lockHex, this.doorSequences.get(lockHex) ?? 1);
    return issueLockUpdate(this.crypto, this.adminKey, { ...this.doorState(lockHex, nowS), issuer: this.name, issuedAtS: nowS, lockId, version });
  }

  /** What every update of the door says: its epoch, revocation snapshot and ceiling. */
  private doorState(lockHex: string, nowS: number) {
    return {
      epoch: this.updateEpochs.get(lockHex) ?? 0,
      revoked: this.revocations.filter((entry) => entry.expiresAtS + limits.revocationRetentionS > nowS && (this.credentialDoors.get(toHex(entry.credentialId)) ?? []).includes(lockHex)),
      // Not 0: a time sync (administration key) reaching a lock that missed the reset is a reset itself (attack 12, F4).
      sequenceFloor: this.resetFloors.get(lockHex) ?? 0,
      sequenceCeiling: this.doorSequences.get(lockHex) ?? 1,
    };
  }
}

