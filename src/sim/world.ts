/**
 * A small world builder shared by the demo, tests and benchmarks: one seed → an issuer, locks on
 * a virtual radio, and phones with wallets. Every random stream is forked from the seed by label.
 */
import { Lock } from '../../firmware-model/lock.ts';
import type { LockConfig } from '../../firmware-model/config.ts';
import { ideal, phone as phoneProfile, type HardwareProfile } from '../../firmware-model/hardware/profiles.ts';
import { ComputeMeter, meteredCrypto } from '../../firmware-model/hardware/meter.ts';
import { phoneTimeoutMs } from '../../firmware-model/hardware/phone-timeout.ts';
import { toHex } from '../protocol/bytes.ts';
import type { CryptoProvider, SignatureAlgorithm } from '../protocol/crypto/provider.ts';
import { createSeededRandom, type SeededRandom } from '../protocol/random.ts';
import { InMemoryIssuer, type ProvisionedLock } from '../issuer/in-memory-issuer.ts';
import { softwareHolder, Wallet } from '../phone/wallet.ts';
import { UnlockClient } from '../phone/unlock-client.ts';
import { VirtualRadio, type Position } from '../radio/virtual-radio.ts';
import type { RadioOptions } from '../radio/options.ts';
import { RecordingTransport } from '../radio/recording-transport.ts';

export interface WorldLock {
  deviceId: string;
  name: string;
  provisioned: ProvisionedLock;
  lock: Lock;
}

export interface WorldPhone {
  id: string;
  wallet: Wallet;
  client: UnlockClient;
  /** Records every write the phone makes (scenarios replay and mutate them). */
  recorder: RecordingTransport;
  /** Counts the phone's crypto (priced on World.phoneHardware; the radio delays the phone's requests by it). */
  meter: ComputeMeter;
}

export class World {
  readonly seed: number;
  readonly random: SeededRandom;
  readonly crypto: CryptoProvider;
  readonly radio: VirtualRadio;
  readonly issuer: InMemoryIssuer;
  readonly locks = new Map<string, WorldLock>();
  /** The same locks by hex lock id (a phone's timeout is looked up by the lock it picked). */
  private readonly locksByIdHex = new Map<string, WorldLock>();
  readonly phones = new Map<string, WorldPhone>();
  /** The MCU profile of every lock added without its own (hardware/profiles.ts). */
  readonly hardware: HardwareProfile;
  /**
   * What the phones' compute is priced on: `phone` (estimates), or `ideal` (zero) when the locks
   * are `ideal`, so that profile keeps the figures from before compute was modelled.
   */
  readonly phoneHardware: HardwareProfile;
  /** What the locks sign results and form-3 challenges with (their certificates declare it). */
  readonly lockSigningAlgorithm: SignatureAlgorithm;

  constructor(options: { seed: number; crypto: CryptoProvider; radio?: Partial<RadioOptions>; hardware?: HardwareProfile; phoneHardware?: HardwareProfile; issuerAlgorithm?: SignatureAlgorithm; lockSigningAlgorithm?: SignatureAlgorithm }) {
    this.lockSigningAlgorithm = options.lockSigningAlgorithm ?? 'EdDSA';
    this.seed = options.seed;
    this.hardware = options.hardware ?? ideal;
    this.phoneHardware = options.phoneHardware ?? (this.hardware === ideal ? ideal : phoneProfile);
    this.crypto = options.crypto;
    this.random = createSeededRandom(options.seed);
    this.radio = new VirtualRadio({ ...options.radio, seed: options.seed });
    const issuerRandom = this.random.fork('issuer');
    const adminRandom = this.random.fork('issuer-admin');
    this.issuer = new InMemoryIssuer({ crypto: this.crypto, random: (n) => issuerRandom.bytes(n), adminRandom: (n) => adminRandom.bytes(n), ...(options.issuerAlgorithm ? { algorithm: options.issuerAlgorithm } : {}) });
  }

  nowS(): number {
    return Math.floor(this.radio.now() / 1000);
  }

  addLock(deviceId: string, name: string, position: Position, config: Partial<LockConfig> = {}, hardware: HardwareProfile = this.hardware): WorldLock {
    const provisioned = this.issuer.provisionLock(name, this.nowS(), undefined, config.lockVersions, this.lockSigningAlgorithm);
    const lockRandom = this.random.fork(`lock:${deviceId}`);
    const lock = new Lock({ identity: provisioned.identity, trustedIssuers: this.issuer.trusted, updateKeys: this.issuer.updateKeys, crypto: this.crypto, random: (n) => lockRandom.bytes(n), config, hardware, startMs: this.radio.now() });
    this.radio.addLock(deviceId, lock, position);
    const entry = { deviceId, name, provisioned, lock };
    this.locks.set(deviceId, entry);
    this.locksByIdHex.set(toHex(provisioned.identity.lockId), entry);
    return entry;
  }

  addPhone(id: string, position: Position): WorldPhone {
    const phoneRandom = this.random.fork(`phone:${id}`);
    const random = (n: number): Uint8Array => phoneRandom.bytes(n);
    const meter = new ComputeMeter();
    const crypto = meteredCrypto(this.crypto, meter);
    const wallet = new Wallet({ crypto, holder: softwareHolder(crypto, random), trustedIssuers: this.issuer.trusted, updateKeys: this.issuer.updateKeys });
    const recorder = new RecordingTransport(this.radio.transportFor(id));
    // The phone waits for each lock as long as that lock's MCU may compute (hardware/phone-timeout.ts).
    const client = new UnlockClient({ wallet, crypto, random, transport: recorder, timeoutMsFor: (lockId) => this.phoneTimeoutFor(lockId) });
    this.radio.placePhone(id, position);
    this.radio.setPhoneCompute(id, () => {
      const compute = meter.settle(this.phoneHardware);
      return compute.foregroundMicroseconds + compute.backgroundMicroseconds;
    });
    const phone = { id, wallet, client, recorder, meter };
    this.phones.set(id, phone);
    return phone;
  }

  /** Issues a credential for `deviceIds` to a phone and hands it the lock certificates. */
  grant(phone: WorldPhone, deviceIds: string[], options: { subject: string; fromS?: number; untilS?: number; supersede?: boolean }) {
    const locks = deviceIds.map((id) => this.locks.get(id)!);
    const issued = this.issuer.grant(
      {
        subject: options.subject,
        holderKey: phone.wallet.holder.publicKey,
        lockIds: locks.map((entry) => entry.provisioned.identity.lockId),
        notBeforeS: options.fromS ?? this.nowS() - 60,
        expiresAtS: options.untilS ?? this.nowS() + 86400,
        supersede: options.supersede ?? false,
      },
      this.nowS(),
    );
    phone.wallet.addCredential(issued.credential);
    for (const entry of locks) phone.wallet.addLockCertificate(entry.provisioned.certificate, entry.provisioned.identity.lockId);
    // A superseding credential travels with the door's update, whose ceiling lets its unlock raise the floor.
    for (const update of issued.updates) phone.wallet.carryUpdate(update);
    return issued;
  }

  /** The phone's timeout for one request to the lock `lockId` (its hardware profile), or undefined for a lock not in this world. */
  phoneTimeoutFor(lockId: Uint8Array): number | undefined {
    const entry = this.locksByIdHex.get(toHex(lockId));
    return entry === undefined ? undefined : phoneTimeoutMs(entry.lock.hardware);
  }

  movePhone(phone: WorldPhone, position: Position): void {
    this.radio.placePhone(phone.id, position);
  }
}
