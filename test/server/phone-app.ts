/**
 * A minimal Instant Key app for tests: opens the link, registers the phone's holder key, loads the
 * bundle (credentials, lock certificates, trusted issuers, signed lock updates) into a src/phone
 * Wallet and unlocks through an UnlockClient on the server's virtual radio.
 */
import type { CryptoProvider, SignatureAlgorithm } from '../../src/protocol/crypto/provider.ts';
import { createSeededRandom } from '../../src/protocol/random.ts';
import { softwareHolder, Wallet } from '../../src/phone/wallet.ts';
import { UnlockClient } from '../../src/phone/unlock-client.ts';
import type { VirtualRadio, Position } from '../../src/radio/virtual-radio.ts';
import { call, registerPhone } from './helpers.ts';

export interface Bundle {
  device_id: string;
  credentials: { credential_id: string; access_grant_id: string; acs_entrance_ids: string[]; credential: string }[];
  lock_certificates: { acs_entrance_id: string; lock_id: string; certificate: string }[];
  lock_updates: { acs_entrance_id: string; epoch: number; version: number; update: string }[];
  trusted_issuers: { kid: string; algorithm: SignatureAlgorithm; public_key: string }[];
  update_keys: { kid: string; algorithm: SignatureAlgorithm; public_key: string }[];
}

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64url'));

export class TestPhone {
  readonly id: string;
  private readonly crypto: CryptoProvider;
  private readonly radio: VirtualRadio;
  private readonly random: ReturnType<typeof createSeededRandom>;
  readonly holder: ReturnType<typeof softwareHolder>;
  token = '';
  deviceId = '';
  wallet: Wallet | undefined;
  client: UnlockClient | undefined;

  constructor(options: { id: string; seed: number; crypto: CryptoProvider; radio: VirtualRadio }) {
    this.id = options.id;
    this.crypto = options.crypto;
    this.radio = options.radio;
    this.random = createSeededRandom(options.seed).fork(`phone:${options.id}`);
    this.holder = softwareHolder(this.crypto, (n) => this.random.bytes(n));
  }

  async openAndRegister(url: string, instantKeyUrl: string): Promise<Bundle> {
    const opened = await call(url, '/instant_key_app/open', { body: { instant_key_url: instantKeyUrl } });
    if (opened.status !== 200) throw new Error(`open failed: ${JSON.stringify(opened.body)}`);
    this.token = opened.body['client_session_token'] as string;
    const holder = { publicKey: Buffer.from(this.holder.publicKey).toString('base64url'), compressedKey: this.holder.publicKey, sign: this.holder.sign };
    const registered = await registerPhone(url, this.token, holder, { display_name: this.id });
    if (registered.status !== 200) throw new Error(`register failed: ${JSON.stringify(registered.body)}`);
    this.deviceId = (registered.body['phone'] as { device_id: string }).device_id;
    return this.load(registered.body['bundle'] as Bundle);
  }

  async sync(url: string): Promise<Bundle> {
    const synced = await call(url, '/instant_key_app/sync', { token: this.token, body: { device_id: this.deviceId } });
    if (synced.status !== 200) throw new Error(`sync failed: ${JSON.stringify(synced.body)}`);
    return this.load(synced.body['bundle'] as Bundle);
  }

  /** Replaces the wallet's credentials by the bundle's (what the app does on every sync). */
  private load(bundle: Bundle): Bundle {
    const keys = (list: Bundle['trusted_issuers']) => list.map((k) => ({ kid: bytes(k.kid), algorithm: k.algorithm, publicKey: bytes(k.public_key) }));
    const previous = this.wallet;
    const wallet = new Wallet({ crypto: this.crypto, holder: this.holder, trustedIssuers: keys(bundle.trusted_issuers), updateKeys: keys(bundle.update_keys) });
    for (const entry of bundle.credentials) wallet.addCredential(bytes(entry.credential));
    for (const cert of bundle.lock_certificates) wallet.addLockCertificate(bytes(cert.certificate), bytes(cert.lock_id));
    for (const update of bundle.lock_updates) wallet.carryUpdate(bytes(update.update));
    if (previous) for (const [lock, ticket] of previous.tickets) wallet.tickets.set(lock, ticket);
    this.wallet = wallet;
    this.client = new UnlockClient({ wallet, crypto: this.crypto, random: (n) => this.random.bytes(n), transport: this.radio.transportFor(this.id) });
    return bundle;
  }

  async unlockAt(position: Position, lockId: Uint8Array) {
    this.radio.placePhone(this.id, position);
    return this.radio.runUntil(this.client!.unlock({ lockId }));
  }
}
