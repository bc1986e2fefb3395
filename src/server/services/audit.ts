/**
 * The audit upload (POST /instant_key_app/audit, docs/API.md): a phone reports the unlock attempts a
 * lock answered, possibly long after (it queues them offline). A full-path record carries what the
 * lock signed; the server recomputes TH2 with the protocol's own functions and checks the lock's
 * Ed25519 signature with the key in that door's certificate, so `verified_by_lock` means the lock
 * itself answered that status to that phone's credential. A repeat-path (resume) record is HMAC'd
 * with a secret only the lock and phone know: stored as phone-reported (`verified_by_lock` false).
 *
 * Bad shape → 400 invalid_input for the whole batch (nothing stored). A well-formed record that
 * does not hold up (evidence does not verify, a door or credential the phone never had) is refused
 * on its own with a stable code from src/protocol/errors.ts, and the rest of the batch is stored:
 * one bad record must not block the phone's queue forever.
 */
import { equalBytes, toHex } from '../../protocol/bytes.ts';
import { codeOfWire, errorCodes, isLatchkeyError, type ErrorCode } from '../../protocol/errors.ts';
import { verifyLockCertificate, type LockCertificate } from '../../protocol/lock-cert.ts';
import { limits } from '../../protocol/limits.ts';
import { challengeForm, commitmentBytes, ephemeralKeyBytes, type ChallengeForm } from '../../protocol/unlock/challenge.ts';
import { certifiedKeysHash } from '../../protocol/unlock/key-schedule.ts';
import { statusUnlocked } from '../../protocol/unlock/messages.ts';
import { verifyLockEvidence, type LockEvidence } from '../../protocol/unlock/phone-exchange.ts';
import { inTransaction, mapInOrder, nowIso, type ServerContext } from '../context.ts';
import { ApiError, invalidInput, notFound, type ValidationError } from '../http/errors.ts';
import { checkInput, isPlainObject } from '../http/input.ts';
import type { AuditRecordRow, ClientSessionRow, EntranceRow } from '../repository/index.ts';

/** Records per upload (the phone sends its queue in batches of at most this many). */
export const auditBatchRecordsMax = 50;
/** A phone's cumulative dropped count is a counter, not a free-form number. */
export const auditDroppedTotalMax = 1_000_000_000;
/**
 * Records one phone may have stored: a phone-reported (repeat-path) record is a claim, so a phone
 * must not be able to fill the table. Far above what a stay produces (a guest at 50 taps a day for a year).
 */
export const auditRecordsPerPhoneMax = 20_000;
/** How far ahead of the server clock a phone's `occurred_at` may be (phone clocks drift; not minutes ahead). */
export const auditClockSkewMs = 5 * 60_000;

export interface AuditRecordInput {
  id: string;
  acs_entrance_id: string;
  lock_id: Uint8Array;
  occurred_at: string;
  path: 'full' | 'resume';
  outcome: 'unlocked' | 'refused';
  code: ErrorCode | null;
  evidence: LockEvidenceInput | null;
}

/** The phone's evidence; the lock id and the certified-keys hash come from the door's certificate, not the phone. */
type LockEvidenceInput = Omit<LockEvidence, 'lockId' | 'keysHash'>;

export interface AuditRecordResult {
  id: string;
  result: 'stored' | 'duplicate' | 'refused';
  verified_by_lock?: boolean;
  error_code?: ErrorCode;
}

const recordSpec = {
  id: { kind: 'uuid', required: true },
  acs_entrance_id: { kind: 'uuid', required: true },
  lock_id: { kind: 'string', required: true, min: 1, max: 32 },
  occurred_at: { kind: 'datetime', required: true },
  path: { kind: 'string', required: true, min: 1, max: 10 },
  outcome: { kind: 'string', required: true, min: 1, max: 10 },
  code: { kind: 'string', nullable: true, min: 1, max: 64 },
  evidence: { kind: 'object', nullable: true },
} as const;

