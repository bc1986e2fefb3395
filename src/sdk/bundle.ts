/**
 * The credential bundle the server sends on `phones/register` and `sync` (docs/API.md, "Instant Key
 * app endpoints") and what the phone makes of it: a Wallet (src/phone/wallet.ts) and the list of
 * entrances it holds keys for. Shared by every client: the SDK and the Instant Key web app.
 */
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import type { HolderSigner } from '../protocol/unlock/phone-exchange.ts';
import { Wallet } from '../phone/wallet.ts';
import { fromBase64Url } from '../web/base64url.ts';

export interface Bundle {
  device_id: string;
  user_identity_id: string;
  credentials: { credential_id: string; access_grant_id: string; acs_entrance_ids: string[]; expires_at: string; credential: string }[];
  /** `is_shared`: a door other guests use too (lobby, lift, gym). */
  lock_certificates: { acs_entrance_id: string; display_name: string; lock_id: string; certificate: string; is_shared?: boolean }[];
  lock_updates: { acs_entrance_id: string; epoch: number; version: number; update: string }[];
  trusted_issuers: { kid: string; algorithm: 'EdDSA' | 'ES256'; public_key: string }[];
  update_keys?: { kid: string; algorithm: 'EdDSA' | 'ES256'; public_key: string }[];
  customization?: { name?: string; logo_url?: string | null; primary_color?: string | null; secondary_color?: string | null } & Record<string, unknown>;
}

/** One door the phone holds a key for. */
export interface Entrance {
  /** The server's `acs_entrance_id`. */
  entranceId: string;
  displayName: string;
  /** Used by other guests too (lobby, lift, gym). */
  isShared: boolean;
  /** The lock's id (what it advertises). */
  lockId: Uint8Array;
  /** Validity of the best credential for it (seconds since the epoch). */
  notBeforeS: number | undefined;
  expiresAtS: number | undefined;
}

/** A wallet holding the bundle, and its entrances: the guest's own rooms first, then shared doors, each by name. */
export function walletFromBundle(bundle: Bundle, holder: HolderSigner, crypto: CryptoProvider): { wallet: Wallet; entrances: Entrance[] } {
  const keysOf = (keys: Bundle['trusted_issuers']) => keys.map((key) => ({ kid: fromBase64Url(key.kid), algorithm: key.algorithm, publicKey: fromBase64Url(key.public_key) }));
  const wallet = new Wallet({ crypto, holder, trustedIssuers: keysOf(bundle.trusted_issuers), ...(bundle.update_keys ? { updateKeys: keysOf(bundle.update_keys) } : {}) });
  for (const entry of bundle.credentials) {
    try {
      wallet.addCredential(fromBase64Url(entry.credential));
    } catch {
      // A credential that does not parse is not held (the lock would refuse it anyway).
    }
  }
  const entrances: Entrance[] = [];
  for (const cert of bundle.lock_certificates) {
    const lockId = fromBase64Url(cert.lock_id);
    wallet.addLockCertificate(fromBase64Url(cert.certificate), lockId);
    const claims = wallet.credentialFor(lockId)?.claims;
    if (claims === undefined) continue; // a certificate without a credential opens nothing
    entrances.push({ entranceId: cert.acs_entrance_id, displayName: cert.display_name, isShared: cert.is_shared === true, lockId, notBeforeS: claims.notBeforeS, expiresAtS: claims.expiresAtS });
  }
  for (const entry of bundle.lock_updates) {
    try {
      wallet.carryUpdate(fromBase64Url(entry.update)); // revocations the locks learn from this phone
    } catch {
      // An update that does not verify is not carried; the lock would reject it anyway.
    }
  }
  entrances.sort((a, b) => Number(a.isShared) - Number(b.isShared) || a.displayName.localeCompare(b.displayName, undefined, { numeric: true }));
  return { wallet, entrances };
}
