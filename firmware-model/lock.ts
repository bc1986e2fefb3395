/**
 * The lock firmware model: a deterministic state machine with no I/O.
 *
 *   lock.step(input, trueNowMs) → outputs
 *
 * Inputs are radio/GATT events, time passing, power loss/restore and maintenance updates; outputs
 * are GATT responses, actuator commands and audit records. Time comes in with every input and is
 * used twice, as firmware does: as a monotonic tick for every timeout (challenge age, relay bound,
 * rate-limit window, bolt timer) and, through the drifting, settable RTC, as the calendar for
 * credential validity and audit. A clock step never stretches a timeout. Randomness comes from an
 * injected RandomSource, storage
 * is an NvStorage that can lose power at any write. Same inputs + same seed → same outputs.
 *
 * The battery (battery.ts) is counted on the same monotonic tick: idle drain between steps, a
 * phone's visit per accepted connection, the motor per bolt movement. Crossing the low threshold
 * audits `battery_low` once; below the cut-off the exchange refuses with `battery_depleted`.
 *
 * Longer than ~400 lines because step, connections, decision and power handling share one private
 * state; what can stand alone already does (exchange, updates, audit, battery, clock, NV).
 *
 * Safety invariant (tested by model-based tests): `actuate` is emitted only after a fully
 * reassembled request passed every check below, at most once per challenge, and only after the
 * state that decision depends on is committed to NV.
 */
import { equalBytes, toHex, wipe } from '../src/protocol/bytes.ts';
import type { CharacteristicName } from '../src/protocol/gatt.ts';
import { parseCredential, verifyCredentialSignature, type CredentialClaims } from '../src/protocol/credential.ts';
import { p256SecretFromSeed, type CryptoProvider, type SignatureAlgorithm } from '../src/protocol/crypto/provider.ts';
import { isLatchkeyError, wireOf, type ErrorCode } from '../src/protocol/errors.ts';
import type { TrustedIssuerKey } from '../src/protocol/issuer-keys.ts';
import { limits } from '../src/protocol/limits.ts';
import type { RandomSource } from '../src/protocol/random.ts';
import { advertisedNonceBytes, challengeForm, challengeSignedBytes, commitmentBytes, commitToEphemeral, encodeAdvertisedNonce, encodeChallenge, type ChallengeForm } from '../src/protocol/unlock/challenge.ts';
import { certifiedKeysHash } from '../src/protocol/unlock/key-schedule.ts';
import { Reassembler } from '../src/protocol/unlock/chunking.ts';
import { decodeRequest, encodeResult, requestType } from '../src/protocol/unlock/messages.ts';
import { applyLockUpdate } from './apply-update.ts';
import { SlidingWindow } from './sliding-window.ts';
import { AuditLog, type AuditRecord } from './audit.ts';
import { Battery, type BatteryReading, type ChargeShares } from './battery.ts';
import { LockClock } from './clock.ts';
import { lockConfigDefaults, type LockConfig, type LockIdentity } from './config.ts';
import { runExchange, type ExchangeContext } from './exchange.ts';
import { advertRenewalCounts, ComputeMeter, computeMicroseconds, computeNanocoulombs, idleStepCompute, meteredCrypto, type StepCompute } from './hardware/meter.ts';
import { earlyAgreement, wipeEarly, type EarlyAgreement } from './hardware/early-ecdh.ts';
import { ideal, type HardwareProfile } from './hardware/profiles.ts';
import { CpuClock } from './hardware/cpu-clock.ts';
import { NvStorage, PowerLoss } from './nv.ts';
import { decodePersistentState, encodePersistentState, type PersistentState } from './persistent-state.ts';

/** GATT characteristics: three challenge forms (the phone reads the richest its MTU allows) and the exchange. */
export type Characteristic = CharacteristicName;
const formOfCharacteristic: Record<Exclude<Characteristic, 'exchange'>, ChallengeForm> = { challenge: challengeForm.commit, challenge_key: challengeForm.key, challenge_signed: challengeForm.signed };

export type LockInput =
  | { type: 'tick' }
  /** Advertising event: with extended advertising on, the lock puts its current challenge in the advert. */
  | { type: 'advertise' }
  /** connIntervalMs: the link's connection interval when the driver knows it (sets the relay bound). */
  | { type: 'connect'; connectionId: number; connIntervalMs?: number }
  | { type: 'disconnect'; connectionId: number }
  | { type: 'read'; connectionId: number; characteristic: Characteristic; offset: number }
  | { type: 'write'; connectionId: number; characteristic: Characteristic; data: Uint8Array; withResponse: boolean }
  | { type: 'maintenance_update'; update: Uint8Array }
  | { type: 'power_lost' }
  | { type: 'power_restored' }
  | { type: 'clock_disturbed'; deltaMs: number }
  /** The driver's timer for `lock.computeDoneAtMs`: the modelled compute of an earlier step is done. */
  | { type: 'compute_done' };

/** ATT error codes used (Core v5.4 Vol 3 Part F §3.4.1.1); 0x80 is application-defined "refused". */
export const attError = { success: 0, invalidOffset: 0x07, writeNotPermitted: 0x03, readNotPermitted: 0x02, refused: 0x80 } as const;

export type LockOutput =
  | { type: 'read_response'; connectionId: number; value: Uint8Array }
  | { type: 'read_error'; connectionId: number; attError: number }
  | { type: 'write_response'; connectionId: number; attError: number }
  | { type: 'actuate'; unlockUntilMs: number }
  | { type: 'relock' }
  | { type: 'audit'; record: AuditRecord }
  /** resumeNonce: the form-4 advertised resume nonce (config advertiseResumeNonce; docs/PROTOCOL.md §7.4). */
  | { type: 'advertisement'; lockId: Uint8Array; challenge: Uint8Array | undefined; resumeNonce?: Uint8Array }
  | { type: 'disconnect'; connectionId: number };

export interface OutstandingChallenge {
  /** The form last handed out for this ephemeral key (the transcript binds it). */
  form: ChallengeForm;
  commitment: Uint8Array;
  ephemeralSecret: Uint8Array;
  ephemeralKey: Uint8Array;
  /** Form 3: the lock's signature over the key, made once per challenge. */
  signature: Uint8Array | undefined;
  /** How long the lock's own compute delayed the Read that handed this challenge out (hardware/cpu-clock.ts). */
  computeDelayMs?: number;
  /** Both ECDH results, started on the request's first chunk (hardware/early-ecdh.ts); wiped with the challenge. */
  early?: EarlyAgreement;
  /** The early agreement ran for this challenge (once per challenge, whatever its outcome). */
  earlyTried?: boolean;
  /** A phone key chunk 0 carried that is not a valid point: the exchange refuses it without checking it again. */
  invalidPeerKey?: Uint8Array;
  /** The relay bound is measured from here: when the challenge was read, or advertised. */
  createdAtMs: number;
  used: boolean;
  /**
   * Form 1 served with the key budget spent: the commitment is a fresh random nonce, behind it no
   * key pair (empty `ephemeralSecret`/`ephemeralKey`). A resume needs only the nonce; a full exchange
   * is refused `rate_limited`, and the key forms are never served from it (attack on issue 15, F4).
   */
  nonceOnly?: boolean;
  /**
   * An advertised resume nonce (form 4 in the transcript; `commitment` holds the 16-byte nonce, no
   * key pair): answered only by a type-3 request, within `lifetimeMs` of its first advertisement.
   */
  advertisedNonce?: boolean;
  /** Refused `challenge_expired` past this age (the advertised resume nonce: 2 × rotation). */
  lifetimeMs?: number;
}

