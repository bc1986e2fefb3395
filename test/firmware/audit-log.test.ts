/**
 * The lock's audit trail (firmware-model/audit.ts) on its own: the NV ring's bound and sequence
 * numbers, `since`, snapshot/restore as NV uses them, and the RAM refusal counters. Written for the
 * mutants a Stryker chunk over audit.ts left alive (docs/TESTING.md).
 */
import { describe, expect, it } from 'vitest';
import { AuditLog, authenticatedAuditMax, type AuditRecord } from '../../firmware-model/audit.ts';

const unlock = (timeMs: number) => ({ timeMs, event: 'unlocked' as const });

describe('AuditLog', () => {
  it('starts empty and numbers authenticated records from 1', () => {
    const log = new AuditLog();
    expect(log.size).toBe(0);
    expect(log.all()).toEqual([]);
    expect(log.append(unlock(5)).sequence).toBe(1);
    expect(log.append(unlock(6)).sequence).toBe(2);
    expect(log.size).toBe(2);
  });

  it(`keeps the newest ${authenticatedAuditMax} records, dropping the oldest`, () => {
    const log = new AuditLog();
    for (let i = 0; i < authenticatedAuditMax; i++) log.append(unlock(i));
    expect(log.size).toBe(authenticatedAuditMax);
    log.append(unlock(999));
    expect(log.size).toBe(authenticatedAuditMax);
    expect(log.since(0)[0]!.sequence).toBe(2);
    expect(log.since(0).at(-1)!.sequence).toBe(authenticatedAuditMax + 1);
  });

  it('since(n) gives the records after n, not n itself', () => {
    const log = new AuditLog();
    for (let i = 0; i < 5; i++) log.append(unlock(i));
    expect(log.since(3).map((record) => record.sequence)).toEqual([4, 5]);
    expect(log.since(5)).toEqual([]);
  });

  it('counts refusals per event and code, first and last time; power loss clears them', () => {
    const log = new AuditLog();
    expect(log.count(10, 'refused', 'cbor_malformed')).toEqual({ sequence: 0, timeMs: 10, event: 'refused', code: 'cbor_malformed' });
    log.count(20, 'refused', 'cbor_malformed');
    log.count(30, 'refused', 'cose_bad_signature');
    log.count(40, 'update_rejected', 'cbor_malformed');
    expect([...log.counters.keys()]).toHaveLength(3);
    expect(log.counters.get('refused cbor_malformed')).toEqual({ event: 'refused', code: 'cbor_malformed', count: 2, firstMs: 10, lastMs: 20 });
    log.append(unlock(50));
    expect(log.all()).toEqual([
      { sequence: 1, timeMs: 50, event: 'unlocked' },
      { sequence: 0, timeMs: 20, event: 'refused', code: 'cbor_malformed', count: 2 },
      { sequence: 0, timeMs: 30, event: 'refused', code: 'cose_bad_signature', count: 1 },
      { sequence: 0, timeMs: 40, event: 'update_rejected', code: 'cbor_malformed', count: 1 },
    ]);
    expect(log.size).toBe(1);
    log.clearCounters();
    expect(log.counters.size).toBe(0);
    expect(log.all()).toEqual([{ sequence: 1, timeMs: 50, event: 'unlocked' }]);
  });

  it('a snapshot is a copy: later appends do not change what NV was given', () => {
    const log = new AuditLog();
    log.append(unlock(1));
    const snapshot = log.snapshot();
    log.append(unlock(2));
    expect(snapshot).toEqual({ entries: [{ sequence: 1, timeMs: 1, event: 'unlocked' }], nextSequence: 2 });
  });

  it('restore keeps the newest records and never reuses a sequence number', () => {
    const records: AuditRecord[] = Array.from({ length: authenticatedAuditMax + 6 }, (_, i) => ({ sequence: i + 1, timeMs: i, event: 'unlocked' }));
    const log = new AuditLog();
    log.restore(records, 3); // a stale next-sequence: the records' own newest number wins
    expect(log.size).toBe(authenticatedAuditMax);
    expect(log.since(0)[0]!.sequence).toBe(7);
    expect(log.append(unlock(1)).sequence).toBe(authenticatedAuditMax + 7);
    const later = new AuditLog();
    later.restore(records.slice(0, 10), 20); // records dropped before the cut: the stored number wins
    expect(later.append(unlock(1)).sequence).toBe(20);
    const empty = new AuditLog();
    empty.restore([], 1);
    expect(empty.append(unlock(1)).sequence).toBe(1);
    // restore copies: the caller's array is not the ring
    const mine = records.slice(0, 2);
    const copy = new AuditLog();
    copy.restore(mine, 3);
    copy.append(unlock(9));
    expect(mine).toHaveLength(2);
  });
});
