/**
 * The audit upload queue: every unlock attempt a lock answered (unlocked or refused) becomes a
 * record in IndexedDB (one queue per link, next to its keys), uploaded to
 * `POST /instant_key_app/audit` when the network is there — right away, after the page loaded, on
 * the 'online' event and on a retry every few seconds while records wait. A record leaves the
 * queue only once the server acknowledged it (stored, duplicate, or refused for good), so a lost
 * answer means a re-upload, which the server recognises by the record's own id.
 *
 * A full-path record carries the lock's signed answer (`UnlockOutcome.evidence`), so the server can
 * check that the lock really said it; a repeat-path (resume) record is the phone's word.
 * Bounded: at most `auditQueueRecordsMax` records; beyond, the oldest is dropped and counted in
 * `dropped_total`, a cumulative counter uploaded with every batch. `body[data-audit-pending]` is
 * the number of records waiting (the tests read it).
 */
import type { UnlockOutcome } from '../phone/unlock-client.ts';
import { ApiRefusal, storedLinkSession, uploadAudit } from './api.ts';
import { toBase64Url } from './base64url.ts';
import { storeGet, storeUpdate } from './store.ts';

export const auditQueueRecordsMax = 500;
/** Records per upload; the server takes at most 50 (src/server/services/audit.ts). */
export const auditUploadBatchMax = 50;
export const auditRetryMs = 3_000;

/** One record as queued and uploaded (docs/API.md, "Audit upload"). */
export interface AuditRecordJson {
  id: string;
  acs_entrance_id: string;
  lock_id: string;
  /** The phone's wall clock when the lock answered. */
  occurred_at: string;
  path: 'full' | 'resume';
  outcome: 'unlocked' | 'refused';
  code: string | null;
  evidence: {
    form: number;
    lock_versions: number;
    nonce: string;
    phone_versions: number;
    phone_ephemeral_key: string;
    credential_hash: string;
    action: number;
    lock_ephemeral_key: string;
    status: number;
    lock_time_s: number;
    lock_signature: string;
  } | null;
}

interface AuditQueueState {
  records: AuditRecordJson[];
  /** Records dropped because the queue was full, since this browser opened the link (only grows). */
  dropped_total: number;
}

/**
 * The record of one attempt, or undefined when no lock answered it (out of range, timeout, a
 * refusal by the phone itself, a busy lock, a result the lock never finished).
 */
export function auditRecordOf(outcome: UnlockOutcome, door: { acsEntranceId: string; lockId: Uint8Array }, occurredAt: Date, id: string): AuditRecordJson | undefined {
  if ((outcome.outcome !== 'unlocked' && outcome.outcome !== 'refused') || outcome.path === 'none' || outcome.code === 'message_truncated') return undefined;
  const evidence = outcome.evidence;
  return {
    id,
    acs_entrance_id: door.acsEntranceId,
    lock_id: toBase64Url(door.lockId),
    occurred_at: occurredAt.toISOString(),
    path: outcome.path,
    outcome: outcome.outcome,
    code: outcome.outcome === 'unlocked' ? null : (outcome.code ?? 'message_malformed'),
    evidence:
      evidence === undefined
        ? null
        : {
            form: evidence.form,
            lock_versions: evidence.lockVersions,
            nonce: toBase64Url(evidence.nonce),
            phone_versions: evidence.phoneVersions,
            phone_ephemeral_key: toBase64Url(evidence.phoneEphemeralKey),
            credential_hash: toBase64Url(evidence.credentialHash),
            action: evidence.action,
            lock_ephemeral_key: toBase64Url(evidence.lockEphemeralKey),
            status: evidence.status,
            lock_time_s: evidence.lockTimeS,
            lock_signature: toBase64Url(evidence.lockSignature),
          },
  };
}

/** A random (version 4) UUID: the record's id, so that a re-upload is recognised. */
export function newRecordId(): string {
  return globalThis.crypto.randomUUID(); // the page is a secure context (Web Bluetooth and service workers need one)
}

const queueKey = (linkUrl: string): string => `audit:${new URL(linkUrl).pathname}`;
const emptyQueue = (): AuditQueueState => ({ records: [], dropped_total: 0 });

function showPending(count: number): void {
  if (typeof document !== 'undefined') document.body.dataset.auditPending = String(count);
}

/** Appends a record (dropping and counting the oldest beyond the bound); returns the queue length. */
async function enqueue(linkUrl: string, record: AuditRecordJson): Promise<number> {
  const queue = await storeUpdate<AuditQueueState>(queueKey(linkUrl), (current) => {
    const next = current ?? emptyQueue();
    const records = [...next.records, record];
    const dropped = Math.max(0, records.length - auditQueueRecordsMax);
    return { records: records.slice(dropped), dropped_total: next.dropped_total + dropped };
  });
  return queue.records.length;
}

