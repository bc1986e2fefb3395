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
import { verifyLockUpdate } from '../protocol/lock-update.ts';
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

export class Wallet {
  readonly holder: HolderSigner;
  readonly trustedIssuers: TrustedIssuerKey[];
  private readonly crypto: CryptoProvider;
  readonly credentials: WalletCredential[] = [];
  private readonly certificates = new Map<string, { bytes: Uint8Array; cert?: LockCertificate }>();
  private readonly updates = new Map<string, { version: number; bytes: Uint8Array }>();
  readonly tickets = new Map<string, ResumptionTicket>();
  /** Locks known to hold this phone's credential in their cache: value = credential hash hex. */
  readonly cachedAt = new Map<string, string>();

  constructor(options: { crypto: CryptoProvider; holder: HolderSigner; trustedIssuers: TrustedIssuerKey[] }) {
    this.crypto = options.crypto;
    this.holder = options.holder;
    this.trustedIssuers = options.trustedIssuers;
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

  /** Keeps the newest signed update per lock, to hand over on the next visit. */
  carryUpdate(bytes: Uint8Array): void {
    const update = verifyLockUpdate(this.crypto, bytes, this.trustedIssuers);
    const key = toHex(update.lockId);
    const held = this.updates.get(key);
    if (held === undefined || held.version < update.version) this.updates.set(key, { version: update.version, bytes });
  }

  updatesFor(lockId: Uint8Array): Uint8Array[] {
    const held = this.updates.get(toHex(lockId));
    return held ? [held.bytes] : [];
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
