/**
 * The scenario backend over real BLE stacks: one bleno lock peripheral per door (a worker thread
 * each, the firmware-model Lock inside, src/ble/lock-peripheral.ts) and one noble central per
 * phone plus one for the attacker, all on the virtual HCI controller (src/hci) — or, with
 * `bleBackendOn({ lockHci, phoneHci })` (`scenario run --lock-hci/--phone-hci`), on the controllers
 * given per role: door i on lockHci[i], phone i (in the file's order) on phoneHci[i], the attacker
 * on the phone list's next one; a list of one shared spec serves every host of its role where a
 * controller can (docs/HIL.md). A tcp:/serial: controller serves one host, so such a list needs
 * one spec per host; a longer list is fine (scenarios of different sizes share one run).
 *
 * Time: the locks step with wall-clock time plus a clock offset. `advance: 2h` adds to that
 * offset in every lock worker (and waits for each to answer) and in the issuer's and phones'
 * "now", so validity windows, tickets and clock checks see the same shifted time everywhere.
 * Lock state (actuations, audit records) is read back from the workers (src/ble/lock-control.ts).
 *
 * The air: on latchkey's in-process controllers the link runs the same air model as the virtual
 * radio (src/radio/air): the scenario's positions (and a phone walking to the door, 0.5 m off it),
 * and its radio options loss, rssiNoiseDb and packetsPerEventMax apply (docs/HIL.md, "One air").
 * What does not apply: the rest of the virtual radio's options (MTU, connection interval: noble
 * chooses them), positions and radio options on tcp:/serial: controllers (the air is the
 * server's), moves after the start, injected disconnects, a lock losing power in
 * the middle of an exchange (the virtual radio drops the link; a bleno peripheral keeps it), the
 * challenge in extended advertising, and the attacks fake_lock and concurrent. `notApplicable`
 * names each such step so the run can report the scenario instead of running it.
 *
 * Wall clock jitter: the lock's relay bound (challenge read → final write, 500 ms by default) is
 * raised to 3 s unless the scenario sets it, as `ble run` does: two cores running other tests
 * can delay a final write past 500 ms.
 */
import type { AuditRecord } from '../../../firmware-model/audit.ts';
import type { LockConfig } from '../../../firmware-model/config.ts';
import { LockController } from '../../ble/lock-control.ts';
import type { LockControlRequest, LockSnapshot } from '../../ble/lock-control.ts';
import { trustedIssuerToHex } from '../../ble/lock-peripheral.ts';
import type { LockPeripheralOptions } from '../../ble/lock-peripheral.ts';
import { NobleTransport } from '../../ble/noble-transport.ts';
import { startVirtualBle, waitForPoweredOn } from '../../hci/index.ts';
import type { HciTransportSpec, VirtualBle } from '../../hci/index.ts';
import { checkRoleSpecs, checkRolesMeet, specFor } from '../../hci/transport/roles.ts';
import { formatHciTransportSpec } from '../../hci/transport/spec.ts';
import { InMemoryIssuer } from '../../issuer/in-memory-issuer.ts';
import type { ProvisionedLock } from '../../issuer/in-memory-issuer.ts';
import { toHex } from '../../protocol/bytes.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { createSeededRandom } from '../../protocol/random.ts';
import type { SeededRandom } from '../../protocol/random.ts';
import { UnlockClient } from '../../phone/unlock-client.ts';
import type { UnlockOutcome } from '../../phone/unlock-client.ts';
import { softwareHolder, Wallet } from '../../phone/wallet.ts';
import { RecordingTransport } from '../../radio/recording-transport.ts';
import type { Position } from '../../radio/air/rssi.ts';
import { radioDefaults } from '../../radio/options.ts';
import type { RadioOptions } from '../../radio/options.ts';
import type { Advertisement, GattConnection, Transport } from '../../radio/transport.ts';
import { Attacker, radioOnlyAttacks } from './attacks.ts';
import type { AttackParams, Observed } from './attacks.ts';
import type { BackendFactory, LockSideInput, ScenarioBackend, ScenarioPhone, UnlockRequest } from './backend.ts';
import type { Scenario } from './schema.ts';

