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
import { toHex } from '../src/protocol/bytes.ts';
import { parseCredential, verifyCredentialSignature, type CredentialClaims } from '../src/protocol/credential.ts';
import { p256SecretFromSeed, type CryptoProvider } from '../src/protocol/crypto/provider.ts';
import { isLatchkeyError, wireOf, type ErrorCode } from '../src/protocol/errors.ts';
import type { TrustedIssuerKey } from '../src/protocol/issuer-keys.ts';
import { limits } from '../src/protocol/limits.ts';
import type { RandomSource } from '../src/protocol/random.ts';
import { commitToEphemeral, encodeChallenge } from '../src/protocol/unlock/challenge.ts';
import { Reassembler } from '../src/protocol/unlock/chunking.ts';
import { encodeResult } from '../src/protocol/unlock/messages.ts';
import { applyLockUpdate } from './apply-update.ts';
import { AuditRing, type AuditRecord } from './audit.ts';
import { Battery, type BatteryReading } from './battery.ts';
import { LockClock } from './clock.ts';
import { lockConfigDefaults, type LockConfig, type LockIdentity } from './config.ts';
import { runExchange, type ExchangeContext } from './exchange.ts';
import { NvStorage, PowerLoss } from './nv.ts';
import { decodePersistentState, encodePersistentState, type PersistentState } from './persistent-state.ts';

export type Characteristic = 'challenge' | 'exchange';

export type LockInput =
  | { type: 'tick' }
  /** Advertising event: with extended advertising on, the lock puts its current challenge in the advert. */
  | { type: 'advertise' }
  | { type: 'connect'; connectionId: number }
  | { type: 'disconnect'; connectionId: number }
  | { type: 'read'; connectionId: number; characteristic: Characteristic; offset: number }
  | { type: 'write'; connectionId: number; characteristic: Characteristic; data: Uint8Array; withResponse: boolean }
  | { type: 'maintenance_update'; update: Uint8Array }
  | { type: 'power_lost' }
  | { type: 'power_restored' }
  | { type: 'clock_disturbed'; deltaMs: number };

/** ATT error codes used (Core v5.4 Vol 3 Part F §3.4.1.1); 0x80 is application-defined "refused". */
export const attError = { success: 0, invalidOffset: 0x07, writeNotPermitted: 0x03, readNotPermitted: 0x02, refused: 0x80 } as const;

export type LockOutput =
  | { type: 'read_response'; connectionId: number; value: Uint8Array }
  | { type: 'read_error'; connectionId: number; attError: number }
  | { type: 'write_response'; connectionId: number; attError: number }
  | { type: 'actuate'; unlockUntilMs: number }
  | { type: 'relock' }
  | { type: 'audit'; record: AuditRecord }
  | { type: 'advertisement'; lockId: Uint8Array; challenge: Uint8Array | undefined }
  | { type: 'disconnect'; connectionId: number };

export interface OutstandingChallenge {
  commitment: Uint8Array;
  ephemeralSecret: Uint8Array;
  ephemeralKey: Uint8Array;
  createdAtMs: number;
  /** The relay bound is measured from here: the read for a read challenge, the connection for an advertised one. */
  relayAnchorMs: number;
  used: boolean;
}

interface Connection {
  connectedAtMs: number;
  /** A chunk of the current message was refused: drop the rest of it without counting more failures. */
  discarding: boolean;
  challenge: OutstandingChallenge | undefined;
  reassembler: Reassembler;
  result: Uint8Array;
}

export interface CachedCredential {
  claims: CredentialClaims;
}

export interface Ticket {
  resumption: Uint8Array;
  counter: number;
  credentialHash: string;
  expiresAtMs: number;
}

const idleResult = encodeResult({ type: 0 });

export class Lock {
  readonly identity: LockIdentity;
  readonly config: LockConfig;
  readonly crypto: CryptoProvider;
  readonly nv: NvStorage;
  readonly audit = new AuditRing();
  private readonly random: RandomSource;
  private readonly clock: LockClock;
  private powered = true;
  private persistent: PersistentState;
  private readonly revokedIds = new Set<string>();
  private connections = new Map<number, Connection>();
  /** Verified credentials by hex hash (issuer signature already checked). */
  readonly credentialCache = new Map<string, CachedCredential>();
  /** Resumption tickets by hex ticket id. */
  readonly tickets = new Map<string, Ticket>();
  private failureTimesMs: number[] = [];
  private unlockedUntilMs: number | undefined;
  private advertised: OutstandingChallenge | undefined;
  /** Monotonic tick (ms) of the input being handled: timeouts use this, never the RTC. */
  private tickMs = 0;
  /** Count of actuations (for invariants in tests). */
  actuations = 0;
  private readonly cells: Battery;

