/**
 * Control of a bleno lock worker from its spawner: move its clock, feed it a lock-side input,
 * arm a power cut, and read back what a test inspects (actuations, audit records).
 *
 * Why: a scenario written for the virtual radio says "advance: 2h", "maintenance_update",
 * "expect_actuations"; over BLE the Lock lives in a worker thread on wall-clock time. Each lock
 * therefore steps with `Date.now() + clockOffsetMs`, and the spawner moves that offset (the phone
 * and issuer side use the same shifted now). Every request is answered by one `control_done`
 * report carrying a snapshot of the lock; the reply travels on the same port as the lock's
 * actuate/audit reports, after them, so an answered request is also a barrier: every report of
 * an earlier exchange has arrived.
 */
import type { AuditRecord } from '../../firmware-model/audit.ts';
import type { LockInput } from '../../firmware-model/lock.ts';
import type { PeripheralHandle } from '../hci/index.ts';

/** Lock inputs a spawner may feed directly (the radio-side inputs come from bleno). */
export type LockControlInput = Extract<LockInput, { type: 'tick' | 'maintenance_update' | 'power_restored' | 'clock_disturbed' }>;

export type LockControlRequest =
  /** Adds `deltaMs` to the clock offset, then ticks the lock (a bolt due to relock relocks). */
  | { readonly type: 'advance_clock'; readonly deltaMs: number }
  | { readonly type: 'step'; readonly input: LockControlInput }
  /** Power fails at the NV write `writesFromNow` writes ahead (0 = the next one). */
  | { readonly type: 'power_cut_at_write'; readonly writesFromNow: number }
  | { readonly type: 'inspect' };

export interface LockControlMessage {
  readonly type: 'lock_control';
  readonly id: number;
  readonly request: LockControlRequest;
}

export interface LockSnapshot {
  readonly clockOffsetMs: number;
  readonly powered: boolean;
  readonly actuations: number;
  readonly audit: readonly AuditRecord[];
}

export type LockControlReply = { readonly type: 'control_done'; readonly id: number; readonly snapshot: LockSnapshot } | { readonly type: 'control_failed'; readonly id: number; readonly message: string };

/** How long a worker may take to answer a control request before it counts as hung. */
export const lockControlTimeoutMs = 5_000;

export function isLockControlMessage(message: unknown): message is LockControlMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'lock_control';
}

/** The spawner's side: one request at a time or many, each answered by its own reply. */
export class LockController {
  readonly peripheral: PeripheralHandle;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (snapshot: LockSnapshot) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();

  constructor(peripheral: PeripheralHandle) {
    this.peripheral = peripheral;
    peripheral.on('report', (event: { message: unknown }) => this.#onReport(event.message));
  }

  request(request: LockControlRequest): Promise<LockSnapshot> {
    const id = this.#nextId++;
    return new Promise<LockSnapshot>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.peripheral.label}: no answer to ${request.type} within ${lockControlTimeoutMs} ms`));
      }, lockControlTimeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.peripheral.control({ type: 'lock_control', id, request } satisfies LockControlMessage);
    });
  }

  #onReport(message: unknown): void {
    const reply = message as Partial<LockControlReply>;
    if ((reply.type !== 'control_done' && reply.type !== 'control_failed') || typeof reply.id !== 'number') return;
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.type === 'control_done') pending.resolve((reply as Extract<LockControlReply, { type: 'control_done' }>).snapshot);
    else pending.reject(new Error(`${this.peripheral.label}: ${(reply as Extract<LockControlReply, { type: 'control_failed' }>).message}`));
  }
}