/** Removes acknowledged records (and counts `dropped` more as lost); returns what is left. */
async function acknowledge(linkUrl: string, ids: Set<string>, dropped = 0): Promise<number> {
  const queue = await storeUpdate<AuditQueueState>(queueKey(linkUrl), (current) => {
    const next = current ?? emptyQueue();
    return { records: next.records.filter((record) => !ids.has(record.id)), dropped_total: next.dropped_total + dropped };
  });
  return queue.records.length;
}

/**
 * Uploads one batch. A batch the server calls malformed (400) is retried record by record, and a
 * single record it still refuses is dropped and counted, so one bad record cannot block the queue.
 */
async function uploadBatch(linkUrl: string, batch: AuditRecordJson[], droppedTotal: number): Promise<'sent' | 'no_session'> {
  try {
    const answer = await uploadAudit(linkUrl, { records: batch, dropped_total: droppedTotal });
    if (answer === undefined) return 'no_session';
    showPending(await acknowledge(linkUrl, new Set(answer.results.map((result) => result.id))));
    return 'sent';
  } catch (error) {
    if (!(error instanceof ApiRefusal) || error.status !== 400) throw error;
    if (batch.length === 1) {
      showPending(await acknowledge(linkUrl, new Set([batch[0]!.id]), 1));
      return 'sent';
    }
    for (const record of batch) if ((await uploadBatch(linkUrl, [record], droppedTotal)) === 'no_session') return 'no_session';
    return 'sent';
  }
}

type UploadState = 'done' | 'pending' | 'stopped';

async function uploadPass(linkUrl: string): Promise<UploadState> {
  try {
    for (let round = 0; round <= auditQueueRecordsMax / auditUploadBatchMax; round++) {
      const queue = (await storeGet<AuditQueueState>(queueKey(linkUrl))) ?? emptyQueue();
      showPending(queue.records.length);
      if (queue.records.length === 0) return 'done';
      if ((await uploadBatch(linkUrl, queue.records.slice(0, auditUploadBatchMax), queue.dropped_total)) === 'no_session') return 'stopped';
    }
    return 'pending';
  } catch (error) {
    if (error instanceof ApiRefusal && (error.status === 401 || error.status === 404)) return 'stopped'; // link revoked or device removed
    return 'pending'; // offline, or the server is not answering
  }
}

let running: Promise<UploadState> | undefined;
let rerun: Promise<UploadState> | undefined;

/**
 * Uploads the whole queue, batch by batch: 'done' (empty), 'pending' (offline or the server did
 * not answer: retry later) or 'stopped' (this browser has no session for the link any more).
 * One pass at a time; a call during a pass gets one more pass after it (it may have queued a record
 * the running pass already looked past). One link per page.
 */
export function uploadAuditQueue(linkUrl: string): Promise<UploadState> {
  if (running === undefined) {
    running = uploadPass(linkUrl).finally(() => (running = undefined));
    return running;
  }
  rerun ??= running.then(() => {
    rerun = undefined;
    return uploadAuditQueue(linkUrl);
  });
  return rerun;
}

let retry: { timer: ReturnType<typeof setInterval>; attempt: () => void } | undefined;

/** Uploads now, and while records wait, again on the 'online' event and every `auditRetryMs`. */
export function uploadAuditWhenOnline(linkUrl: string): void {
  const attempt = (): void => {
    void uploadAuditQueue(linkUrl).then((state) => {
      if (state === 'pending' && retry === undefined) {
        retry = { timer: setInterval(attempt, auditRetryMs), attempt };
        window.addEventListener('online', attempt);
      } else if (state !== 'pending' && retry !== undefined) {
        clearInterval(retry.timer);
        window.removeEventListener('online', retry.attempt);
        retry = undefined;
      }
    });
  };
  attempt();
}

/** After an attempt at `lockId`: queue its record (if a lock answered) and try to upload. Never throws. */
export async function recordUnlockAttempt(linkUrl: string, lockId: Uint8Array, outcome: UnlockOutcome, occurredAt = new Date()): Promise<void> {
  try {
    const session = await storedLinkSession(linkUrl);
    const lock = toBase64Url(lockId);
    const door = session?.bundle.lock_certificates.find((cert) => cert.lock_id === lock);
    if (door === undefined) return;
    const record = auditRecordOf(outcome, { acsEntranceId: door.acs_entrance_id, lockId }, occurredAt, newRecordId());
    if (record === undefined) return;
    showPending(await enqueue(linkUrl, record));
    uploadAuditWhenOnline(linkUrl);
  } catch (error) {
    console.warn('audit record not queued', error); // the unlock itself already happened
  }
}