/** Relay bound of a BLE lock unless the scenario sets one (see the file comment). */
export const bleRelayBoundMsDefault = 3_000;
/** Minimum scan per unlock (wall ms); the scan then goes on until the wanted lock is heard. */
const scanMs = 40;
/** Deadline of every noble operation, and the longest a scan waits for the wanted lock (wall ms). */
const operationTimeoutMs = 3_000;

/** Why each radio-only attack cannot run over bleno/noble. */
const radioOnlyAttackReasons: Record<string, string> = {
  fake_lock: 'attack fake_lock places a look-alike lock closer to the victim (positions and RSSI)',
  concurrent: 'attack concurrent opens several centrals on one lock at once (a bleno peripheral serves one central)',
};

/** Radio options the in-process HCI link takes from a scenario: the shared air model's (src/radio/air). */
export const bleAirRadioKeys: readonly string[] = ['lossNumerator', 'lossDenominator', 'rssiNoiseDb', 'packetsPerEventMax'];

/** True when every host of the run is on latchkey's in-process air (positions and air options apply). */
function onVirtualAir(controllers: BleControllers): boolean {
  return [...(controllers.lockHci ?? []), ...(controllers.phoneHci ?? [])].every((spec) => spec.kind === 'virtual');
}

/** Why `scenario` cannot run over BLE — each cause once, with the lines it comes from; undefined when it can. */
export function bleNotApplicable(scenario: Scenario, controllers: BleControllers = {}): string | undefined {
  const virtualAir = onVirtualAir(controllers);
  const reasons = new Map<string, number[]>();
  const add = (reason: string, line?: number): void => {
    const lines = reasons.get(reason) ?? [];
    if (line !== undefined) lines.push(line);
    reasons.set(reason, lines);
  };
  const radioOnly = Object.keys(scenario.radio).filter((key) => !virtualAir || !bleAirRadioKeys.includes(key));
  if (radioOnly.length > 0) add(`radio options (${radioOnly.join(', ')}) shape the virtual radio${virtualAir ? '' : ' (on tcp:/serial: controllers the air is the server\'s)'}`);
  for (const door of scenario.doors) if (door.config.advertiseChallenge === true) add('the challenge in extended advertising (the bleno lock advertises legacy PDUs only)');
  const cutDoors = new Set<string>();
  for (const { line, step } of scenario.steps) {
    const [kind, raw] = Object.entries(step)[0]!;
    const body = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const expect = body.expect;
    if (kind === 'radio' || kind === 'move' || kind === 'disconnect_after') add(`step ${kind} needs the virtual radio's physics`, line);
    if (kind === 'unlock' && body.walk === false && !virtualAir) add('an unlock without walking to the door needs positions and range (the in-process air only)', line);
    if ((kind === 'unlock' || kind === 'attack') && (expect === 'out_of_range' || expect === 'disconnected' || expect === 'timeout')) add(`expecting ${expect} depends on the virtual radio's physics`, line);
    if (kind === 'attack' && (radioOnlyAttacks as readonly string[]).includes(String(body.kind))) add(radioOnlyAttackReasons[String(body.kind)]!, line);
    if (kind === 'power_cut') cutDoors.add(String(body.door));
    if (kind === 'power_restore') cutDoors.delete(String(raw));
    if ((kind === 'unlock' || kind === 'attack') && (cutDoors.has(String(body.door)) || cutDoors.has(String(body.to_door)))) add('a lock losing power mid-exchange (the virtual radio drops the link; a bleno peripheral keeps it)', line);
  }
  if (reasons.size === 0) return undefined;
  return [...reasons].map(([reason, lines]) => (lines.length === 0 ? reason : `${reason} (line${lines.length > 1 ? 's' : ''} ${lines.join(', ')})`)).join('; ');
}

/** A phone's (or the attacker's) radio: noble, on the scenario clock, scans wait for the wanted lock. */
class ScenarioRadio implements Transport {
  readonly noble: NobleTransport;
  readonly clock: { offsetMs: number };
  wanted: Uint8Array | undefined;