const evidenceSpec = {
  form: { kind: 'int', required: true, min: 1, max: 3 },
  lock_versions: { kind: 'int', required: true, min: 1, max: 255 },
  nonce: { kind: 'string', required: true, min: 1, max: 60 },
  phone_versions: { kind: 'int', required: true, min: 1, max: 255 },
  phone_ephemeral_key: { kind: 'string', required: true, min: 1, max: 60 },
  credential_hash: { kind: 'string', required: true, min: 1, max: 60 },
  action: { kind: 'int', required: true, min: 0, max: 255 },
  lock_ephemeral_key: { kind: 'string', required: true, min: 1, max: 60 },
  status: { kind: 'int', required: true, min: 0, max: 255 },
  lock_time_s: { kind: 'int', required: true, min: 0, max: 0xffffffff },
  lock_signature: { kind: 'string', required: true, min: 1, max: 100 },
} as const;

/** Strict base64url (no padding) of `min`…`max` bytes, else a validation error at `path`. */
function bytesOf(text: string, path: string, min: number, max: number, errors: ValidationError[]): Uint8Array {
  const bytes = /^[A-Za-z0-9_-]*$/.test(text) ? new Uint8Array(Buffer.from(text, 'base64url')) : undefined;
  if (bytes === undefined || Buffer.from(bytes).toString('base64url') !== text || bytes.length < min || bytes.length > max) {
    errors.push({ path, message: min === max ? `must be ${min} bytes, base64url` : `must be ${min} to ${max} bytes, base64url` });
    return new Uint8Array(0);
  }
  return bytes;
}

/** Runs checkInput on a nested object, collecting its errors under `prefix` instead of throwing. */
function checkNested<S extends Parameters<typeof checkInput>[1]>(raw: Record<string, unknown>, spec: S, prefix: string, errors: ValidationError[]) {
  for (const key of Object.keys(raw)) if (!Object.hasOwn(spec, key)) errors.push({ path: `${prefix}.${key}`, message: 'is not a known field' });
  try {
    return checkInput(raw, spec);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    errors.push(...(error.validationErrors ?? []).map((e) => ({ path: `${prefix}.${e.path}`, message: e.message })));
    return undefined;
  }
}

function parseEvidence(raw: Record<string, unknown>, prefix: string, errors: ValidationError[]): LockEvidenceInput | undefined {
  const q = checkNested(raw, evidenceSpec, prefix, errors);
  if (q === undefined) return undefined;
  const before = errors.length;
  const nonceBytes = q.form === challengeForm.commit ? commitmentBytes : ephemeralKeyBytes;
  const evidence: LockEvidenceInput = {
    form: q.form as ChallengeForm,
    lockVersions: q.lock_versions,
    nonce: bytesOf(q.nonce, `${prefix}.nonce`, nonceBytes, nonceBytes, errors),
    phoneVersions: q.phone_versions,
    phoneEphemeralKey: bytesOf(q.phone_ephemeral_key, `${prefix}.phone_ephemeral_key`, 33, 33, errors),
    credentialHash: bytesOf(q.credential_hash, `${prefix}.credential_hash`, 32, 32, errors),
    action: q.action,
    lockEphemeralKey: bytesOf(q.lock_ephemeral_key, `${prefix}.lock_ephemeral_key`, 33, 33, errors),
    status: q.status,
    lockTimeS: q.lock_time_s,
    lockSignature: bytesOf(q.lock_signature, `${prefix}.lock_signature`, 64, 64, errors),
  };
  return errors.length === before ? evidence : undefined;
}

