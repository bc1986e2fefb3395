/**
 * The lock target's oracle: a real Lock driven step by step, beside a model of what the harness
 * knows — which request bytes it built validly (and for which challenge), which challenge each
 * connection holds, which were consumed, and when. After every step it checks:
 *   - `step` throws nothing (any exception is a crash: outside input must never raise one);
 *   - `actuate` only on the step that completes a request, at most once, and only when the
 *     reassembled bytes are a request this harness built validly and left unmodified, for the
 *     challenge that request answers, not consumed before, within the relay bound and lifetime;
 *   - a resumption ticket opens at most once, and only in the power cycle that issued it.
 * Protocol v2: a challenge read at offset 0 may re-serve the outstanding challenge (same ephemeral
 * key, possibly another form), so challenges are tracked by identity (the commitment to the key)
 * and the form last served, and the relay bound (per link: connection-interval aware) runs from the
 * challenge's creation, or from the advert for an advertised one. Links the lock drops (idle, age,
 * refusal or key budget, slots full) are taken from its `disconnect` outputs. At an actuation the
 * credential must also still be under a trusted issuer key, unrevoked and not superseded in the
 * lock's state after the step (a piggybacked update counts for its own request).
 * The model is deliberately permissive about refusals (rate limit, supersede, updates): the lock
 * may refuse more, never accept more.
 */
import type { LockConfig } from '../../../firmware-model/config.ts';
import type { Characteristic, Lock, LockInput, LockOutput } from '../../../firmware-model/lock.ts';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { createNodeProvider } from '../../protocol/crypto/node.ts';
import { challengeForm, commitToEphemeral, decodeChallenge } from '../../protocol/unlock/challenge.ts';
import { describeError, type FindingKind } from './types.ts';
import { ReassemblyModel } from './reassembly-model.ts';

export type LockStep =
  | { op: 'connect'; connection: number; connIntervalMs?: number }
  | { op: 'disconnect'; connection: number }
  | { op: 'read'; connection: number; characteristic: Characteristic; offset: number }
  | { op: 'write'; connection: number; characteristic: Characteristic; hex: string; withResponse: boolean }
  | { op: 'tick'; ms: number }
  | { op: 'advertise' | 'power_lost' | 'power_restored' }
  | { op: 'power_cut'; afterWrites: number }
  | { op: 'maintenance_update'; hex: string }
  /** Bookkeeping, not a lock input: the harness built this request validly for `challengeHex`. */
  | { op: 'built'; hex: string; challengeHex: string; entitled: boolean; ticketHex?: string; credential?: BuiltCredential };

/** The credential behind a built request (a resume's: the one its ticket was granted for). */
export interface BuiltCredential {
  ctiHex: string;
  kidHex: string;
  /** Its supersede sequence for this lock. */
  sequence: number;
}

interface BuiltRequest {
  challengeHex: string;
  /** Identity and form of the challenge it answers (undefined: not a challenge). */
  challenge: ChallengeIdentity | undefined;
  entitled: boolean;
  ticketHex: string | undefined;
  credential: BuiltCredential | undefined;
  powerCycle: number;
}

interface ChallengeIdentity {
  /** hex of the commitment to the lock's ephemeral key (form 1 shows it; forms 2/3 give the key). */
  id: string;
  form: number;
}

interface TrackedChallenge extends ChallengeIdentity {
  /** The relay bound runs from here (re-serving does not move it). */
  createdAtMs: number;
}

interface ModelConnection {
  connectedAtMs: number;
  lastActivityMs: number;
  connIntervalMs: number | undefined;
  challenge: TrackedChallenge | undefined;
  reassembly: ReassemblyModel;
}

const identityCrypto = createNodeProvider();
const formOfCharacteristic: Partial<Record<Characteristic, number>> = { challenge: challengeForm.commit, challenge_key: challengeForm.key, challenge_signed: challengeForm.signed };