/** Refusals of a type-3 request that mean "your advertised nonce is stale or taken": answered with a fresh challenge (retry result). */
const staleNonceCodes: readonly ErrorCode[] = ['challenge_missing', 'challenge_used', 'challenge_expired', 'relay_suspected'];

interface Connection {
  connectedAtMs: number;
  lastActivityMs: number;
  /** The link's connection interval, when the driver told it. */
  connIntervalMs: number | undefined;
  /** Refusals on this connection (connectionRefusalsMax). */
  refusals: number;
  /** Ephemeral keys generated for this connection (challengeKeysPerConnectionMax). */
  keysGenerated: number;
  /** A chunk of the current message was refused: drop the rest of it without counting more failures. */
  discarding: boolean;
  challenge: OutstandingChallenge | undefined;
  reassembler: Reassembler;
  result: Uint8Array;
}

export interface CachedCredential {
  claims: CredentialClaims;
  /** The issuer key that signed it (trustIdOf): the entry dies when that key stops being trusted. */
  issuerKey: string;
}

export interface Ticket {
  resumption: Uint8Array;
  counter: number;
  credentialHash: string;
  /** The issuer key behind the credential (trustIdOf; flushed with the key). */
  issuerKey: string;
  expiresAtMs: number;
}

/**
 * A trusted issuer key's identity: algorithm, kid **and** public key. A kid alone is not enough: an
 * issuer may rotate to a new key under the same kid, and what the old key signed must go.
 */
export function trustIdOf(key: TrustedIssuerKey): string {
  return `${key.algorithm}:${toHex(key.kid)}:${toHex(key.publicKey)}`;
}

/** Ticket ids a lock also recognises ahead of the counter it holds (a phone never reuses an id). */
export const ticketLookahead = 4;

const idleResult = encodeResult({ type: 0 });

/**
 * What a step does to the world beyond RAM: an NV write, the bolt moving. It happens when the
 * step's modelled compute is done, not when its input arrives (attack on issue 15, finding 1: the
 * bolt moved and NV committed when the final chunk arrived, 93 ms before the compute that decides
 * it would have finished on an nRF52840; a power cut in between still counted the unlock).
 * `mark`: the length of the step's outputs when it was staged (where an actuate output goes, and
 * what a power cut in the write keeps).
 */
type StagedEffect = { kind: 'commit'; record: Uint8Array; mark: number; unlock?: HeldUnlock } | { kind: 'actuate'; mark: number };

/**
 * An unlock decided in a step whose NV commit is held: its audit record (in the RAM ring, written
 * with the commit and emitted only once the commit is done: attack on issue 15, F7) and the link it
 * was decided for. If that link is gone when the commit is due, the phone gave up: the record
 * becomes `unlock_abandoned` and the bolt does not move (F2).
 */
interface HeldUnlock {
  connectionId: number;
  record: AuditRecord;
}

export class Lock {
  readonly identity: LockIdentity;
  readonly config: LockConfig;
  /** The injected provider wrapped in `meter`: every primitive the lock runs is counted. */
  readonly crypto: CryptoProvider;
  /** The MCU the lock runs on (hardware/profiles.ts): turns counted primitives into time and charge. */
  readonly hardware: HardwareProfile;
  readonly meter = new ComputeMeter();
  /** What the last step computed (the virtual radio delays its ATT response by the foreground time). */
  lastStepCompute: StepCompute = idleStepCompute;
  private readonly cpu = new CpuClock();
  /** NV writes and bolt movements of the step being handled (undefined outside a step: written at once). */
  private staged: StagedEffect[] | undefined;
  /** Staged effects of earlier steps whose compute is not done yet, oldest first (lost with the power). */
  private heldEffects: { atMs: number; effects: StagedEffect[] }[] = [];
  /** The step reached its handler (not a boot, not ignored while off): it may warn of a low battery. */
  private handledThisStep = false;
  /** The outputs of the step being handled (a staged effect marks its place in them). */
  private stepOutputs: LockOutput[] | undefined;
  /** A challenge handed out by the step being handled (its Read's compute delay is set when the step settles). */
  private challengeThisStep: OutstandingChallenge | undefined;
  /** An ephemeral key pair (and its form-3 signature) computed while idle: a challenge Read then costs no key generation or signing. */
  private spareEphemeral: { secret: Uint8Array; key: Uint8Array; signature?: Uint8Array } | undefined;
  readonly nv: NvStorage;
  readonly audit = new AuditLog();
  /** SHA-256 of the lock's certified keys, bound into every transcript (TH1). */
  readonly keysHash: Uint8Array;
  private readonly random: RandomSource;
  private readonly clock: LockClock;
  private powered = true;
  private persistent: PersistentState;
  private readonly revokedIds = new Set<string>();
  private connections = new Map<number, Connection>();
  /** Verified credentials by hex hash (issuer signature already checked). */
  readonly credentialCache = new Map<string, CachedCredential>();
  /** Resumption tickets by hex ticket id (each ticket under ticketLookahead ids). */
  readonly tickets = new Map<string, Ticket>();
  /** Verified holders' refusals per credential id (hex) → tick times (bounded). */
  private holderFailures = new Map<string, number[]>();
  /** Ticks of requests that cost crypto and did not authenticate. */
  private strangerFailureTimesMs: number[] = [];
  /** Routine updates applied recently (apply-update.ts), on the monotonic tick. */
  readonly routineUpdates: SlidingWindow;
  private unlockedUntilMs: number | undefined;
  private advertised: OutstandingChallenge | undefined;
  /** Advertised resume nonces, newest first: the current one and the previous one (RAM). */
  private resumeNonces: OutstandingChallenge[] = [];
  /** Challenge key budget (config challengeKeysBurstMax/challengeKeyRefillMs): tokens, and when they were last counted (RAM: full at boot). */
  private keyTokens: number;
  private keyTokensAtMs = 0;
  /** When the advertised challenge was last renewed (made, or billed as made between inputs); undefined until the lock first advertises. */
  private advertRenewedAtMs: number | undefined;
  /** Monotonic tick (ms) of the input being handled: timeouts use this, never the RTC. */
  private tickMs = 0;
  /** Count of actuations (for invariants in tests). */
  actuations = 0;
  private readonly cells: Battery;

  /**
   * `trustedIssuers` verify credentials; `updateKeys` (lock-administration keys) alone verify lock
   * updates. Without `updateKeys` the issuer keys do both, and a stolen issuer key can then take
   * the lock over through updates (docs/PROTOCOL.md §13.2).
   */
  /**
   * Whether the driver holds the lock's responses back by its modelled compute (the virtual radio
   * does). Only then may the relay bound grow by it: a lock on a real stack (src/ble/lock-peripheral.ts)
   * answers at once, and a bound grown by compute that never delayed anything is free slack for a
   * relay — a stranger piling up modelled work stretched it to 9 s (attack on issue 15, finding 2).
   */
  readonly computeDelaysResponses: boolean;
  /** What the lock signs with (its certificate declares it): EdDSA, or ES256 (cheaper on a Cortex-M4). */
  readonly signingAlgorithm: SignatureAlgorithm;