function parseRecord(raw: Record<string, unknown>, prefix: string, errors: ValidationError[]): AuditRecordInput | undefined {
  const q = checkNested(raw, recordSpec, prefix, errors);
  if (q === undefined) return undefined;
  const before = errors.length;
  const lockId = bytesOf(q.lock_id, `${prefix}.lock_id`, 1, limits.idBytesMax, errors);
  if (q.path !== 'full' && q.path !== 'resume') errors.push({ path: `${prefix}.path`, message: "must be 'full' or 'resume'" });
  if (q.outcome !== 'unlocked' && q.outcome !== 'refused') errors.push({ path: `${prefix}.outcome`, message: "must be 'unlocked' or 'refused'" });
  const code = q.code ?? null;
  if (code !== null && !Object.hasOwn(errorCodes, code)) errors.push({ path: `${prefix}.code`, message: 'must be an error code (src/protocol/errors.ts)' });
  if (q.outcome === 'unlocked' && code !== null) errors.push({ path: `${prefix}.code`, message: 'must be null when the outcome is unlocked' });
  if (q.outcome === 'refused' && code === null) errors.push({ path: `${prefix}.code`, message: 'is required when the outcome is refused' });
  if (q.path === 'resume' && q.evidence != null) errors.push({ path: `${prefix}.evidence`, message: 'only a full-path record carries evidence' });
  const evidence = q.evidence == null ? null : (parseEvidence(q.evidence, `${prefix}.evidence`, errors) ?? null);
  if (errors.length > before) return undefined;
  return { id: q.id, acs_entrance_id: q.acs_entrance_id, lock_id: lockId, occurred_at: q.occurred_at, path: q.path as AuditRecordInput['path'], outcome: q.outcome as AuditRecordInput['outcome'], code: code as ErrorCode | null, evidence };
}