  constructor(options: { identity: LockIdentity; trustedIssuers: TrustedIssuerKey[]; crypto: CryptoProvider; random: RandomSource; config?: Partial<LockConfig>; startMs?: number; nv?: NvStorage }) {
    this.identity = options.identity;
    this.config = { ...lockConfigDefaults, ...options.config };
    this.crypto = options.crypto;
    this.random = options.random;
    this.cells = new Battery({ capacityMah: this.config.batteryCapacityMah, initialPercent: this.config.batteryInitialPercent, lowPercent: this.config.batteryLowPercent, cutoffPercent: this.config.batteryCutoffPercent });
    this.clock = new LockClock({ driftPpm: this.config.clockDriftPpm, rollbackToleranceMs: this.config.clockRollbackToleranceMs }, this.config.clockOffsetMs);
    this.nv = options.nv ?? new NvStorage(this.crypto);
    const stored = this.nv.load();
    this.persistent = stored ? decodePersistentState(stored) : { trustedIssuers: options.trustedIssuers.slice(0, limits.trustedIssuersMax), updateVersion: 0, revoked: [], sequenceFloor: 0, clockHighWaterMs: 0 };
    if (!stored) this.nv.commit(encodePersistentState(this.persistent));
    this.afterLoad();
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

  step(input: LockInput, trueNowMs: number): LockOutput[] {
    if (!this.powered) {
      if (input.type === 'power_restored') return this.boot(trueNowMs);
      return [];
    }
    const outputs: LockOutput[] = [];
    this.tickMs = trueNowMs;
    this.cells.elapse(trueNowMs);
    const nowMs = this.clock.localMs(trueNowMs);
    this.relockIfDue(outputs);
    try {
      this.handle(input, nowMs, trueNowMs, outputs);
    } catch (error) {
      if (!(error instanceof PowerLoss)) throw error;
      // Power died inside an NV commit: nothing after that point happened (no actuation).
      this.powerDown();
      return outputs.filter((output) => output.type === 'audit');
    }
    if (this.powered && this.cells.takeLowWarning()) this.pushAudit(outputs, { timeMs: nowMs, event: 'battery_low' });
    return outputs;
  }

  private handle(input: LockInput, nowMs: number, trueNowMs: number, outputs: LockOutput[]): void {
    switch (input.type) {
      case 'tick':
        return;
      case 'advertise':
        outputs.push({ type: 'advertisement', lockId: this.identity.lockId, challenge: this.config.advertiseChallenge ? this.currentAdvertisedChallenge() : undefined });
        return;
      case 'connect':
        if (this.connections.size >= this.config.connectionsMax) outputs.push({ type: 'disconnect', connectionId: input.connectionId });
        else {
          this.connections.set(input.connectionId, { connectedAtMs: this.tickMs, discarding: false, challenge: undefined, reassembler: new Reassembler(), result: idleResult });
          this.cells.draw('connection');
        }
        return;
      case 'disconnect':
        this.connections.delete(input.connectionId); // partial reassembly and challenge die with the link
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
    }
  }

  private handleRead(connectionId: number, characteristic: Characteristic, offset: number, outputs: LockOutput[]): void {
    const connection = this.connections.get(connectionId);
    if (connection === undefined) return;
    let value: Uint8Array;
    if (characteristic === 'challenge') {
      if (offset === 0) connection.challenge = this.newChallenge();
      const challenge = connection.challenge;
      // A Read Blob before any Read has nothing to continue: answer with an ATT error, not a crash.
      if (challenge === undefined) return void outputs.push({ type: 'read_error', connectionId, attError: attError.invalidOffset });
      value = encodeChallenge({ lockVersions: this.config.lockVersions, commitment: challenge.commitment });
    } else {
      value = connection.result;
    }
    if (offset > value.length) outputs.push({ type: 'read_error', connectionId, attError: attError.invalidOffset });
    else outputs.push({ type: 'read_response', connectionId, value: value.slice(offset) });
  }

  private newChallenge(): OutstandingChallenge {
    const nowMs = this.tickMs;
    const ephemeralSecret = p256SecretFromSeed(this.random(48));
    const ephemeralKey = this.crypto.publicKeyOf('ES256', ephemeralSecret);
    return { commitment: commitToEphemeral(this.crypto, ephemeralKey), ephemeralSecret, ephemeralKey, createdAtMs: nowMs, relayAnchorMs: nowMs, used: false };
  }

  /** The advertised challenge, renewed once used or older than its lifetime. */
  private currentAdvertisedChallenge(): Uint8Array {
    const current = this.advertised;
    if (current === undefined || current.used || this.tickMs - current.createdAtMs >= this.config.advertisedChallengeLifetimeMs) this.advertised = this.newChallenge();
    return encodeChallenge({ lockVersions: this.config.lockVersions, commitment: this.advertised!.commitment });
  }

  /**
   * A request on a connection that read no challenge answers the advertised one (1 round trip).
   * Single use across all connections; its relay bound runs from this connection's start.
   */
  private advertisedFor(connection: Connection): OutstandingChallenge | undefined {
    const advertised = this.advertised;
    if (advertised === undefined || this.tickMs - advertised.createdAtMs > this.config.advertisedChallengeLifetimeMs + this.config.relayBoundMs) return undefined;
    const alreadyUsed = advertised.used;
    advertised.used = true; // consumed by this attempt whatever its outcome; the next advert carries a new one
    return { ...advertised, relayAnchorMs: Math.max(advertised.createdAtMs, connection.connectedAtMs), used: alreadyUsed };
  }

  private handleWrite(input: Extract<LockInput, { type: 'write' }>, nowMs: number, outputs: LockOutput[]): void {
    const connection = this.connections.get(input.connectionId);
    if (connection === undefined) return;
    const respond = (code: number): void => {
      if (input.withResponse) outputs.push({ type: 'write_response', connectionId: input.connectionId, attError: code });
    };
    if (input.characteristic !== 'exchange') return respond(attError.writeNotPermitted);
    const header = input.data[0] ?? 0;
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
      this.recordFailure(nowMs, error.code, outputs);
      return respond(attError.refused);
    }
    if (message === undefined) return respond(attError.success);
    // A final chunk sent without response cannot carry the decision back: refuse it.
    if (!input.withResponse) {
      connection.result = encodeResult({ type: 1, status: wireOf('message_malformed') });
      this.recordFailure(nowMs, 'message_malformed', outputs);
      return;
    }
    const challenge = connection.challenge ?? this.advertisedFor(connection);
    connection.challenge = undefined; // single use, whatever the outcome
    const decision = this.decide(message, challenge, nowMs, outputs);
    connection.result = decision.result;
    respond(decision.unlocked ? attError.success : attError.refused);
  }

