/** Audit ring buffer: unlocks, refusals, updates (with reason codes) and battery warnings, for phones to carry back. */
import type { ErrorCode } from '../src/protocol/errors.ts';
import { limits } from '../src/protocol/limits.ts';

export const auditEvents = ['unlocked', 'refused', 'update_applied', 'update_rejected', 'boot', 'battery_low'] as const;
export type AuditEvent = (typeof auditEvents)[number];

export interface AuditRecord {
  sequence: number;
  timeMs: number;
  event: AuditEvent;
  code?: ErrorCode;
  /** hex of the credential id (cti), when known */
  credentialId?: string;
  subject?: string;
}

export class AuditRing {
  private readonly entries: AuditRecord[] = [];
  private nextSequence = 1;
  append(record: Omit<AuditRecord, 'sequence'>): AuditRecord {
    const full = { sequence: this.nextSequence++, ...record };
    this.entries.push(full);
    if (this.entries.length > limits.auditEntriesMax) this.entries.shift();
    return full;
  }
  since(sequence: number): AuditRecord[] {
    return this.entries.filter((entry) => entry.sequence > sequence);
  }
  get size(): number {
    return this.entries.length;
  }
}