  constructor(options: { identity: LockIdentity; trustedIssuers: TrustedIssuerKey[]; updateKeys?: TrustedIssuerKey[]; crypto: CryptoProvider; random: RandomSource; config?: Partial<LockConfig>; startMs?: number; nv?: NvStorage; hardware?: HardwareProfile; computeDelaysResponses?: boolean }) {
    this.identity = options.identity;
    this.signingAlgorithm = options.identity.signingAlgorithm ?? 'EdDSA';
    this.config = { ...lockConfigDefaults, ...options.config };
    this.hardware = options.hardware ?? ideal;
    this.computeDelaysResponses = options.computeDelaysResponses ?? true;
    this.crypto = meteredCrypto(options.crypto, this.meter);
    this.random = options.random;
    // The budget starts full when the lock starts (and at every boot: it is RAM state).
    this.tickMs = options.startMs ?? 0;
    this.keyTokens = this.config.challengeKeysBurstMax;
    this.keyTokensAtMs = this.tickMs;
    this.routineUpdates = new SlidingWindow(this.config.routineUpdatesMax, this.config.routineUpdateWindowMs);
    this.cells = new Battery({ capacityMah: this.config.batteryCapacityMah, initialPercent: this.config.batteryInitialPercent, lowPercent: this.config.batteryLowPercent, cutoffPercent: this.config.batteryCutoffPercent, idleMicroamps: this.hardware.idleMicroamps, connection: { microamps: this.hardware.connectionMicroamps, durationMs: this.hardware.connectionMs } });
    this.clock = new LockClock({ driftPpm: this.config.clockDriftPpm, rollbackToleranceMs: this.config.clockRollbackToleranceMs }, this.config.clockOffsetMs);
    this.nv = options.nv ?? new NvStorage(this.crypto);
    const stored = this.nv.load();
    const signingKey = this.crypto.publicKeyOf(this.signingAlgorithm, this.identity.signingSecret);
    const agreementKey = this.crypto.publicKeyOf('ES256', this.identity.agreementSecret);
    this.keysHash = certifiedKeysHash(this.crypto, this.identity.lockId, signingKey, agreementKey);
    this.persistent = stored
      ? decodePersistentState(stored)
      : {
          trustedIssuers: options.trustedIssuers.slice(0, limits.trustedIssuersMax),
          updateKeys: (options.updateKeys ?? options.trustedIssuers).slice(0, limits.trustedIssuersMax),
          updateEpoch: 0, updateVersion: 0, revoked: [], sequenceFloor: 0, sequenceCeiling: 0, clockHighWaterMs: 0, audit: [], auditNextSequence: 1 };
    if (!stored) this.nv.commit(encodePersistentState(this.persistent));
    this.afterLoad();
    this.audit.restore(this.persistent.audit, this.persistent.auditNextSequence);
    this.refillSpareEphemeral();
    this.meter.discard(); // boot work is not a step's
  }

  /** The monotonic tick of the input being handled (never the RTC, which updates may move). */
  get monotonicMs(): number {
    return this.tickMs;
  }
  get isPowered(): boolean {
    return this.powered;
  }
  get isUnlocked(): boolean {
    return this.unlockedUntilMs !== undefined;
  }
  /**
   * The bolt at `trueNowMs` (the clock `step` is given): it relocks on its own timer at the unlock
   * deadline, before the firmware's next step reports `relock`. Reads only; never changes state.
   */
  isUnlockedAt(trueNowMs: number): boolean {
    return this.unlockedUntilMs !== undefined && trueNowMs < this.unlockedUntilMs;
  }
  /** When the bolt relocks (same clock as `step`), or undefined when it is locked. */
  get relockAtMs(): number | undefined {
    return this.unlockedUntilMs;
  }
  /** The battery as of the last step: state of charge, loaded voltage, low and depleted flags. */
  get battery(): BatteryReading {
    return this.cells.reading;
  }
  /** Charge drawn so far by share (idle, radio, crypto, motor), nC. */
  get batterySpent(): Readonly<ChargeShares> {
    return { ...this.cells.spent };
  }
  /** Too flat to move the bolt open (the exchange refuses with `battery_depleted`). */
  get batteryDepleted(): boolean {
    return this.cells.depleted;
  }
  get state(): Readonly<PersistentState> {
    return this.persistent;
  }
  localNowMs(trueNowMs: number): number {
    return this.clock.localMs(trueNowMs);
  }

  /**
   * When the modelled compute of an earlier step is done and its held NV writes and bolt movement
   * are due (same clock as `step`); the driver then steps the lock (`compute_done`, or any input).
   * Undefined when nothing is held (always on `ideal`, and where the driver does not hold
   * responses back: a real stack computes in real time).
   */
  get computeDoneAtMs(): number | undefined {
    return this.heldEffects[0]?.atMs;
  }

  /** Handles one input; `lastStepCompute` then holds what it computed (billed to the battery). */
  step(input: LockInput, trueNowMs: number): LockOutput[] {
    this.challengeThisStep = undefined;
    this.handledThisStep = false;
    this.staged = [];
    let outputs: LockOutput[];
    let staged: StagedEffect[];
    try {
      outputs = this.stepUnmetered(input, trueNowMs);
    } finally {
      staged = this.staged;
      this.staged = undefined;
    }
    this.lastStepCompute = this.meter.settle(this.hardware);
    this.cells.drawCompute(this.lastStepCompute.chargeNanocoulombs);
    const readyMs = this.cpu.settle(trueNowMs, this.lastStepCompute);
    const handedOut = this.challengeThisStep as OutstandingChallenge | undefined; // set by handleRead during the step
    if (handedOut !== undefined) handedOut.computeDelayMs = this.computeDelaysResponses ? readyMs - trueNowMs : 0;
    if (staged.length > 0 && this.powered) {
      // NV writes and the bolt wait for the compute that decides them (one CPU: after earlier held work).
      const heldUntil = this.heldEffects.at(-1)?.atMs;
      if (this.computeDelaysResponses && (readyMs > trueNowMs || heldUntil !== undefined)) this.heldEffects.push({ atMs: Math.max(readyMs, heldUntil ?? readyMs), effects: staged });
      else outputs = this.applyEffects(staged, outputs, true);
    }
    if (this.computeDelaysResponses && (input.type === 'read' || input.type === 'write')) this.busyWith(input.connectionId, Math.max(readyMs, this.heldEffects.at(-1)?.atMs ?? readyMs));
    if (this.handledThisStep && this.powered && this.cells.takeLowWarning()) this.pushAudit(outputs, { timeMs: this.clock.localMs(trueNowMs), event: 'battery_low' }, true);
    return outputs;
  }