  private decide(message: Uint8Array, challenge: OutstandingChallenge | undefined, nowMs: number, outputs: LockOutput[]): { unlocked: boolean; result: Uint8Array } {
    const context: ExchangeContext = {
      lock: this,
      nowMs,
      revokedIds: this.revokedIds,
      // Phone-carried updates never set the clock (a phone may hold one for days); maintenance syncs do.
      applyUpdates: (updates) => this.applyUpdates(updates, nowMs, undefined, outputs),
      tickMs: this.tickMs,
      rateLimited: () => this.isRateLimited(),
    };
    const outcome = runExchange(context, message, challenge);
    if (outcome.code !== undefined) {
      this.recordFailure(nowMs, outcome.code, outputs, outcome.credentialId, outcome.subject);
      return { unlocked: false, result: outcome.result };
    }
    // Persist a raised supersede floor *before* actuating: a power cut here means no unlock.
    if (outcome.raiseFloorTo !== undefined && outcome.raiseFloorTo > this.persistent.sequenceFloor) {
      this.persistent = { ...this.persistent, sequenceFloor: outcome.raiseFloorTo };
      this.commit(nowMs);
    }
    this.unlockedUntilMs = this.tickMs + this.config.unlockMs;
    this.actuations++;
    this.cells.draw('motor');
    outputs.push({ type: 'actuate', unlockUntilMs: this.unlockedUntilMs });
    this.pushAudit(outputs, { timeMs: nowMs, event: 'unlocked', ...(outcome.credentialId ? { credentialId: outcome.credentialId } : {}), ...(outcome.subject ? { subject: outcome.subject } : {}) });
    return { unlocked: true, result: outcome.result };
  }