  constructor(noble: NobleTransport, clock: { offsetMs: number }) {
    this.noble = noble;
    this.clock = clock;
  }
  now(): number {
    return Date.now() + this.clock.offsetMs;
  }
  scan(durationMs: number): Promise<Advertisement[]> {
    const wanted = this.wanted === undefined ? undefined : toHex(this.wanted);
    return this.noble.scanUntil(durationMs, (heard) => wanted === undefined || heard.some((advert) => toHex(advert.lockId) === wanted), operationTimeoutMs);
  }
  connect(deviceId: string, options: { mtu: number; timeoutMs: number }): Promise<GattConnection> {
    return this.noble.connect(deviceId, options);
  }
}

/** Each role's controllers (absent: the in-process virtual controller). */
export interface BleControllers {
  readonly lockHci?: readonly HciTransportSpec[];
  readonly phoneHci?: readonly HciTransportSpec[];
}

/**
 * Throws RangeError (a usage error at the CLI, before any scenario runs) when the controllers
 * cannot give each of `scenario`'s doors, phones and the attacker a host — the messages of
 * `ble run`, prefixed with the file.
 */
export function checkBleControllers(scenario: Scenario, controllers: BleControllers): void {
  try {
    checkRolesMeet(controllers.lockHci, controllers.phoneHci);
    checkRoleSpecs('--lock-hci', controllers.lockHci, { count: scenario.doors.length, per: 'door', extraAllowed: true });
    checkRoleSpecs('--phone-hci', controllers.phoneHci, { count: scenario.phones.length + 1, per: 'phone and one for the attacker', extraAllowed: true });
  } catch (error) {
    if (error instanceof RangeError) throw new RangeError(`${scenario.file}: ${error.message}`);
    throw error;
  }
}

interface BlePhone extends ScenarioPhone {
  readonly radio: ScenarioRadio;
}

export class BleBackend implements ScenarioBackend {
  readonly transport = 'ble' as const;
  readonly crypto: CryptoProvider;
  readonly issuer: InMemoryIssuer;
  readonly random: SeededRandom;
  readonly phones = new Map<string, BlePhone>();
  readonly locks = new Map<string, ProvisionedLock>();
  readonly physics = undefined;
  readonly ble: VirtualBle;
  readonly clock = { offsetMs: 0 };
  readonly #controllers = new Map<string, LockController>();
  readonly #nobles: NobleTransport[] = [];
  readonly #hci: BleControllers;
  #attacker: Attacker | undefined;

  readonly #doorPositions = new Map<string, [number, number]>();

  private constructor(scenario: Scenario, seed: number, crypto: CryptoProvider, controllers: BleControllers) {
    this.crypto = crypto;
    this.random = createSeededRandom(seed);
    const issuerRandom = this.random.fork('issuer');
    const adminRandom = this.random.fork('issuer-admin');
    this.issuer = new InMemoryIssuer({ crypto, random: (n) => issuerRandom.bytes(n), adminRandom: (n) => adminRandom.bytes(n) });
    this.#hci = controllers;
    // The shared air model: positions and the scenario's loss/RSSI options, as on the virtual radio.
    const radio = scenario.radio as Partial<RadioOptions>;
    const positions: Record<string, Position> = {};
    for (const door of scenario.doors) {
      positions[door.id] = { xM: door.position[0], yM: door.position[1] };
      this.#doorPositions.set(door.id, door.position);
    }
    for (const phone of scenario.phones) positions[phone.id] = { xM: phone.position[0], yM: phone.position[1] };
    this.ble = startVirtualBle({
      seed,
      ...(radio.lossNumerator === undefined ? {} : { lossRatio: { numerator: radio.lossNumerator, denominator: radio.lossDenominator ?? radioDefaults.lossDenominator } }),
      air: {
        ...(radio.rssiNoiseDb === undefined ? {} : { rssiNoiseDb: radio.rssiNoiseDb }),
        ...(radio.packetsPerEventMax === undefined ? {} : { packetsPerEventMax: radio.packetsPerEventMax }),
      },
      positions,
      ...(controllers.lockHci ? { lockController: controllers.lockHci[0]! } : {}),
      ...(controllers.phoneHci ? { phoneController: controllers.phoneHci[0]! } : {}),
    });
  }