  /**
   * Writes staged NV records and moves the bolt, in order. `inPlace`: the step that staged them
   * (an actuate output goes where it was staged); else they are appended to a later step's outputs.
   * A power cut in a write stops there: nothing after it happened (no actuation), and only the
   * audit outputs from before it are kept.
   */
  private applyEffects(effects: StagedEffect[], outputs: LockOutput[], inPlace: boolean): LockOutput[] {
    let inserted = 0;
    let abandoned = false;
    // In place, an output goes where its effect was staged (after what was emitted there before it).
    const emit = (mark: number, output: LockOutput): void => {
      if (inPlace) outputs.splice(mark + inserted++, 0, output);
      else outputs.push(output);
    };
    for (const effect of effects) {
      if (effect.kind === 'commit') {
        const unlock = effect.unlock;
        // The link the unlock was decided for is gone (the phone gave up): nothing moves, and the record says so.
        if (unlock !== undefined && !inPlace && !this.connections.has(unlock.connectionId)) abandoned = this.abandon(effect, unlock);
        try {
          // Its hashing was billed when the record was made (stage time); only the page writes happen now.
          this.meter.uncounted(() => this.nv.commit(effect.record));
        } catch (error) {
          if (!(error instanceof PowerLoss)) throw error;
          const kept = inPlace ? outputs.slice(0, effect.mark + inserted) : outputs;
          this.powerDown();
          return kept.filter((output) => output.type === 'audit');
        }
        if (unlock !== undefined) emit(effect.mark, { type: 'audit', record: unlock.record });
        continue;
      }
      if (abandoned) continue;
      this.unlockedUntilMs = this.tickMs + this.config.unlockMs;
      this.actuations++;
      this.cells.draw('motor');
      emit(effect.mark, { type: 'actuate', unlockUntilMs: this.unlockedUntilMs });
    }
    return outputs;
  }

  /**
   * A held unlock whose link is gone: its record (in the RAM ring and in the staged NV record)
   * becomes `unlock_abandoned`. Same size on NV (the event is an index), so the billed hashing stands.
   */
  private abandon(effect: Extract<StagedEffect, { kind: 'commit' }>, unlock: HeldUnlock): true {
    unlock.record.event = 'unlock_abandoned'; // the ring's own entry: later commits carry it too
    const staged = decodePersistentState(effect.record);
    const audit = staged.audit.map((record) => (record.sequence === unlock.record.sequence ? { ...record, event: 'unlock_abandoned' as const } : record));
    effect.record = encodePersistentState({ ...staged, audit });
    return true;
  }

  /**
   * The link's idle timer counts from when the lock's compute for its last input is done, not from
   * the input: a slow MCU still deciding must not drop the link as idle (attack on issue 15, F2).
   */
  private busyWith(connectionId: number, doneAtMs: number): void {
    const connection = this.connections.get(connectionId);
    if (connection !== undefined) connection.lastActivityMs = Math.max(connection.lastActivityMs, doneAtMs);
  }

  /** Held effects whose compute is done by now, oldest first; false when a write lost power. */
  private applyDueEffects(outputs: LockOutput[]): boolean {
    while (this.heldEffects.length > 0 && this.heldEffects[0]!.atMs <= this.tickMs) {
      const { effects } = this.heldEffects.shift()!;
      const after = this.applyEffects(effects, outputs, false);
      if (!this.powered) {
        outputs.splice(0, outputs.length, ...after);
        return false;
      }
    }
    return true;
  }

  private stepUnmetered(input: LockInput, trueNowMs: number): LockOutput[] {
    if (!this.powered) {
      if (input.type === 'power_restored') return this.boot(trueNowMs);
      return [];
    }
    const outputs: LockOutput[] = [];
    this.stepOutputs = outputs;
    this.tickMs = trueNowMs;
    this.cells.elapse(trueNowMs);
    const nowMs = this.clock.localMs(trueNowMs);
    // Held NV writes and bolt movements whose compute is done by now happen first, in order.
    if (!this.applyDueEffects(outputs)) return outputs;
    if (this.config.advertiseChallenge) this.billPastAdvertRenewals();
    this.relockIfDue(outputs);
    this.dropStaleConnections(outputs);
    try {
      this.handle(input, nowMs, trueNowMs, outputs);
    } catch (error) {
      if (!(error instanceof PowerLoss)) throw error;
      // Power died inside an NV commit: nothing after that point happened (no actuation).
      this.powerDown();
      return outputs.filter((output) => output.type === 'audit');
    }
    this.handledThisStep = true;
    return outputs;
  }

  private handle(input: LockInput, nowMs: number, trueNowMs: number, outputs: LockOutput[]): void {
    switch (input.type) {
      case 'tick':
        this.refillSpareEphemeral();
        return;
      case 'advertise':
        outputs.push({ type: 'advertisement', lockId: this.identity.lockId, challenge: this.config.advertiseChallenge ? this.currentAdvertisedChallenge() : undefined, ...(this.config.advertiseResumeNonce ? { resumeNonce: this.currentResumeNonce() } : {}) });
        return;
      case 'connect':
        // A connection id the lock still holds is a new link (the old one's state dies with it).
        this.forgetConnection(input.connectionId);
        if (this.connections.size >= this.config.connectionsMax) outputs.push({ type: 'disconnect', connectionId: input.connectionId });
        else {
          this.connections.set(input.connectionId, {
            connectedAtMs: this.tickMs,
            lastActivityMs: this.tickMs,
            connIntervalMs: input.connIntervalMs,
            refusals: 0,
            keysGenerated: 0,
            discarding: false,
            challenge: undefined,
            reassembler: new Reassembler(),
            result: idleResult,
          });
          this.cells.draw('connection');
        }
        return;
      case 'disconnect':
        this.forgetConnection(input.connectionId); // partial reassembly and challenge die with the link
        this.refillSpareEphemeral(); // the link is gone: the lock is idle
        return;
      case 'read':
        return this.handleRead(input.connectionId, input.characteristic, input.offset, outputs);
      case 'write':
        return this.handleWrite(input, nowMs, outputs);
      case 'maintenance_update':
        this.applyUpdates([input.update], nowMs, trueNowMs, outputs);
        return;
      case 'power_lost':
        this.powerDown();
        return;
      case 'power_restored':
        return;
      case 'clock_disturbed':
        this.clock.disturb(input.deltaMs);
        return;
      case 'compute_done':
        return; // held effects due by now were applied before the handler
    }
  }

  /**
   * Idle or over-age connections are dropped before any input is handled, so a connect finds the
   * slots they held free (two idle links used to hold both slots for minutes).
   */
  private dropStaleConnections(outputs: LockOutput[]): void {
    for (const [connectionId, connection] of this.connections) {
      if (this.tickMs - connection.lastActivityMs >= this.config.connectionIdleMs || this.tickMs - connection.connectedAtMs >= this.config.connectionLifetimeMs) this.dropConnection(connectionId, outputs);
    }
  }

  private dropConnection(connectionId: number, outputs: LockOutput[]): void {
    this.forgetConnection(connectionId);
    outputs.push({ type: 'disconnect', connectionId });
  }

  /**
   * The relay bound of a link: what a legitimate exchange needs at its connection interval
   * (allowance + intervals × interval), never more than the flat bound, which alone applies when the
   * driver does not tell the interval. At 15 ms: 330 ms instead of 500.
   */
  relayBoundFor(connIntervalMs: number | undefined): number {
    if (connIntervalMs === undefined) return this.config.relayBoundMs;
    return Math.min(this.config.relayBoundMs, this.config.relayAllowanceMs + this.config.relayIntervals * connIntervalMs);
  }