/** The upload body → records, or 400 invalid_input naming every bad field (`records[2].evidence.status`). */
export function parseAuditUpload(input: Record<string, unknown>): { deviceId: string; records: AuditRecordInput[]; droppedTotal: number } {
  const q = checkInput(input, {
    device_id: { kind: 'uuid', required: true },
    records: { kind: 'object_array', required: true, min: 1, max: auditBatchRecordsMax },
    dropped_total: { kind: 'int', min: 0, max: auditDroppedTotalMax },
  });
  const errors: ValidationError[] = [];
  const records: AuditRecordInput[] = [];
  q.records.forEach((raw, index) => {
    const record = parseRecord(raw, `records[${index}]`, errors);
    if (record !== undefined) records.push(record);
  });
  const ids = new Set(records.map((r) => r.id));
  if (ids.size !== records.length) errors.push({ path: 'records', message: 'record ids must be unique within a batch' });
  if (errors.length > 0) throw invalidInput(errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
  return { deviceId: q.device_id, records, droppedTotal: q.dropped_total ?? 0 };
}

/** The door's certificate. Validity window not checked: the record may predate the certificate's expiry. */
function lockCertificateOf(context: ServerContext, entrance: EntranceRow): LockCertificate | undefined {
  try {
    return verifyLockCertificate(context.issuer.crypto, entrance.certificate, context.issuer.trusted, 0);
  } catch (error) {
    if (isLatchkeyError(error)) return undefined;
    throw error;
  }
}

/** Status byte and record agree: 0 ⇔ unlocked, else the refusal code of that wire number. */
function statusMatches(record: AuditRecordInput, status: number): boolean {
  if (record.outcome === 'unlocked') return status === statusUnlocked;
  return status !== statusUnlocked && (codeOfWire(status) ?? 'message_malformed') === record.code;
}

function evidenceJson(evidence: LockEvidence): string {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  return JSON.stringify({
    form: evidence.form, lock_id: b64(evidence.lockId), keys_hash: b64(evidence.keysHash), lock_versions: evidence.lockVersions, nonce: b64(evidence.nonce), phone_versions: evidence.phoneVersions,
    phone_ephemeral_key: b64(evidence.phoneEphemeralKey), credential_hash: b64(evidence.credentialHash), action: evidence.action,
    lock_ephemeral_key: b64(evidence.lockEphemeralKey), status: evidence.status, lock_time_s: evidence.lockTimeS, lock_signature: b64(evidence.lockSignature),
  });
}

type Phone = { device_id: string; workspace_id: string; user_identity_id: string; created_at: string };

/** One record, inside the batch's transaction. */
async function acceptRecord(context: ServerContext, phone: Phone, record: AuditRecordInput, at: string): Promise<AuditRecordResult> {
  const { audit, directory } = context.repo;
  const refused = (code: ErrorCode): AuditRecordResult => ({ id: record.id, result: 'refused', error_code: code });
  const existing = await audit.getRecord(record.id);
  if (existing !== undefined) return existing.device_id === phone.device_id ? { id: record.id, result: 'duplicate', verified_by_lock: existing.verified_by_lock === 1 } : refused('invalid_input');
  // Not before the phone existed, not in the future (with clock skew either way).
  const occurredMs = Date.parse(record.occurred_at);
  if (occurredMs > Date.parse(at) + auditClockSkewMs || occurredMs < Date.parse(phone.created_at) - auditClockSkewMs) return refused('invalid_input');
  if (await audit.recordCountOf(phone.device_id) >= auditRecordsPerPhoneMax) return refused('rate_limited');
  const entrance = await directory.entranceById(record.acs_entrance_id);
  const held = entrance === undefined || entrance.workspace_id !== phone.workspace_id ? [] : await audit.credentialsOfPhoneForDoor(phone.device_id, entrance.acs_entrance_id);
  if (entrance === undefined || held.length === 0 || !equalBytes(entrance.lock_id, record.lock_id)) return refused('credential_wrong_door');
  let transcriptHash: string | null = null;
  let evidence: LockEvidence | undefined;
  let occurredAt = record.occurred_at;
  if (record.evidence !== null) {
    const cert = lockCertificateOf(context, entrance);
    if (cert === undefined) return refused('lock_cert_invalid');
    evidence = { ...record.evidence, lockId: entrance.lock_id, keysHash: certifiedKeysHash(context.issuer.crypto, cert.lockId, cert.signingKey, cert.agreementKey) };
    const credentialHash = evidence.credentialHash;
    if (!held.some((c) => equalBytes(context.issuer.crypto.sha256(c.bytes), credentialHash))) return refused('credential_unknown');
    const th2 = statusMatches(record, evidence.status) ? verifyLockEvidence(context.issuer.crypto, evidence, cert) : undefined;
    if (th2 === undefined) return refused('lock_proof_invalid');
    transcriptHash = toHex(th2);
    const same = await audit.recordByTranscriptHash(transcriptHash);
    if (same !== undefined) return same.device_id === phone.device_id ? { id: record.id, result: 'duplicate', verified_by_lock: true } : refused('invalid_input');
    // The lock's own clock reading is under its signature: it, not the phone, says when it happened.
    if (evidence.lockTimeS > 0) occurredAt = new Date(evidence.lockTimeS * 1000).toISOString();
  } else if (record.path === 'full' && record.outcome === 'unlocked') {
    return refused('lock_proof_invalid'); // a full-path unlock always comes with the lock's signature
  }
  const row: AuditRecordRow = {
    audit_record_id: record.id, workspace_id: phone.workspace_id, device_id: phone.device_id, user_identity_id: phone.user_identity_id,
    acs_entrance_id: entrance.acs_entrance_id, occurred_at: occurredAt, created_at: at, path: record.path, outcome: record.outcome,
    error_code: record.code, verified_by_lock: evidence !== undefined ? 1 : 0, transcript_hash: transcriptHash, evidence: evidence !== undefined ? evidenceJson(evidence) : null,
  };
  await audit.insertRecord(row);
  return { id: record.id, result: 'stored', verified_by_lock: evidence !== undefined };
}

/**
 * Stores a batch for the session's own active phone (404 for another identity's phone or a
 * deactivated one, as /instant_key_app/sync). Idempotent: a record id already stored for this
 * phone (or the same exchange under another id) answers 'duplicate'.
 */
export function acceptAuditUpload(context: ServerContext, session: ClientSessionRow & { user_identity_id: string }, upload: ReturnType<typeof parseAuditUpload>) {
  return inTransaction(context, async (context) => {
    const phone = await context.repo.identities.getPhone(session.workspace_id, upload.deviceId);
    if (phone === undefined || phone.user_identity_id !== session.user_identity_id || phone.deactivated_at !== null) throw notFound(`phone ${upload.deviceId}`);
    const at = nowIso(context);
    const results = await mapInOrder(upload.records, (record) => acceptRecord(context, phone, record, at));
    const droppedTotal = await context.repo.audit.recordDropped(phone.device_id, upload.droppedTotal, at);
    return { results, dropped_total: droppedTotal };
  });
}