/** Identity and form of challenge bytes, or undefined when they are no challenge. */
export function challengeIdentity(bytes: Uint8Array): ChallengeIdentity | undefined {
  try {
    const challenge = decodeChallenge(bytes);
    const commitment = challenge.form === challengeForm.commit ? challenge.commitment! : commitToEphemeral(identityCrypto, challenge.lockEphemeralKey!);
    return { id: toHex(commitment), form: challenge.form };
  } catch {
    return undefined;
  }
}

export interface StepFinding {
  kind: FindingKind;
  detail: string;
}

export class LockOracle {
  readonly lock: Lock;
  nowMs: number;
  private readonly config: LockConfig;
  private readonly built = new Map<string, BuiltRequest>();
  private readonly connections = new Map<number, ModelConnection>();
  private readonly consumed = new Set<string>();
  private readonly ticketsUsed = new Set<string>();
  private advert: (TrackedChallenge & { hex: string }) | undefined;
  private powerCycle = 0;
  /** Codes seen in refusal audit records (for the outcome summary). */
  readonly codes: string[] = [];
  actuations = 0;

  /** `modelConfig` is what the oracle believes; the canary gives the lock a different one. */
  constructor(lock: Lock, startMs: number, modelConfig: LockConfig) {
    this.lock = lock;
    this.nowMs = startMs;
    this.config = modelConfig;
  }

  /** The bytes last served for this link's challenge (its current form), for a phone to answer. */
  private readonly servedHex = new Map<number, string>();
  challengeOf(connection: number): string | undefined {
    return this.connections.has(connection) ? this.servedHex.get(connection) : undefined;
  }
  get advertisedHex(): string | undefined {
    return this.advert?.hex;
  }
  isConnected(connection: number): boolean {
    return this.connections.has(connection);
  }

  /** Applies one step; returns the lock's outputs, or a finding. */
  apply(step: LockStep): { outputs: LockOutput[] } | { finding: StepFinding } {
    if (step.op === 'built') {
      this.built.set(step.hex, { challengeHex: step.challengeHex, challenge: challengeIdentity(fromHex(step.challengeHex)), entitled: step.entitled, ticketHex: step.ticketHex, credential: step.credential, powerCycle: this.powerCycle });
      return { outputs: [] };
    }
    if (step.op === 'tick') this.nowMs += step.ms;
    if (step.op === 'power_cut') {
      this.lock.nv.powerCutAtWrite = this.lock.nv.writeCount + step.afterWrites;
      return { outputs: [] };
    }
    const wasPowered = this.lock.isPowered;
    let outputs: LockOutput[];
    try {
      outputs = this.lock.step(inputOf(step), this.nowMs);
    } catch (error) {
      return { finding: { kind: 'crash', detail: `Lock.step(${step.op}${'characteristic' in step ? ` ${step.characteristic}` : ''}${'offset' in step ? ` offset ${step.offset}` : ''}): ${describeError(error)}` } };
    }
    const stale = wasPowered ? this.staleConnections() : new Set<number>();
    const finding = wasPowered ? this.observe(step, outputs, stale) : undefined;
    if (finding !== undefined) return { finding };
    if (!this.lock.isPowered) this.powerDown();
    return { outputs };
  }

  private powerDown(): void {
    this.connections.clear();
    this.advert = undefined;
    this.powerCycle++;
  }

  /** Links the lock drops before handling the next input (idle or over age). */
  private staleConnections(): Set<number> {
    const stale = new Set<number>();
    for (const [id, connection] of this.connections) {
      if (this.nowMs - connection.lastActivityMs >= this.config.connectionIdleMs || this.nowMs - connection.connectedAtMs >= this.config.connectionLifetimeMs) stale.add(id);
    }
    return stale;
  }

  private relayBoundOf(connection: ModelConnection): number {
    const { relayBoundMs, relayAllowanceMs, relayIntervals } = this.config;
    return connection.connIntervalMs === undefined ? relayBoundMs : Math.min(relayBoundMs, relayAllowanceMs + relayIntervals * connection.connIntervalMs);
  }