  private handleRead(connectionId: number, characteristic: Characteristic, offset: number, outputs: LockOutput[]): void {
    const connection = this.connections.get(connectionId);
    if (connection === undefined) return;
    connection.lastActivityMs = this.tickMs;
    let value: Uint8Array;
    if (characteristic !== 'exchange') {
      if (offset === 0) {
        const current = connection.challenge;
        // Re-serve the outstanding challenge while it can still be answered: repeated Reads cost no key generation.
        // (A nonce-only challenge is re-served as form 1 only: it has no key to show.)
        const reusable = current !== undefined && !current.used && this.tickMs - current.createdAtMs <= this.relayBoundFor(connection.connIntervalMs) && (current.nonceOnly !== true || characteristic === 'challenge');
        if (!reusable) {
          if (connection.keysGenerated >= this.config.challengeKeysPerConnectionMax) return this.dropConnection(connectionId, outputs);
          const keyed = this.spareEphemeral !== undefined || this.takeKeyToken();
          // No precomputed key and the key budget spent: a key form is refused, nothing computed
          // (config challengeKeysBurstMax); form 1 gets a nonce, which is all a resume needs (F4).
          if (!keyed && characteristic !== 'challenge') {
            this.pushAudit(outputs, { timeMs: this.clock.localMs(this.tickMs), event: 'refused', code: 'rate_limited' }, false);
            return void outputs.push({ type: 'read_error', connectionId, attError: attError.refused });
          }
          connection.keysGenerated++;
          if (current !== undefined) wipe(current.ephemeralSecret);
          wipeEarly(current?.early);
          connection.challenge = keyed ? this.newChallenge() : this.nonceOnlyChallenge();
          this.challengeThisStep = connection.challenge;
        }
      }
      const challenge = connection.challenge;
      // A Read Blob before any Read has nothing to continue: answer with an ATT error, not a crash.
      if (challenge === undefined) return void outputs.push({ type: 'read_error', connectionId, attError: attError.invalidOffset });
      challenge.form = formOfCharacteristic[characteristic];
      value = this.challengeMessage(challenge);
    } else {
      this.meter.awaitBackground(); // the signed result may still be in the making (exchange.ts)
      value = connection.result;
    }
    if (offset > value.length) outputs.push({ type: 'read_error', connectionId, attError: attError.invalidOffset });
    else outputs.push({ type: 'read_response', connectionId, value: value.slice(offset) });
  }

  private newChallenge(): OutstandingChallenge {
    const spare: { secret: Uint8Array; key: Uint8Array; signature?: Uint8Array } = this.spareEphemeral ?? this.generateEphemeral();
    this.spareEphemeral = undefined;
    const { secret: ephemeralSecret, key: ephemeralKey } = spare;
    return { form: challengeForm.commit, commitment: commitToEphemeral(this.crypto, ephemeralKey), ephemeralSecret, ephemeralKey, signature: spare.signature, createdAtMs: this.tickMs, used: false };
  }

  /** Form 1 without a key pair: a random nonce of the commitment's size; no crypto (F4). */
  private nonceOnlyChallenge(): OutstandingChallenge {
    return { form: challengeForm.commit, commitment: this.random(commitmentBytes), ephemeralSecret: new Uint8Array(0), ephemeralKey: new Uint8Array(0), signature: undefined, createdAtMs: this.tickMs, used: false, nonceOnly: true };
  }

  private generateEphemeral(): { secret: Uint8Array; key: Uint8Array } {
    const secret = p256SecretFromSeed(this.random(48));
    return { secret, key: this.crypto.publicKeyOf('ES256', secret) };
  }

  /**
   * Idle work (no ATT response waits for it): the next challenge's key pair and its form-3
   * signature (made whether or not a phone reads form 3: one Ed25519 signature per visit buys a
   * Read answered in the next connection event; docs/HARDWARE.md).
   */
  private refillSpareEphemeral(): void {
    if (this.spareEphemeral !== undefined || !this.powered || !this.takeKeyToken()) return;
    this.spareEphemeral = this.meter.runIdle(() => {
      const pair = this.generateEphemeral();
      return { ...pair, signature: this.crypto.sign(this.signingAlgorithm, this.identity.signingSecret, challengeSignedBytes(this.identity.lockId, this.config.lockVersions, pair.key)) };
    });
  }

  /** One challenge key from the budget (a token bucket on the monotonic tick); false when it is spent. */
  private takeKeyToken(): boolean {
    const { challengeKeysBurstMax: burst, challengeKeyRefillMs: refillMs } = this.config;
    const earned = Math.floor(Math.max(0, this.tickMs - this.keyTokensAtMs) / refillMs);
    this.keyTokens = Math.min(burst, this.keyTokens + earned);
    // A full bucket earns nothing more: its refill clock starts when a token is next taken.
    this.keyTokensAtMs = this.keyTokens === burst ? this.tickMs : this.keyTokensAtMs + earned * refillMs;
    if (this.keyTokens === 0) return false;
    this.keyTokens--;
    return true;
  }

  private challengeMessage(challenge: OutstandingChallenge): Uint8Array {
    const lockVersions = this.config.lockVersions;
    if (challenge.form === challengeForm.commit) return encodeChallenge({ form: challenge.form, lockVersions, commitment: challenge.commitment });
    if (challenge.form === challengeForm.key) return encodeChallenge({ form: challenge.form, lockVersions, lockEphemeralKey: challenge.ephemeralKey });
    challenge.signature ??= this.crypto.sign(this.signingAlgorithm, this.identity.signingSecret, challengeSignedBytes(this.identity.lockId, lockVersions, challenge.ephemeralKey));
    return encodeChallenge({ form: challenge.form, lockVersions, lockEphemeralKey: challenge.ephemeralKey, lockSignature: challenge.signature });
  }

  /**
   * The advertised challenge (form 3: signed, so a native phone on the 1-round-trip path also
   * authenticates the lock first), renewed once used or older than its lifetime. A renewal is a
   * key pair and a signature from the challenge key budget, above the reserve kept for connection
   * Reads (F3); without a token the advert carries no challenge and a phone reads one.
   */
  private currentAdvertisedChallenge(): Uint8Array | undefined {
    const current = this.advertised;
    if (current === undefined || current.used || this.tickMs - current.createdAtMs >= this.config.advertisedChallengeLifetimeMs) {
      if (current !== undefined) wipe(current.ephemeralSecret);
      this.advertised = undefined;
      this.advertRenewedAtMs = this.tickMs;
      if (this.spendKeyTokens(1, this.config.challengeKeysReservedForReads) === 0) return undefined;
      // Idle work: no ATT response waits for an advertisement.
      this.advertised = this.meter.runIdle((): OutstandingChallenge => {
        const { secret, key } = this.generateEphemeral();
        const signature = this.crypto.sign(this.signingAlgorithm, this.identity.signingSecret, challengeSignedBytes(this.identity.lockId, this.config.lockVersions, key));
        return { form: challengeForm.signed, commitment: commitToEphemeral(this.crypto, key), ephemeralSecret: secret, ephemeralKey: key, signature, createdAtMs: this.tickMs, used: false };
      });
    }
    return this.advertised === undefined ? undefined : this.challengeMessage(this.advertised);
  }