  static async start(scenario: Scenario, options: { seed: number; crypto: CryptoProvider; controllers?: BleControllers }): Promise<BleBackend> {
    const controllers = options.controllers ?? {};
    checkBleControllers(scenario, controllers);
    const backend = new BleBackend(scenario, options.seed, options.crypto, controllers);
    try {
      await backend.#spawn(scenario, options.seed);
      return backend;
    } catch (error) {
      await backend.close();
      throw error;
    }
  }

  async #spawn(scenario: Scenario, seed: number): Promise<void> {
    for (const door of scenario.doors) this.locks.set(door.id, this.issuer.provisionLock(door.id, this.nowS(), undefined, (door.config as { lockVersions?: number } | undefined)?.lockVersions));
    const peripherals = await Promise.all(
      scenario.doors.map((door, index) =>
        this.ble.spawnPeripheral(new URL('../../ble/lock-peripheral.ts', import.meta.url), {
          label: door.id,
          options: this.#lockOptions(this.locks.get(door.id)!, seed, door.config),
          ...((spec) => (spec ? { controller: spec } : {}))(specFor(this.#hci.lockHci, index)),
        }),
      ),
    );
    peripherals.forEach((peripheral, index) => this.#controllers.set(scenario.doors[index]!.id, new LockController(peripheral)));
    scenario.phones.forEach((phone, index) => this.phones.set(phone.id, this.#phone(phone.id, specFor(this.#hci.phoneHci, index))));
    const attackerRadio = this.#radio('attacker', specFor(this.#hci.phoneHci, scenario.phones.length));
    await this.ble.hostsReady(); // an absent tcp:/serial: controller fails here, with its own code
    await Promise.all(this.#nobles.map((noble) => waitForPoweredOn(noble.noble)));
    this.#attacker = new Attacker({
      crypto: this.crypto,
      issuer: this.issuer,
      random: this.random,
      transport: attackerRadio,
      world: undefined,
      nowS: () => this.nowS(),
      lock: (door) => this.locks.get(door)!,
      approach: (door) => this.#find(attackerRadio, door),
      victimRadio: (victim, door) => {
        const radio = (victim as BlePhone).radio;
        radio.wanted = this.locks.get(door)!.identity.lockId;
        return radio;
      },
      run: (work) => work,
    });
  }

  #lockOptions(lock: ProvisionedLock, seed: number, config: Record<string, number | boolean>): LockPeripheralOptions {
    return {
      lockIdHex: toHex(lock.identity.lockId),
      signingSecretHex: toHex(lock.identity.signingSecret),
      agreementSecretHex: toHex(lock.identity.agreementSecret),
      trustedIssuers: this.issuer.trusted.map(trustedIssuerToHex),
      updateKeys: this.issuer.updateKeys.map(trustedIssuerToHex),
      seed,
      config: { relayBoundMs: bleRelayBoundMsDefault, ...(config as Partial<LockConfig>) },
    };
  }

  #radio(label: string, controller: HciTransportSpec | undefined): ScenarioRadio {
    const noble = new NobleTransport({ central: this.ble.createCentral(label, controller), operationTimeoutMs });
    this.#nobles.push(noble);
    return new ScenarioRadio(noble, this.clock);
  }

  #phone(id: string, controller: HciTransportSpec | undefined): BlePhone {
    const phoneRandom = this.random.fork(`phone:${id}`);
    const random = (n: number): Uint8Array => phoneRandom.bytes(n);
    const wallet = new Wallet({ crypto: this.crypto, holder: softwareHolder(this.crypto, random), trustedIssuers: this.issuer.trusted, updateKeys: this.issuer.updateKeys });
    const radio = this.#radio(id, controller);
    const recorder = new RecordingTransport(radio);
    return { id, wallet, radio, recorder, client: new UnlockClient({ wallet, crypto: this.crypto, random, transport: recorder }) };
  }