  /** Applies signed updates carried by a phone or a maintenance sync; returns nothing: a bad one is only audited. */
  applyUpdates(updates: Uint8Array[], nowMs: number, trueNowMs: number | undefined, outputs: LockOutput[]): void {
    for (const bytes of updates) {
      const code = applyLockUpdate(this, bytes, nowMs, trueNowMs);
      this.pushAudit(outputs, code === undefined ? { timeMs: nowMs, event: 'update_applied' } : { timeMs: nowMs, event: 'update_rejected', code });
    }
  }

  /** Used by applyLockUpdate: replace persistent state and commit. */
  replacePersistent(next: PersistentState, nowMs: number): void {
    this.persistent = next;
    this.commit(nowMs);
    this.afterLoad();
  }
  setClock(trueNowMs: number, targetMs: number): boolean {
    return this.clock.set(trueNowMs, targetMs);
  }

  private commit(nowMs: number): void {
    this.persistent = { ...this.persistent, clockHighWaterMs: Math.max(this.persistent.clockHighWaterMs, nowMs) };
    this.nv.commit(encodePersistentState(this.persistent));
  }

  private afterLoad(): void {
    // Refill in place: an exchange context holds this set, and an update piggybacked on the same
    // request must count for that request's own policy check (revocation before actuation).
    this.revokedIds.clear();
    for (const entry of this.persistent.revoked) this.revokedIds.add(toHex(entry.credentialId));
    this.clock.highWaterMs = Math.max(this.clock.highWaterMs, this.persistent.clockHighWaterMs);
  }

  private powerDown(): void {
    this.powered = false;
    this.connections.clear();
    this.advertised = undefined;
    this.credentialCache.clear();
    this.tickets.clear();
    this.failureTimesMs = [];
    this.unlockedUntilMs = undefined; // fail-secure bolt: relocks without power
    this.cells.suspend(); // no idle drain while off
  }

  private boot(trueNowMs: number): LockOutput[] {
    this.powered = true;
    this.cells.elapse(trueNowMs); // anchors idle drain at power-up
    const stored = this.nv.load();
    if (stored === undefined) throw new Error('NV lost every committed record: the atomic commit is broken');
    this.persistent = decodePersistentState(stored);
    this.afterLoad();
    const outputs: LockOutput[] = [];
    this.pushAudit(outputs, { timeMs: this.clock.localMs(trueNowMs), event: 'boot' });
    return outputs;
  }

  private relockIfDue(outputs: LockOutput[]): void {
    if (this.unlockedUntilMs !== undefined && this.tickMs >= this.unlockedUntilMs) {
      this.unlockedUntilMs = undefined;
      this.cells.draw('motor');
      outputs.push({ type: 'relock' });
    }
  }

  private isRateLimited(): boolean {
    this.failureTimesMs = this.failureTimesMs.filter((time) => this.tickMs - time < this.config.failureWindowMs);
    return this.failureTimesMs.length >= this.config.failuresMax;
  }

  private recordFailure(nowMs: number, code: ErrorCode, outputs: LockOutput[], credentialId?: string, subject?: string): void {
    // Not failures of the phone: a rate-limit refusal, and a flat battery (refused only after the holder
    // passed every check), so a guest tapping a flat lock keeps hearing why, not "too many attempts".
    if (code !== 'rate_limited' && code !== 'battery_depleted') this.failureTimesMs.push(this.tickMs);
    if (this.failureTimesMs.length > this.config.failuresMax * 2) this.failureTimesMs.shift();
    this.pushAudit(outputs, { timeMs: nowMs, event: 'refused', code, ...(credentialId ? { credentialId } : {}), ...(subject ? { subject } : {}) });
  }

  private pushAudit(outputs: LockOutput[], record: Omit<AuditRecord, 'sequence'>): void {
    outputs.push({ type: 'audit', record: this.audit.append(record) });
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
  rememberCredential(hashHex: string, claims: CredentialClaims): void {
    if (this.credentialCache.size >= limits.credentialCacheMax) this.credentialCache.delete(this.credentialCache.keys().next().value!);
    this.credentialCache.set(hashHex, { claims });
  }
  rememberTicket(idHex: string, ticket: Ticket): void {
    if (this.tickets.size >= limits.ticketsMax) this.tickets.delete(this.tickets.keys().next().value!);
    this.tickets.set(idHex, ticket);
  }
  verifyIssuerSignature(credential: ReturnType<typeof parseCredential>): void {
    verifyCredentialSignature(this.crypto, credential, this.persistent.trustedIssuers);
  }
}
