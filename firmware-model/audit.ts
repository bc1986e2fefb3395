/**
 * The lock's audit trail, in two parts so that a stranger cannot flush what matters:
 *
 * - an NV-backed ring of **authenticated** events: unlocks, refusals of a holder whose credential
 *   and holder proof both verified, applied (issuer-signed) updates, and the lock's own events
 *   (boot, battery_low). It is part of the state committed to NV (persistent-state.ts), and an
 *   unlock's record is committed before the bolt moves, so no unlock goes unrecorded.
 * - RAM **counters** of unauthenticated refusals by code (count, first and last time): anything a
 *   stranger can produce (garbage, chunk faults, stale challenges, forged credentials, requests that
 *   do not decrypt) is coalesced here, so 256 junk writes cost one counter, not 256 evicted records.
 *
 * Every record is still emitted as an `audit` output for observers (radio trace, tests).
 */
import type { ErrorCode } from '../src/protocol/errors.ts';

/** `unlock_abandoned`: an unlock decided, but its link was gone when the held bolt commit was due (no actuation). Appended: NV stores the index. */
export const auditEvents = ['unlocked', 'refused', 'update_applied', 'update_rejected', 'boot', 'battery_low', 'unlock_abandoned'] as const;
export type AuditEvent = (typeof auditEvents)[number];

/** Authenticated records the NV ring keeps (oldest dropped first). */
export const authenticatedAuditMax = 64;

export interface AuditRecord {
  sequence: number;
  timeMs: number;
  event: AuditEvent;
  code?: ErrorCode;
  /** hex of the credential id (cti), when known */
  credentialId?: string;
  subject?: string;
  /** Counters only: how many refusals with this code were coalesced. */
  count?: number;
}

export interface RefusalCounter {
  count: number;
  firstMs: number;
  lastMs: number;
}

export class AuditLog {
  private entries: AuditRecord[] = [];
  private nextSequence = 1;
  /** By `event code` (refused or update_rejected). */
  readonly counters = new Map<string, RefusalCounter & { event: AuditEvent; code: ErrorCode }>();

  /** Appends an authenticated record (the caller commits NV). */
  append(record: Omit<AuditRecord, 'sequence'>): AuditRecord {
    const full = { sequence: this.nextSequence++, ...record };
    this.entries.push(full);
    if (this.entries.length > authenticatedAuditMax) this.entries.shift();
    return full;
  }

  /** Coalesces an unauthenticated refusal into its counter; returns the record to emit (sequence 0). */
  count(timeMs: number, event: AuditEvent, code: ErrorCode): AuditRecord {
    const key = `${event} ${code}`;
    const counter = this.counters.get(key);
    if (counter === undefined) this.counters.set(key, { event, code, count: 1, firstMs: timeMs, lastMs: timeMs });
    else {
      counter.count++;
      counter.lastMs = timeMs;
    }
    return { sequence: 0, timeMs, event, code };
  }

  /** Authenticated records after `sequence`. */
  since(sequence: number): AuditRecord[] {
    return this.entries.filter((entry) => entry.sequence > sequence);
  }

  /** Authenticated records, then one summary record per counter (for observers and scenarios). */
  all(): AuditRecord[] {
    const counted = [...this.counters.values()].map((counter): AuditRecord => ({ sequence: 0, timeMs: counter.lastMs, event: counter.event, code: counter.code, count: counter.count }));
    return [...this.entries, ...counted];
  }

  get size(): number {
    return this.entries.length;
  }

  /** For NV: the ring and its next sequence number. */
  snapshot(): { entries: AuditRecord[]; nextSequence: number } {
    return { entries: this.entries.slice(), nextSequence: this.nextSequence };
  }
  restore(entries: AuditRecord[], nextSequence: number): void {
    this.entries = entries.slice(-authenticatedAuditMax);
    this.nextSequence = Math.max(nextSequence, (entries.at(-1)?.sequence ?? 0) + 1);
  }
  /** Power loss: counters are RAM. */
  clearCounters(): void {
    this.counters.clear();
  }
}