  /** Scans on `radio` until the door is heard; its noble device id. */
  async #find(radio: ScenarioRadio, door: string): Promise<string> {
    const lockId = this.locks.get(door)!.identity.lockId;
    radio.wanted = lockId;
    const heard = await radio.scan(scanMs);
    const advert = heard.find((candidate) => toHex(candidate.lockId) === toHex(lockId));
    if (advert === undefined) throw new Error(`ble: ${door} not heard within ${scanMs + operationTimeoutMs} ms`);
    return advert.deviceId;
  }

  nowS(): number {
    return Math.floor((Date.now() + this.clock.offsetMs) / 1000);
  }

  grant(phone: ScenarioPhone, doors: string[], options: { subject: string; fromS: number; untilS: number; supersede: boolean }) {
    const locks = doors.map((door) => this.locks.get(door)!);
    const issued = this.issuer.grant(
      { subject: options.subject, holderKey: phone.wallet.holder.publicKey, lockIds: locks.map((lock) => lock.identity.lockId), notBeforeS: options.fromS, expiresAtS: options.untilS, supersede: options.supersede },
      this.nowS(),
    );
    phone.wallet.addCredential(issued.credential);
    for (const lock of locks) phone.wallet.addLockCertificate(lock.certificate, lock.identity.lockId);
    for (const update of issued.updates) phone.wallet.carryUpdate(update);
    return issued;
  }

  unlock(phone: ScenarioPhone, door: string, request: UnlockRequest): Promise<UnlockOutcome> {
    const lockId = this.locks.get(door)!.identity.lockId;
    (phone as BlePhone).radio.wanted = lockId;
    // The guest walks up to the door (0.5 m off it, as on the virtual radio) unless told to stay.
    const at = this.#doorPositions.get(door);
    if (request.walk && at !== undefined) this.ble.place(phone.id, { xM: at[0] + 0.5, yM: at[1] });
    return phone.client.unlock({ lockId, mtu: request.mtu, allowResume: request.allowResume, presentOutOfScope: request.presentOutOfScope, useAdvertisedChallenge: request.useAdvertisedChallenge, scanMs, timeoutMs: operationTimeoutMs });
  }

  attack(params: AttackParams, phoneOf: (id: string) => ScenarioPhone): Promise<Observed> {
    return this.#attacker!.run(params, phoneOf);
  }

  async advance(durationMs: number): Promise<void> {
    // As on the virtual radio, time never runs backwards: a negative advance does nothing.
    const deltaMs = Math.max(0, Math.round(durationMs));
    this.clock.offsetMs += deltaMs;
    await Promise.all([...this.#controllers.values()].map((controller) => controller.request({ type: 'advance_clock', deltaMs })));
  }

  async stepLock(door: string, input: LockSideInput): Promise<void> {
    await this.#control(door, { type: 'step', input });
  }

  async powerCutAtWrite(door: string, writesFromNow: number): Promise<void> {
    await this.#control(door, { type: 'power_cut_at_write', writesFromNow });
  }

  async actuations(door: string): Promise<number> {
    return (await this.#control(door, { type: 'inspect' })).actuations;
  }

  async audit(door: string): Promise<readonly AuditRecord[]> {
    return (await this.#control(door, { type: 'inspect' })).audit;
  }

  #control(door: string, request: LockControlRequest): Promise<LockSnapshot> {
    return this.#controllers.get(door)!.request(request);
  }

  summary(): { virtualMs: number; traceDigest: string } {
    // A BLE run is real time: no trace to digest; virtualMs is how far the scenario moved the clock.
    return { virtualMs: this.clock.offsetMs, traceDigest: 'none (real time)' };
  }

  async close(): Promise<void> {
    for (const noble of this.#nobles) noble.close();
    await this.ble.close();
  }
}

/** The BLE backend with each role on the given controllers (what `scenario run --lock-hci/--phone-hci` uses). */
export function bleBackendOn(controllers: BleControllers): BackendFactory {
  const flag = (name: string, specs: readonly HciTransportSpec[] | undefined): string => (specs === undefined ? '' : ` --${name} ${specs.map(formatHciTransportSpec).join(',')}`);
  return {
    transport: 'ble',
    replayFlags: `${flag('lock-hci', controllers.lockHci)}${flag('phone-hci', controllers.phoneHci)}`,
    notApplicable: (scenario) => bleNotApplicable(scenario, controllers),
    create: (scenario, options) => BleBackend.start(scenario, { ...options, controllers }),
  };
}

/** Every host on the in-process virtual controller. */
export const bleBackend: BackendFactory = bleBackendOn({});