  private observe(step: LockStep, outputs: LockOutput[], stale: Set<number>): StepFinding | undefined {
    for (const output of outputs) if (output.type === 'audit' && output.record.code !== undefined) this.codes.push(output.record.code);
    const actuations = outputs.filter((output) => output.type === 'actuate').length;
    this.actuations += actuations;
    if (actuations > 1) return { kind: 'actuated_on_invalid', detail: `${actuations} actuations in one step` };
    const dropped = outputs.flatMap((output) => (output.type === 'disconnect' ? [output.connectionId] : []));
    // Links the lock dropped (idle, age, budgets) are gone before it handles the input.
    if (step.op === 'connect') {
      const id = step.connection;
      const drops = dropped.filter((entry) => entry === id).length;
      for (const entry of dropped) if (entry !== id) this.forget(entry);
      const had = this.connections.has(id);
      // A link already held: dropped as stale then connected anew, or kept when the slots are full.
      const added = had ? (stale.has(id) ? drops === 1 : drops === 0) : drops === 0;
      if (had && stale.has(id)) this.forget(id);
      if (added) this.connections.set(id, { connectedAtMs: this.nowMs, lastActivityMs: this.nowMs, connIntervalMs: step.connIntervalMs, challenge: undefined, reassembly: new ReassemblyModel() });
      this.servedHex.delete(id);
    } else for (const entry of dropped) this.forget(entry);
    switch (step.op) {
      case 'disconnect':
        this.forget(step.connection);
        break;
      case 'read': {
        const connection = this.connections.get(step.connection);
        if (connection === undefined) break;
        connection.lastActivityMs = this.nowMs;
        const form = formOfCharacteristic[step.characteristic];
        if (form === undefined) break;
        const response = outputs.find((output) => output.type === 'read_response');
        if (step.offset === 0 && response?.type === 'read_response') {
          const identity = challengeIdentity(response.value);
          if (identity === undefined) return { kind: 'model_mismatch', detail: `a challenge read answered ${toHex(response.value)}` };
          // Re-served (same key): the relay bound still runs from its creation.
          const createdAtMs = connection.challenge?.id === identity.id ? connection.challenge.createdAtMs : this.nowMs;
          connection.challenge = { ...identity, createdAtMs };
          this.servedHex.set(step.connection, toHex(response.value));
        } else if (step.offset > 0 && connection.challenge !== undefined) {
          // A Read Blob serves the outstanding challenge in this characteristic's form too.
          connection.challenge = { ...connection.challenge, form };
          this.servedHex.delete(step.connection);
        }
        break;
      }
      case 'advertise': {
        const advert = outputs.find((output) => output.type === 'advertisement');
        if (advert?.type === 'advertisement' && advert.challenge !== undefined) {
          const hex = toHex(advert.challenge);
          const identity = challengeIdentity(advert.challenge);
          if (identity === undefined) return { kind: 'model_mismatch', detail: `an advert carried ${hex}` };
          if (this.advert?.id !== identity.id) this.advert = { ...identity, hex, createdAtMs: this.nowMs };
        }
        break;
      }
      case 'write':
        return this.observeWrite(step, actuations > 0);
    }
    if (actuations > 0) return { kind: 'actuated_on_invalid', detail: `actuate on a ${step.op} step` };
    return undefined;
  }

  private forget(connection: number): void {
    this.connections.delete(connection);
    this.servedHex.delete(connection);
  }

