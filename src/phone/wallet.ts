/**
 * The phone's wallet: holder key, credentials (bytes + parsed claims), certificates of the locks
 * they open, updates to carry to locks (piggyback), resumption tickets per lock and which locks
 * have a credential cached (so the hash suffices).
 */
import { equalBytes, toHex } from '../protocol/bytes.ts';
import { parseCredential, type CredentialClaims } from '../protocol/credential.ts';
import { p256SecretFromSeed, type CryptoProvider } from '../protocol/crypto/provider.ts';
import type { TrustedIssuerKey } from '../protocol/issuer-keys.ts';
import { verifyLockCertificate, type LockCertificate } from '../protocol/lock-cert.ts';
import { compareUpdateVersions, epochOf, verifyLockUpdate } from '../protocol/lock-update.ts';
import { piggybackBytesMax } from '../protocol/unlock/messages.ts';
import type { RandomSource } from '../protocol/random.ts';
import type { HolderSigner, ResumptionTicket } from '../protocol/unlock/phone-exchange.ts';

export interface WalletCredential {
  bytes: Uint8Array;
  claims: CredentialClaims;
}

/** A software holder key (simulated secure element); the web app uses a WebCrypto key instead. */
export function softwareHolder(crypto: CryptoProvider, random: RandomSource): HolderSigner {
  const secret = p256SecretFromSeed(random(48));
  return { publicKey: crypto.publicKeyOf('ES256', secret), sign: (message) => crypto.sign('ES256', secret, message) };
}

interface HeldUpdate {
  epoch: number;
  version: number;
  bytes: Uint8Array;
}

export class Wallet {
  readonly holder: HolderSigner;
  readonly trustedIssuers: TrustedIssuerKey[];
  private readonly crypto: CryptoProvider;
  readonly credentials: WalletCredential[] = [];
  private readonly certificates = new Map<string, { bytes: Uint8Array; cert?: LockCertificate }>();
  /** Per lock: the newest update under an administration key and under a credential key. */
  private readonly updates = new Map<string, Partial<Record<'administrative' | 'routine', HeldUpdate>>>();
  /** Lock-administration public keys (what verifies administration updates); may equal trustedIssuers. */
  readonly updateKeys: TrustedIssuerKey[];
  readonly tickets = new Map<string, ResumptionTicket>();
  /** Per lock: visits on which the reset and the routine update did not fit together (they alternate). */
  private readonly crowdedVisits = new Map<string, number>();
  /** Locks known to hold this phone's credential in their cache: value = credential hash hex. */
  readonly cachedAt = new Map<string, string>();

  constructor(options: { crypto: CryptoProvider; holder: HolderSigner; trustedIssuers: TrustedIssuerKey[]; updateKeys?: TrustedIssuerKey[] }) {
    this.crypto = options.crypto;
    this.holder = options.holder;
    this.trustedIssuers = options.trustedIssuers;
    this.updateKeys = options.updateKeys ?? options.trustedIssuers;
  }

  addCredential(bytes: Uint8Array): WalletCredential {
    const { claims } = parseCredential(bytes);
    const entry = { bytes, claims };
    this.credentials.push(entry);
    return entry;
  }

  removeCredential(credentialId: Uint8Array): void {
    const index = this.credentials.findIndex((entry) => equalBytes(entry.claims.credentialId, credentialId));
    if (index >= 0) this.credentials.splice(index, 1);
  }

  addLockCertificate(bytes: Uint8Array, lockId: Uint8Array): void {
    this.certificates.set(toHex(lockId), { bytes });
  }

  /**
   * The verified certificate of a lock: the signature is checked once, the expiry at every use (a
   * certificate that expires while the phone holds it stops being used).
   */
  lockCertificate(lockId: Uint8Array, nowS: number): LockCertificate | undefined {
    const entry = this.certificates.get(toHex(lockId));
    if (entry === undefined) return undefined;
    entry.cert ??= verifyLockCertificate(this.crypto, entry.bytes, this.trustedIssuers, nowS);
    if (nowS >= entry.cert.expiresAtS) return undefined;
    return equalBytes(entry.cert.lockId, lockId) ? entry.cert : undefined;
  }

  /**
   * Keeps, per lock, the newest administration update and the newest routine update, to hand over
   * on the next visit (a lock that missed a reset needs it before the routine updates of its epoch).
   */
  carryUpdate(bytes: Uint8Array): void {
    const authority = this.authorityOf(bytes);
    const update = authority === 'administrative' ? verifyLockUpdate(this.crypto, bytes, this.updateKeys) : verifyLockUpdate(this.crypto, bytes, this.trustedIssuers);
    const key = toHex(update.lockId);
    const slots = this.updates.get(key) ?? {};
    const next = { epoch: epochOf(update), version: update.version, bytes };
    const held = slots[authority];
    if (held === undefined || compareUpdateVersions(held, next) < 0) slots[authority] = next;
    this.updates.set(key, slots);
  }

  /** Which key set signed an update (administration first: one key set in both roles is administrative). */
  private authorityOf(bytes: Uint8Array): 'administrative' | 'routine' {
    try {
      verifyLockUpdate(this.crypto, bytes, this.updateKeys);
      return 'administrative';
    } catch {
      return 'routine';
    }
  }

  /**
   * What to piggyback, in the order the lock applies it: the administration update, then the
   * routine update when it is newer and both fit `piggybackBytesMax`. When they do not fit, visits
   * alternate between them (reset first): the phone cannot know whether the lock already holds the
   * reset, and always sending the reset alone would starve a lock that has it of every later
   * routine update — revocations included (attack 12, F1). The turn is the visit count plus the
   * minute (`nowS`), so a phone that rebuilds its wallet on every page load alternates too.
   */
  updatesFor(lockId: Uint8Array, nowS = 0): Uint8Array[] {
    const key = toHex(lockId);
    const slots = this.updates.get(key);
    if (slots === undefined) return [];
    const { administrative, routine } = slots;
    if (administrative === undefined) return routine ? [routine.bytes] : [];
    if (routine === undefined || compareUpdateVersions(routine, administrative) <= 0) return [administrative.bytes];
    if (administrative.bytes.length + routine.bytes.length <= piggybackBytesMax) return [administrative.bytes, routine.bytes];
    const visit = this.crowdedVisits.get(key) ?? 0;
    this.crowdedVisits.set(key, visit + 1);
    return (visit + Math.floor(nowS / 60)) % 2 === 0 ? [administrative.bytes] : [routine.bytes];
  }

  /** The best credential for a door: in scope, the highest supersede sequence. */
  credentialFor(lockId: Uint8Array): WalletCredential | undefined {
    let best: { entry: WalletCredential; sequence: number } | undefined;
    for (const entry of this.credentials) {
      const door = entry.claims.doors.find((d) => equalBytes(d.lockId, lockId));
      if (door !== undefined && (best === undefined || door.sequence > best.sequence)) best = { entry, sequence: door.sequence };
    }
    return best?.entry;
  }
}
