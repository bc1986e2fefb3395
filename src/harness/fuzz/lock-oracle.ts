/**
 * The lock target's oracle: a real Lock driven step by step, beside a model of what the harness
 * knows — which request bytes it built validly (and for which challenge), which challenge each
 * connection holds, which were consumed, and when. After every step it checks:
 *   - `step` throws nothing (any exception is a crash: outside input must never raise one);
 *   - `actuate` only on the step that completes a request, at most once, and only when the
 *     reassembled bytes are a request this harness built validly and left unmodified, for the
 *     challenge that request answers, not consumed before, within the relay bound and lifetime;
 *   - a resumption ticket opens at most once, and only in the power cycle that issued it.
 * The model is deliberately permissive about refusals (rate limit, supersede, updates): the lock
 * may refuse more, never accept more.
 */
import type { LockConfig } from '../../../firmware-model/config.ts';
import type { Lock, LockInput, LockOutput } from '../../../firmware-model/lock.ts';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { describeError, type FindingKind } from './types.ts';
import { ReassemblyModel } from './reassembly-model.ts';

export type LockStep =
  | { op: 'connect' | 'disconnect'; connection: number }
  | { op: 'read'; connection: number; characteristic: 'challenge' | 'exchange'; offset: number }
  | { op: 'write'; connection: number; characteristic: 'challenge' | 'exchange'; hex: string; withResponse: boolean }
  | { op: 'tick'; ms: number }
  | { op: 'advertise' | 'power_lost' | 'power_restored' }
  | { op: 'power_cut'; afterWrites: number }
  | { op: 'maintenance_update'; hex: string }
  /** Bookkeeping, not a lock input: the harness built this request validly for `challengeHex`. */
  | { op: 'built'; hex: string; challengeHex: string; entitled: boolean; ticketHex?: string };

interface BuiltRequest {
  challengeHex: string;
  entitled: boolean;
  ticketHex: string | undefined;
  powerCycle: number;
}

interface ModelConnection {
  connectedAtMs: number;
  challenge: { hex: string; createdAtMs: number } | undefined;
  reassembly: ReassemblyModel;
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
  private advert: { hex: string; createdAtMs: number } | undefined;
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

  challengeOf(connection: number): string | undefined {
    return this.connections.get(connection)?.challenge?.hex;
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
      this.built.set(step.hex, { challengeHex: step.challengeHex, entitled: step.entitled, ticketHex: step.ticketHex, powerCycle: this.powerCycle });
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
    const finding = wasPowered ? this.observe(step, outputs) : undefined;
    if (finding !== undefined) return { finding };
    if (!this.lock.isPowered) this.powerDown();
    return { outputs };
  }

  private powerDown(): void {
    this.connections.clear();
    this.advert = undefined;
    this.powerCycle++;
  }

  private observe(step: LockStep, outputs: LockOutput[]): StepFinding | undefined {
    for (const output of outputs) if (output.type === 'audit' && output.record.code !== undefined) this.codes.push(output.record.code);
    const actuations = outputs.filter((output) => output.type === 'actuate').length;
    this.actuations += actuations;
    if (actuations > 1) return { kind: 'actuated_on_invalid', detail: `${actuations} actuations in one step` };
    switch (step.op) {
      case 'connect':
        if (!outputs.some((output) => output.type === 'disconnect')) this.connections.set(step.connection, { connectedAtMs: this.nowMs, challenge: undefined, reassembly: new ReassemblyModel() });
        break;
      case 'disconnect':
        this.connections.delete(step.connection);
        break;
      case 'read': {
        const connection = this.connections.get(step.connection);
        const response = outputs.find((output) => output.type === 'read_response');
        if (connection && step.characteristic === 'challenge' && step.offset === 0 && response?.type === 'read_response') connection.challenge = { hex: toHex(response.value), createdAtMs: this.nowMs };
        break;
      }
      case 'advertise': {
        const advert = outputs.find((output) => output.type === 'advertisement');
        if (advert?.type === 'advertisement' && advert.challenge !== undefined) {
          const hex = toHex(advert.challenge);
          if (this.advert?.hex !== hex) this.advert = { hex, createdAtMs: this.nowMs };
        }
        break;
      }
      case 'write':
        return this.observeWrite(step, actuations > 0);
    }
    if (actuations > 0) return { kind: 'actuated_on_invalid', detail: `actuate on a ${step.op} step` };
    return undefined;
  }

  private observeWrite(step: Extract<LockStep, { op: 'write' }>, actuated: boolean): StepFinding | undefined {
    const connection = this.connections.get(step.connection);
    if (connection === undefined || step.characteristic !== 'exchange') return actuated ? { kind: 'actuated_on_invalid', detail: 'actuate on a write that reached no request' } : undefined;
    const pushed = connection.reassembly.push(fromHex(step.hex));
    if (pushed.kind !== 'message' || !step.withResponse) return actuated ? { kind: 'actuated_on_invalid', detail: `actuate on a write that completed no request (${pushed.kind})` } : undefined;
    // Which challenge the lock answers: the one read on this connection, else the advertised one.
    const answered = connection.challenge ?? this.advertFor(connection);
    connection.challenge = undefined;
    const fresh = answered !== undefined && !this.consumed.has(answered.hex);
    if (answered !== undefined) this.consumed.add(answered.hex);
    if (!actuated) return undefined;
    const hex = toHex(pushed.message);
    const request = this.built.get(hex);
    const reason = this.refusalReason(request, answered, fresh, connection);
    if (reason !== undefined) return { kind: 'actuated_on_invalid', detail: `actuated on ${reason}; message ${hex.slice(0, 48)}…` };
    if (request?.ticketHex !== undefined) this.ticketsUsed.add(request.ticketHex);
    return undefined;
  }

  private advertFor(connection: ModelConnection): { hex: string; createdAtMs: number; anchorMs: number } | undefined {
    const advert = this.advert;
    if (advert === undefined || this.nowMs - advert.createdAtMs > this.config.advertisedChallengeLifetimeMs + this.config.relayBoundMs) return undefined;
    return { ...advert, anchorMs: Math.max(advert.createdAtMs, connection.connectedAtMs) };
  }

  private refusalReason(request: BuiltRequest | undefined, answered: { hex: string; createdAtMs: number; anchorMs?: number } | undefined, fresh: boolean, _connection: ModelConnection): string | undefined {
    if (request === undefined) return 'bytes the harness did not build validly (mutated, truncated or foreign)';
    if (!request.entitled) return 'a well-formed request whose credential does not entitle it';
    if (answered === undefined) return 'a request with no challenge outstanding';
    if (answered.hex !== request.challengeHex) return 'a request built for another challenge';
    if (!fresh) return 'a challenge already used';
    const anchorMs = answered.anchorMs ?? answered.createdAtMs;
    if (this.nowMs - anchorMs > this.config.relayBoundMs) return `a request ${this.nowMs - anchorMs} ms after its challenge (relay bound ${this.config.relayBoundMs} ms)`;
    if (this.nowMs - answered.createdAtMs > this.config.challengeLifetimeMs) return 'an expired challenge';
    if (request.ticketHex !== undefined && (this.ticketsUsed.has(request.ticketHex) || request.powerCycle !== this.powerCycle)) return 'a resumption ticket used before or from an earlier power cycle';
    return undefined;
  }
}

function inputOf(step: Exclude<LockStep, { op: 'built' | 'tick' | 'power_cut' }> | { op: 'tick' }): LockInput {
  switch (step.op) {
    case 'connect':
      return { type: 'connect', connectionId: step.connection };
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