  private observeWrite(step: Extract<LockStep, { op: 'write' }>, actuated: boolean): StepFinding | undefined {
    const connection = this.connections.get(step.connection);
    if (connection !== undefined) connection.lastActivityMs = this.nowMs;
    if (connection === undefined || step.characteristic !== 'exchange') return actuated ? { kind: 'actuated_on_invalid', detail: 'actuate on a write that reached no request' } : undefined;
    const pushed = connection.reassembly.push(fromHex(step.hex));
    if (pushed.kind !== 'message' || !step.withResponse) return actuated ? { kind: 'actuated_on_invalid', detail: `actuate on a write that completed no request (${pushed.kind})` } : undefined;
    // Which challenge the lock answers: the one read on this connection, else the advertised one.
    const answered = connection.challenge ?? this.advert;
    connection.challenge = undefined;
    this.servedHex.delete(step.connection);
    const fresh = answered !== undefined && !this.consumed.has(answered.id);
    if (answered !== undefined) this.consumed.add(answered.id);
    if (!actuated) return undefined;
    const hex = toHex(pushed.message);
    const request = this.built.get(hex);
    const reason = this.refusalReason(request, answered, fresh, connection) ?? this.policyReason(request!);
    if (reason !== undefined) return { kind: 'actuated_on_invalid', detail: `actuated on ${reason}; message ${hex.slice(0, 48)}…` };
    if (request?.ticketHex !== undefined) this.ticketsUsed.add(request.ticketHex);
    return undefined;
  }

  private refusalReason(request: BuiltRequest | undefined, answered: TrackedChallenge | undefined, fresh: boolean, connection: ModelConnection): string | undefined {
    if (request === undefined) return 'bytes the harness did not build validly (mutated, truncated or foreign)';
    if (!request.entitled) return 'a well-formed request whose credential does not entitle it';
    if (answered === undefined) return 'a request with no challenge outstanding';
    if (request.challenge === undefined || answered.id !== request.challenge.id) return 'a request built for another challenge';
    if (answered.form !== request.challenge.form) return `a request built for challenge form ${request.challenge.form} while the lock last served form ${answered.form}`;
    if (!fresh) return 'a challenge already used';
    // Per link (connection-interval aware), from the challenge's creation or its advert.
    const bound = this.relayBoundOf(connection);
    if (this.nowMs - answered.createdAtMs > bound) return `a request ${this.nowMs - answered.createdAtMs} ms after its challenge (relay bound ${bound} ms)`;
    if (this.nowMs - answered.createdAtMs > this.config.challengeLifetimeMs) return 'an expired challenge';
    if (request.ticketHex !== undefined && (this.ticketsUsed.has(request.ticketHex) || request.powerCycle !== this.powerCycle)) return 'a resumption ticket used before or from an earlier power cycle';
    return undefined;
  }

  /** The lock's state after the step (a piggybacked update already applied) must still admit the credential. */
  private policyReason(request: BuiltRequest): string | undefined {
    const credential = request.credential;
    if (credential === undefined) return undefined;
    const state = this.lock.state;
    if (!state.trustedIssuers.some((key) => toHex(key.kid) === credential.kidHex)) return 'a credential whose issuer key the lock no longer trusts';
    if (state.revoked.some((entry) => toHex(entry.credentialId) === credential.ctiHex)) return 'a revoked credential';
    if (credential.sequence < state.sequenceFloor) return `a superseded credential (sequence ${credential.sequence} < floor ${state.sequenceFloor})`;
    return undefined;
  }
}

function inputOf(step: Exclude<LockStep, { op: 'built' | 'tick' | 'power_cut' }> | { op: 'tick' }): LockInput {
  switch (step.op) {
    case 'connect':
      return { type: 'connect', connectionId: step.connection, ...(step.connIntervalMs !== undefined ? { connIntervalMs: step.connIntervalMs } : {}) };
    case 'disconnect':
      return { type: 'disconnect', connectionId: step.connection };
    case 'read':
      return { type: 'read', connectionId: step.connection, characteristic: step.characteristic, offset: step.offset };
    case 'write':
      return { type: 'write', connectionId: step.connection, characteristic: step.characteristic, data: fromHex(step.hex), withResponse: step.withResponse };
    case 'maintenance_update':
      return { type: 'maintenance_update', update: fromHex(step.hex) };
    case 'tick':
      return { type: 'tick' };
    default:
      return { type: step.op };
  }
}