  /**
   * A lock that advertises its challenge renews it every lifetime whether or not anyone listens;
   * the simulator steps an advertisement only when a phone scans. Renewals that fell between this
   * input and the last one are billed now (the same primitives a renewal counts, priced on the
   * profile), as many as the bucket above its reserve allowed over the gap (F3). Only their
   * charge and counts: the challenges themselves were never heard, so none is kept.
   */
  private billPastAdvertRenewals(): void {
    if (!this.powered) return;
    const lifetimeMs = this.config.advertisedChallengeLifetimeMs;
    if (this.advertRenewedAtMs === undefined) {
      this.advertRenewedAtMs = this.tickMs;
      return;
    }
    // Renewals whose own lifetime is over by now; the current period's is made for real when an advertisement is stepped.
    const past = Math.max(0, Math.floor((this.tickMs - this.advertRenewedAtMs) / lifetimeMs) - 1);
    if (past === 0) return;
    this.advertRenewedAtMs += past * lifetimeMs;
    const made = this.spendKeyTokens(past, this.config.challengeKeysReservedForReads);
    if (made === 0) return;
    const counts = advertRenewalCounts(this.signingAlgorithm, challengeSignedBytes(this.identity.lockId, this.config.lockVersions, new Uint8Array(33)).length);
    for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] *= made;
    this.meter.billPastIdle(counts);
    this.cells.drawCompute(computeNanocoulombs(this.hardware, computeMicroseconds(this.hardware, counts)));
  }

  /**
   * Up to `wanted` challenge keys over the gap since the bucket was last counted, never taking it
   * below `reserve`: demand at the advertiser's pace outruns the refill, so tokens are spent as
   * they are earned (the cap at the burst applies to what is left). Returns how many were granted.
   */
  private spendKeyTokens(wanted: number, reserve: number): number {
    const { challengeKeysBurstMax: burst, challengeKeyRefillMs: refillMs } = this.config;
    const earned = Math.floor(Math.max(0, this.tickMs - this.keyTokensAtMs) / refillMs);
    const granted = Math.min(wanted, Math.max(0, this.keyTokens + earned - reserve));
    this.keyTokens = Math.min(burst, this.keyTokens + earned - granted);
    this.keyTokensAtMs = this.keyTokens === burst ? this.tickMs : this.keyTokensAtMs + earned * refillMs;
    return granted;
  }

  /**
   * The advertised resume nonce (docs/PROTOCOL.md §7.4): 16 random bytes, no crypto, renewed every
   * `resumeNonceRotationMs`; the one it replaces stays acceptable as the previous one. A real lock
   * renews on a timer; the model renews when it next advertises, which gives the same acceptance
   * rule (the age bound, not the rotation, is what the security argument rests on).
   */
  private currentResumeNonce(): Uint8Array {
    const rotationMs = this.config.resumeNonceRotationMs;
    const newest = this.resumeNonces[0];
    if (newest === undefined || this.tickMs - newest.createdAtMs >= rotationMs) {
      const fresh: OutstandingChallenge = { ...this.nonceOnlyChallenge(), commitment: this.random(advertisedNonceBytes), advertisedNonce: true, lifetimeMs: 2 * rotationMs };
      this.resumeNonces = newest === undefined ? [fresh] : [fresh, newest];
    }
    return encodeAdvertisedNonce({ lockVersions: this.config.lockVersions, nonce: this.resumeNonces[0]!.commitment });
  }

  /**
   * The advertised nonce a type-3 request names, if the lock still holds it (current or previous).
   * Single use across all connections: marked used here, whatever the outcome.
   */
  private takeResumeNonce(nonce: Uint8Array): OutstandingChallenge | undefined {
    if (!this.config.advertiseResumeNonce) return undefined;
    const held = this.resumeNonces.find((candidate) => equalBytes(candidate.commitment, nonce));
    if (held === undefined) return undefined;
    const alreadyUsed = held.used;
    held.used = true;
    return { ...held, used: alreadyUsed };
  }

  /** The advertised nonce a well-formed type-3 request answers, or undefined for any other message. */
  private static advertisedNonceOf(message: Uint8Array): Uint8Array | undefined {
    try {
      const request = decodeRequest(message);
      return request.type === requestType.advertisedResume ? request.nonce : undefined;
    } catch {
      return undefined; // the exchange refuses it with its decode code
    }
  }

  /**
   * A request on a connection that read no challenge answers the advertised one (1 round trip).
   * Single use across all connections; its relay bound runs from when it was advertised, so a
   * request captured and replayed on a later connection is out of time.
   */
  private advertisedFor(): OutstandingChallenge | undefined {
    const advertised = this.advertised;
    if (advertised === undefined) return undefined;
    const alreadyUsed = advertised.used;
    advertised.used = true; // consumed by this attempt whatever its outcome; the next advert carries a new one
    return { ...advertised, used: alreadyUsed };
  }

  private handleWrite(input: Extract<LockInput, { type: 'write' }>, nowMs: number, outputs: LockOutput[]): void {
    const connection = this.connections.get(input.connectionId);
    if (connection === undefined) return;
    connection.lastActivityMs = this.tickMs;
    const respond = (code: number): void => {
      if (input.withResponse) outputs.push({ type: 'write_response', connectionId: input.connectionId, attError: code });
    };
    if (input.characteristic !== 'exchange') return respond(attError.writeNotPermitted);
    const header = input.data[0] ?? 0;
    // A connection that collected its refusals is dropped when it starts another message.
    if (connection.refusals >= this.config.connectionRefusalsMax && (header & 0x7f) === 0) return this.dropConnection(input.connectionId, outputs);
    if (connection.discarding) {
      // One bad message is one failure: skip its remaining chunks until a new message (index 0) starts.
      if ((header & 0x7f) !== 0) {
        if ((header & 0x80) === 0) connection.discarding = false;
        return respond(attError.refused);
      }
      connection.discarding = false;
    }
    let message: Uint8Array | undefined;
    try {
      message = connection.reassembler.push(input.data);
    } catch (error) {
      if (!isLatchkeyError(error)) throw error;
      connection.result = encodeResult({ type: 1, status: wireOf(error.code) });
      connection.discarding = (header & 0x80) !== 0;
      connection.refusals++;
      this.pushAudit(outputs, { timeMs: nowMs, event: 'refused', code: error.code }, false);
      return respond(attError.refused);
    }
    if (message === undefined) {
      // First chunk of a longer request: start both ECDHs now, while the rest streams in.
      if ((header & 0x7f) === 0 && connection.challenge !== undefined && connection.challenge.nonceOnly !== true) earlyAgreement(this, connection.challenge, input.data);
      return respond(attError.success);
    }
    // A final chunk sent without response cannot carry the decision back: refuse it.
    if (!input.withResponse) {
      connection.result = encodeResult({ type: 1, status: wireOf('message_malformed') });
      connection.refusals++;
      this.pushAudit(outputs, { timeMs: nowMs, event: 'refused', code: 'message_malformed' }, false);
      return;
    }
    // A type-3 request answers the advertised resume nonce it names (the connection's own challenge stays).
    const advertisedNonce = Lock.advertisedNonceOf(message);
    let challenge: OutstandingChallenge | undefined;
    if (advertisedNonce !== undefined) challenge = this.takeResumeNonce(advertisedNonce);
    else {
      challenge = connection.challenge ?? this.advertisedFor();
      connection.challenge = undefined; // single use, whatever the outcome
    }
    // Plus the delay the lock's own CPU added to this challenge's Read (hardware/cpu-clock.ts; 0 on `ideal`).
    const decision = this.decide(message, challenge, this.relayBoundFor(connection.connIntervalMs) + (challenge?.computeDelayMs ?? 0), nowMs, outputs, input.connectionId);
    if (challenge !== undefined) wipe(challenge.ephemeralSecret); // single use: the secret has done its work
    wipeEarly(challenge?.early);
    if (!decision.unlocked) connection.refusals++;
    connection.result = advertisedNonce !== undefined && decision.code !== undefined && staleNonceCodes.includes(decision.code) ? this.retryResult(connection, decision.code, decision.result) : decision.result;
    respond(decision.unlocked ? attError.success : attError.refused);
  }

  /**
   * The advertised nonce a type-3 request answered was stale, taken or unknown: hand the connection
   * a fresh nonce-only form-1 challenge in the result itself (retry result, plain), so the phone's
   * fallback is one Write on this link, not a challenge Read and a Write. Counted against the
   * connection's challenge budget; past it the plain refusal goes out without one.
   */
  private retryResult(connection: Connection, code: ErrorCode, plain: Uint8Array): Uint8Array {
    if (connection.keysGenerated >= this.config.challengeKeysPerConnectionMax) return plain;
    connection.keysGenerated++;
    if (connection.challenge !== undefined) wipe(connection.challenge.ephemeralSecret);
    wipeEarly(connection.challenge?.early);
    connection.challenge = this.nonceOnlyChallenge();
    return encodeResult({ type: requestType.advertisedResume, status: wireOf(code), challenge: this.challengeMessage(connection.challenge) });
  }

  private decide(message: Uint8Array, challenge: OutstandingChallenge | undefined, relayBoundMs: number, nowMs: number, outputs: LockOutput[], connectionId: number): { unlocked: boolean; result: Uint8Array; code?: ErrorCode } {
    const context: ExchangeContext = {
      lock: this,
      nowMs,
      revokedIds: this.revokedIds,
      // Phone-carried updates never set the clock (a phone may hold one for days); maintenance syncs do.
      applyUpdates: (updates) => this.applyUpdates(updates, nowMs, undefined, outputs),
      tickMs: this.tickMs,
      relayBoundMs,
      strangersExhausted: () => this.strangersExhausted(),
      holderRateLimited: (credentialId) => this.holderRateLimited(credentialId),
    };
    const outcome = runExchange(context, message, challenge);
    const who = { ...(outcome.credentialId ? { credentialId: outcome.credentialId } : {}), ...(outcome.subject ? { subject: outcome.subject } : {}) };
    if (outcome.code !== undefined) {
      if (outcome.authenticated) {
        // A verified holder refused: its own budget. The NV ring (committed now) gets the first such
        // refusal of a credential in a window; repeats, and credentials for other doors, are
        // counted, so no holder can flush the ring or wear NV out by hammering the door.
        const firstInWindow = !this.holderRefusedRecently(outcome.credentialId!);
        if (outcome.code !== 'rate_limited' && outcome.code !== 'battery_depleted') this.recordHolderFailure(outcome.credentialId!);
        if (firstInWindow && outcome.code !== 'credential_wrong_door') {
          this.pushAudit(outputs, { timeMs: nowMs, event: 'refused', code: outcome.code, ...who }, true);
          this.commit(nowMs);
        } else this.pushAudit(outputs, { timeMs: nowMs, event: 'refused', code: outcome.code }, false);
      } else {
        if (outcome.costly) this.strangerFailureTimesMs.push(this.tickMs);
        if (this.strangerFailureTimesMs.length > this.config.strangerFailuresMax * 2) this.strangerFailureTimesMs.shift();
        // The counter keeps the lock's own reason (e.g. cose_bad_signature behind a wire access_denied).
        this.pushAudit(outputs, { timeMs: nowMs, event: 'refused', code: outcome.auditCode ?? outcome.code }, false);
      }
      return { unlocked: false, result: outcome.result, code: outcome.code };
    }
    // Persist the unlock's record and any raised supersede floor *before* actuating: a power cut
    // here means no unlock, and no unlock goes unrecorded.
    if (outcome.raiseFloorTo !== undefined) {
      // Bounded by the issuer-signed ceiling: a credential minted with a stolen key and a huge door
      // sequence cannot supersede every legitimate guest (docs/PROTOCOL.md §8).
      const target = Math.min(outcome.raiseFloorTo, this.persistent.sequenceCeiling);
      if (target > this.persistent.sequenceFloor) this.persistent = { ...this.persistent, sequenceFloor: target };
    }
    // The record goes to the RAM ring now (the commit carries it); its output comes with the commit.
    this.commit(nowMs, { connectionId, record: this.audit.append({ timeMs: nowMs, event: 'unlocked', ...who }) });
    // The bolt moves (and its relock timer starts) once the step's compute is done (applyEffects).
    this.staged?.push({ kind: 'actuate', mark: outputs.length });
    return { unlocked: true, result: outcome.result };
  }

  /** Applies signed updates carried by a phone or a maintenance sync; returns nothing: a bad one is only audited. */
  applyUpdates(updates: Uint8Array[], nowMs: number, trueNowMs: number | undefined, outputs: LockOutput[]): void {
    for (const bytes of updates) {
      const code = applyLockUpdate(this, bytes, nowMs, trueNowMs);
      // An applied update is issuer-signed (authenticated): its record went to NV with it
      // (replacePersistent); a rejected one is anybody's bytes, counted only.
      if (code === undefined) outputs.push({ type: 'audit', record: this.audit.since(0).at(-1)! });
      else this.pushAudit(outputs, { timeMs: nowMs, event: 'update_rejected', code }, false);
    }
  }

  /** Used by applyLockUpdate: replace persistent state and commit. */
  replacePersistent(next: PersistentState, nowMs: number): void {
    const trustedBefore = new Set(this.persistent.trustedIssuers.map(trustIdOf));
    this.persistent = next;
    this.audit.append({ timeMs: nowMs, event: 'update_applied' }); // committed with the update itself
    this.commit(nowMs);
    this.afterLoad();
    const trustedNow = new Set(next.trustedIssuers.map(trustIdOf));
    if (trustedNow.size !== trustedBefore.size || [...trustedNow].some((kid) => !trustedBefore.has(kid))) this.flushUntrusted();
  }

  /**
   * The trusted issuer set changed: whatever was verified under a key no longer trusted (cached
   * credentials, and the tickets that stand on them) goes, so a retired key's credentials must
   * verify again, and fail.
   */
  private flushUntrusted(): void {
    for (const [hash, entry] of this.credentialCache) if (!this.isTrustedKey(entry.issuerKey)) this.credentialCache.delete(hash);
    for (const [id, ticket] of this.tickets) if (!this.isTrustedKey(ticket.issuerKey)) this.tickets.delete(id);
  }

  isTrustedKey(trustId: string): boolean {
    return this.persistent.trustedIssuers.some((key) => trustIdOf(key) === trustId);
  }
  setClock(trueNowMs: number, targetMs: number): boolean {
    return this.clock.set(trueNowMs, targetMs);
  }

  /**
   * Commits persistent state. Inside a step the record is made (and its hashing billed) now, and
   * written when the step's compute is done (applyEffects); `outputs` marks what a power cut in the
   * write keeps. Outside a step (construction) it is written at once.
   */
  private commit(nowMs: number, unlock?: HeldUnlock): void {
    const audit = this.audit.snapshot();
    this.persistent = { ...this.persistent, clockHighWaterMs: Math.max(this.persistent.clockHighWaterMs, nowMs), audit: audit.entries, auditNextSequence: audit.nextSequence };
    const record = encodePersistentState(this.persistent);
    if (this.staged === undefined) return this.nv.commit(record);
    this.nv.hashAsCommit(record);
    this.staged.push({ kind: 'commit', record, mark: this.stepOutputs?.length ?? 0, ...(unlock !== undefined ? { unlock } : {}) });
  }

  private afterLoad(): void {
    // Refill in place: an exchange context holds this set, and an update piggybacked on the same
    // request must count for that request's own policy check (revocation before actuation).
    this.revokedIds.clear();
    for (const entry of this.persistent.revoked) this.revokedIds.add(toHex(entry.credentialId));
    this.clock.highWaterMs = Math.max(this.clock.highWaterMs, this.persistent.clockHighWaterMs);
  }

  /** A link ends: its challenge's ephemeral secret is zeroed with it. */
  private forgetConnection(connectionId: number): void {
    const connection = this.connections.get(connectionId);
    if (connection?.challenge !== undefined) wipe(connection.challenge.ephemeralSecret);
    wipeEarly(connection?.challenge?.early);
    this.connections.delete(connectionId);
  }

  private powerDown(): void {
    this.powered = false;
    for (const connectionId of [...this.connections.keys()]) this.forgetConnection(connectionId);
    if (this.advertised !== undefined) wipe(this.advertised.ephemeralSecret);
    this.advertised = undefined;
    this.resumeNonces = []; // RAM: a nonce advertised before the cut is never accepted after it
    this.advertRenewedAtMs = undefined; // an unpowered lock renews nothing: billing starts again after boot
    this.credentialCache.clear();
    this.tickets.clear();
    this.holderFailures.clear();
    this.strangerFailureTimesMs = [];
    this.routineUpdates.clear();
    this.audit.clearCounters();
    // The RAM ring is gone too: what survives is what NV holds (read back at boot as well).
    const stored = this.nv.load();
    if (stored !== undefined) {
      const committed = decodePersistentState(stored);
      this.audit.restore(committed.audit, committed.auditNextSequence);
    }
    if (this.spareEphemeral !== undefined) wipe(this.spareEphemeral.secret);
    this.spareEphemeral = undefined;
    this.unlockedUntilMs = undefined; // fail-secure bolt: relocks without power
    this.heldEffects = []; // compute not done: its NV writes and bolt movement never happen
    if (this.staged !== undefined) this.staged.length = 0;
    this.cells.suspend(); // no idle drain while off
    this.cpu.reset();
  }

  private boot(trueNowMs: number): LockOutput[] {
    this.powered = true;
    this.cells.elapse(trueNowMs); // anchors idle drain at power-up
    const stored = this.nv.load();
    if (stored === undefined) throw new Error('NV lost every committed record: the atomic commit is broken');
    this.persistent = decodePersistentState(stored);
    this.afterLoad();
    // RAM died with the power: the ring is what NV holds (an unlock cut in its commit never happened).
    this.audit.restore(this.persistent.audit, this.persistent.auditNextSequence);
    const outputs: LockOutput[] = [];
    // Recorded in RAM and committed with the next commit (a boot is no decision; a cut loses only its record).
    this.pushAudit(outputs, { timeMs: this.clock.localMs(trueNowMs), event: 'boot' }, true);
    // The challenge key budget is RAM: it died with the power and starts full, counted from now
    // (a tick from before the cut must not earn or cost tokens; attack on issue 15, F6).
    this.tickMs = trueNowMs;
    this.keyTokens = this.config.challengeKeysBurstMax;
    this.keyTokensAtMs = trueNowMs;
    this.refillSpareEphemeral();
    return outputs;
  }

  private relockIfDue(outputs: LockOutput[]): void {
    if (this.unlockedUntilMs !== undefined && this.tickMs >= this.unlockedUntilMs) {
      this.unlockedUntilMs = undefined;
      this.cells.draw('motor');
      outputs.push({ type: 'relock' });
    }
  }

  /** Past the stranger budget, unauthenticated refusals go out plain (no signature, no session ECDH). */
  private strangersExhausted(): boolean {
    this.strangerFailureTimesMs = this.strangerFailureTimesMs.filter((time) => this.tickMs - time < this.config.strangerWindowMs);
    return this.strangerFailureTimesMs.length >= this.config.strangerFailuresMax;
  }

  private holderRefusedRecently(credentialId: string): boolean {
    return (this.holderFailures.get(credentialId) ?? []).some((time) => this.tickMs - time < this.config.failureWindowMs);
  }

  private holderRateLimited(credentialId: string): boolean {
    const times = (this.holderFailures.get(credentialId) ?? []).filter((time) => this.tickMs - time < this.config.failureWindowMs);
    return times.length >= this.config.failuresMax;
  }

  private recordHolderFailure(credentialId: string): void {
    const times = (this.holderFailures.get(credentialId) ?? []).filter((time) => this.tickMs - time < this.config.failureWindowMs);
    times.push(this.tickMs);
    this.holderFailures.delete(credentialId);
    this.holderFailures.set(credentialId, times.slice(-this.config.failuresMax));
    // Bounded like the credential cache: the oldest holder's history goes first.
    if (this.holderFailures.size > limits.credentialCacheMax) this.holderFailures.delete(this.holderFailures.keys().next().value!);
  }

  /** Authenticated events go to the NV ring (committed by the caller's next commit); others are counted. */
  private pushAudit(outputs: LockOutput[], record: Omit<AuditRecord, 'sequence'>, authenticated: boolean): void {
    outputs.push({ type: 'audit', record: authenticated ? this.audit.append(record) : this.audit.count(record.timeMs, record.event, record.code!) });
  }

  /** Credential lookups used by the exchange: cached by hash, else parsed (not yet verified). */
  cachedCredential(hashHex: string): CachedCredential | undefined {
    const entry = this.credentialCache.get(hashHex);
    if (entry !== undefined) {
      this.credentialCache.delete(hashHex); // LRU: move to the back
      this.credentialCache.set(hashHex, entry);
    }
    return entry;
  }
  rememberCredential(hashHex: string, claims: CredentialClaims, issuerKey: string): void {
    // A credential already cached is refreshed in place: evicting for it would push out another phone's entry.
    if (!this.credentialCache.has(hashHex) && this.credentialCache.size >= limits.credentialCacheMax) this.credentialCache.delete(this.credentialCache.keys().next().value!);
    this.credentialCache.set(hashHex, { claims, issuerKey });
  }
  /**
   * Files a ticket under its next `ticketLookahead` ids (a phone whose attempt was refused before
   * the lock saw it moves on rather than reuse an id). At most ticketsMax tickets: oldest first out.
   */
  rememberTicket(ticket: Ticket, idsHex: string[]): void {
    this.forgetTicket(ticket.resumption);
    const distinct = new Set([...this.tickets.values()]);
    if (distinct.size >= limits.ticketsMax) this.forgetTicket(this.tickets.values().next().value!.resumption);
    for (const id of idsHex) this.tickets.set(id, ticket);
  }
  forgetTicket(resumption: Uint8Array): void {
    for (const [id, held] of this.tickets) if (held.resumption === resumption) this.tickets.delete(id);
  }
  verifyIssuerSignature(credential: ReturnType<typeof parseCredential>): void {
    verifyCredentialSignature(this.crypto, credential, this.persistent.trustedIssuers);
  }
}
