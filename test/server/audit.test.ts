/**
 * The audit upload (POST /instant_key_app/audit) and its Seam view (events/list, events/get).
 * Real unlocks on the server's virtual radio give real lock evidence (the records are built by the
 * web app's own `auditRecordOf`); the server recomputes TH2 and checks the lock's signature.
 * Covered: a verified upload, idempotent re-upload (same id, same exchange under a new id), a forged
 * signature / a lied status / a foreign door refused per record and not stored, another identity's
 * device and a deactivated one refused, repeat-path records stored as phone-reported, a table of
 * malformed and oversized bodies (400 invalid_input, never 500, nothing written), events/list
 * validated against the @seamapi/types schema and read through the official `seam` SDK, and
 * workspace isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Seam } from 'seam';
import { inTransaction } from '../../src/server/context.ts';
import type { RunningServer } from '../../src/server/index.ts';
import { addEntrance, createWorkspace } from '../../src/server/provision.ts';
import type { VirtualDoor } from '../../src/server/virtual-property.ts';
import { auditRecordsPerPhoneMax } from '../../src/server/services/audit.ts';
import { auditRecordOf, newRecordId, type AuditRecordJson } from '../../src/web/audit-queue.ts';
import type { UnlockOutcome } from '../../src/phone/unlock-client.ts';
import { call, createResponseValidator, startRadioClockServer } from './helpers.ts';
import { TestPhone } from './phone-app.ts';

let server: RunningServer;
let doors: Map<string, VirtualDoor>;
let grant: Awaited<ReturnType<typeof startRadioClockServer>>['grant'];
const validate = createResponseValidator();

beforeAll(async () => {
  ({ server, doors, grant } = await startRadioClockServer());
});

afterAll(async () => {
  await server.close();
});

let seed = 40;
async function guest(name: string, doorNames: string[]) {
  const granted = await grant(name, doorNames);
  const phone = new TestPhone({ id: `audit-${name}`, seed: seed++, crypto: server.context.issuer.crypto, radio: server.property.radio });
  await phone.openAndRegister(server.url, granted.instant_key_url);
  return { phone, grant: granted };
}

function recordOf(outcome: UnlockOutcome, door: VirtualDoor, id = newRecordId()): AuditRecordJson {
  const record = auditRecordOf(outcome, { acsEntranceId: door.acsEntranceId, lockId: door.lockId }, new Date(server.property.radio.now()), id);
  if (record === undefined) throw new Error(`no audit record for ${JSON.stringify(outcome)}`);
  return record;
}

const upload = (phone: TestPhone, records: unknown[], extra: Record<string, unknown> = {}) =>
  call(server.url, '/instant_key_app/audit', { token: phone.token, body: { device_id: phone.deviceId, records, ...extra } });

const listEvents = (body: Record<string, unknown> = {}, token = server.apiKey!) => call(server.url, '/events/list', { token, body });

function flip(text: string, index: number): string {
  const bytes = Buffer.from(text, 'base64url');
  bytes[index]! ^= 0x01;
  return bytes.toString('base64url');
}

describe('audit upload', () => {
  it('stores a full-path unlock as verified by the lock, at the lock\'s signed time; re-uploads are duplicates, not new rows', async () => {
    const room = doors.get('Room 201')!;
    const { phone } = await guest('Ada', ['Room 201']);
    const outcome = await phone.unlockAt(room.position, room.lockId);
    expect(outcome.outcome).toBe('unlocked');
    expect(outcome.path).toBe('full');
    expect(outcome.evidence).toBeDefined();
    const record = recordOf(outcome, room);

    const first = await upload(phone, [record], { dropped_total: 0 });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body['results']).toEqual([{ id: record.id, result: 'stored', verified_by_lock: true }]);

    const again = await upload(phone, [record]);
    expect(again.body['results']).toEqual([{ id: record.id, result: 'duplicate', verified_by_lock: true }]);
    const sameExchange = await upload(phone, [{ ...record, id: newRecordId() }]);
    expect(sameExchange.body['results']).toEqual([expect.objectContaining({ result: 'duplicate' })]);

    const listed = await listEvents({ acs_entrance_id: room.acsEntranceId });
    expect(listed.status).toBe(200);
    expect(validate('/events/list', 'post', listed.body)).toBeUndefined();
    const events = listed.body['events'] as Record<string, unknown>[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event_id: record.id,
      event_type: 'lock.unlocked',
      workspace_id: server.workspaceId,
      device_id: room.acsEntranceId,
      acs_entrance_id: room.acsEntranceId,
      // The lock's own clock reading, under its signature, not what the phone said.
      occurred_at: new Date(outcome.evidence!.lockTimeS * 1000).toISOString(),
      verified_by_lock: true,
      unlock_path: 'full',
      phone_device_id: phone.deviceId,
    });
  });

  it('refuses phone-reported records from the future or from before the phone existed, and caps records per phone', async () => {
    const room = doors.get('Room 203')!;
    const { phone } = await guest('Dot', ['Room 203']);
    await phone.unlockAt(room.position, room.lockId);
    const repeat = await phone.unlockAt(room.position, room.lockId);
    expect(repeat.path).toBe('resume');
    const claim = recordOf(repeat, room);
    const at = (offsetMs: number) => new Date(server.property.radio.now() + offsetMs).toISOString();
    const answer = await upload(phone, [
      { ...claim, id: newRecordId(), occurred_at: at(86_400_000) },
      { ...claim, id: newRecordId(), occurred_at: at(-30 * 86_400_000) },
    ]);
    expect((answer.body['results'] as { result: string; error_code?: string }[]).map((r) => `${r.result}:${r.error_code}`)).toEqual(['refused:invalid_input', 'refused:invalid_input']);
    // Fill this phone up to the cap directly in the store; the next claim is refused, nothing is written.
    const { audit } = server.context.repo;
    const phoneRow = (await server.context.repo.identities.getPhone(server.workspaceId!, phone.deviceId))!;
    await server.context.repo.transaction(async (tx) => {
      for (let i = await tx.audit.recordCountOf(phone.deviceId); i < auditRecordsPerPhoneMax; i++) {
        await tx.audit.insertRecord({
          audit_record_id: newRecordId(), workspace_id: phoneRow.workspace_id, device_id: phone.deviceId, user_identity_id: phoneRow.user_identity_id, acs_entrance_id: room.acsEntranceId,
          occurred_at: claim.occurred_at, created_at: claim.occurred_at, path: 'resume', outcome: 'unlocked', error_code: null, verified_by_lock: 0, transcript_hash: null, evidence: null,
        });
      }
    });
    const capped = await upload(phone, [{ ...claim, id: newRecordId() }]);
    expect(capped.body['results']).toEqual([expect.objectContaining({ result: 'refused', error_code: 'rate_limited' })]);
    expect(await audit.recordCountOf(phone.deviceId)).toBe(auditRecordsPerPhoneMax);
  });

  it('refuses a forged signature, a lied status and evidence of another credential, and stores none of them', async () => {
    const room = doors.get('Room 202')!;
    const { phone } = await guest('Bea', ['Room 202']);
    const outcome = await phone.unlockAt(room.position, room.lockId);
    const genuine = recordOf(outcome, room);
    const evidence = genuine.evidence!;
    const forged = [
      { ...genuine, id: newRecordId(), evidence: { ...evidence, lock_signature: flip(evidence.lock_signature, 10) } },
      { ...genuine, id: newRecordId(), evidence: { ...evidence, lock_ephemeral_key: flip(evidence.lock_ephemeral_key, 20) } },
      { ...genuine, id: newRecordId(), evidence: { ...evidence, phone_ephemeral_key: flip(evidence.phone_ephemeral_key, 5) } },
      { ...genuine, id: newRecordId(), outcome: 'refused', code: 'credential_revoked', evidence: { ...evidence, status: 0x26 } },
      { ...genuine, id: newRecordId(), evidence: null }, // a full-path unlock without the lock's word
    ];
    const answer = await upload(phone, [...forged, { ...genuine, id: newRecordId(), evidence: { ...evidence, credential_hash: flip(evidence.credential_hash, 0) } }]);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const codes = (answer.body['results'] as { result: string; error_code?: string }[]).map((r) => `${r.result}:${r.error_code}`);
    expect(codes).toEqual([...forged.map(() => 'refused:lock_proof_invalid'), 'refused:credential_unknown']);
    expect((await listEvents({ acs_entrance_id: room.acsEntranceId })).body['events']).toEqual([]);
    // The genuine one still goes in afterwards.
    expect((await upload(phone, [genuine])).body['results']).toEqual([{ id: genuine.id, result: 'stored', verified_by_lock: true }]);
  });

  it('stores a signed refusal as lock.access_denied, and a repeat-path unlock as phone-reported', async () => {
    const gym = doors.get('Gym')!;
    const { phone, grant: granted } = await guest('Cy', ['Gym']);
    const first = await phone.unlockAt(gym.position, gym.lockId);
    const repeat = await phone.unlockAt(gym.position, gym.lockId);
    expect([first.path, repeat.path]).toEqual(['full', 'resume']);
    expect(repeat.evidence).toBeUndefined();
    expect((await call(server.url, '/access_grants/delete', { token: server.apiKey!, body: { access_grant_id: granted.access_grant_id } })).status).toBe(200);
    server.property.maintenanceSync();
    phone.wallet!.tickets.clear();
    const refused = await phone.unlockAt(gym.position, gym.lockId);
    expect([refused.outcome, refused.code, refused.authenticated, refused.path]).toEqual(['refused', 'credential_revoked', true, 'full']);
    const records = [recordOf(first, gym), recordOf(repeat, gym), recordOf(refused, gym)];
    expect(records[2]!.evidence!.status).toBe(0x26);

    const answer = await upload(phone, records);
    expect((answer.body['results'] as { verified_by_lock: boolean }[]).map((r) => r.verified_by_lock)).toEqual([true, false, true]);
    const events = (await listEvents({ acs_entrance_id: gym.acsEntranceId })).body['events'] as Record<string, unknown>[];
    expect(events.map((e) => [e['event_type'], e['unlock_path'], e['verified_by_lock'], e['error_code']])).toEqual([
      ['lock.access_denied', 'full', true, 'credential_revoked'],
      ['lock.unlocked', 'resume', false, undefined],
      ['lock.unlocked', 'full', true, undefined],
    ]);
    const denied = await listEvents({ event_type: 'lock.access_denied', acs_entrance_id: gym.acsEntranceId });
    expect(validate('/events/list', 'post', denied.body)).toBeUndefined();
    expect((denied.body['events'] as unknown[]).length).toBe(1);
  });

  it("refuses another identity's device, a deactivated device and doors the phone holds no credential for", async () => {
    const room = doors.get('Room 203')!;
    const other = doors.get('Room 204')!;
    const { phone } = await guest('Dee', ['Room 203']);
    const { phone: stranger } = await guest('Eve', ['Room 204']);
    const record = recordOf(await phone.unlockAt(room.position, room.lockId), room);

    const foreign = await call(server.url, '/instant_key_app/audit', { token: stranger.token, body: { device_id: phone.deviceId, records: [record] } });
    expect(foreign.status).toBe(404);
    expect((foreign.body['error'] as { type: string }).type).toBe('device_not_found');
    expect((await call(server.url, '/instant_key_app/audit', { token: server.apiKey!, body: { device_id: phone.deviceId, records: [record] } })).status).toBe(401);
    expect((await call(server.url, '/instant_key_app/audit', { body: { device_id: phone.deviceId, records: [record] } })).status).toBe(401);

    // Stranger's own device, but Dee's door (and Dee's evidence): not a door this phone holds a credential for.
    const wrongDoor = await upload(stranger, [{ ...record, id: newRecordId() }]);
    expect(wrongDoor.body['results']).toEqual([expect.objectContaining({ result: 'refused', error_code: 'credential_wrong_door' })]);
    // Its own door with the lock id of another door.
    const mismatched = await upload(stranger, [{ ...record, id: newRecordId(), acs_entrance_id: other.acsEntranceId }]);
    expect(mismatched.body['results']).toEqual([expect.objectContaining({ result: 'refused', error_code: 'credential_wrong_door' })]);
    // An id already taken by another phone is not overwritten.
    expect((await upload(phone, [record])).body['results']).toEqual([expect.objectContaining({ result: 'stored' })]);
    const stolenId = await upload(stranger, [{ ...recordOf(await stranger.unlockAt(other.position, other.lockId), other), id: record.id }]);
    expect(stolenId.body['results']).toEqual([expect.objectContaining({ result: 'refused', error_code: 'invalid_input' })]);
    expect(((await listEvents({ event_ids: [record.id] })).body['events'] as { phone_device_id: string }[]).map((e) => e.phone_device_id)).toEqual([phone.deviceId]);

    expect((await call(server.url, '/phones/deactivate', { token: server.apiKey!, body: { device_id: phone.deviceId } })).status).toBe(200);
    expect((await upload(phone, [{ ...record, id: newRecordId() }])).status).toBe(404);
  });

  it('keeps the highest dropped_total a phone reported', async () => {
    const { phone } = await guest('Flo', ['Room 301']);
    const room = doors.get('Room 301')!;
    const record = recordOf(await phone.unlockAt(room.position, room.lockId), room);
    expect((await upload(phone, [record], { dropped_total: 7 })).body['dropped_total']).toBe(7);
    expect((await upload(phone, [record], { dropped_total: 3 })).body['dropped_total']).toBe(7);
    expect(await server.context.repo.audit.droppedOf(phone.deviceId)).toBe(7);
  });
});

describe('malformed uploads', () => {
  let phone: TestPhone;
  let record: AuditRecordJson;
  const rowCount = async () => ((await server.context.repo.audit.listEvents(server.workspaceId!, {}, { limit: 1000, offset: 0 })).rows.length);

  beforeAll(async () => {
    const room = doors.get('Room 302')!;
    ({ phone } = await guest('Gus', ['Room 302']));
    record = recordOf(await phone.unlockAt(room.position, room.lockId), room);
  });

  /** JSON values that are wrong almost anywhere (the JSON cousin of test/helpers/hostile.ts). */
  const hostileJson: unknown[] = [null, true, 0, -1, 1.5, 1e308, '', 'x', 'x'.repeat(5000), '====', [], [1], {}, { a: 1 }, '__proto__', '2026-13-45T99:00:00Z'];

  it('every hostile value in every field of a record or its evidence is a 400 with validation_errors (or, if well-formed, a refusal), and nothing is written', async () => {
    const before = await rowCount();
    const fields = Object.keys(record).filter((key) => key !== 'evidence');
    expect(fields).toEqual(['id', 'acs_entrance_id', 'lock_id', 'occurred_at', 'path', 'outcome', 'code']);
    const evidenceFields = Object.keys(record.evidence!);
    let checked = 0;
    let refusedCount = 0;
    for (const value of hostileJson) {
      // Legal in these two places (tested above): code null on an unlock, evidence null (refused per record).
      const bodies: unknown[] = [
        ...fields.filter((field) => value !== null || field !== 'code').map((field) => ({ ...record, id: newRecordId(), [field]: value })),
        ...(value === null ? [] : [{ ...record, id: newRecordId(), evidence: value }]),
        ...evidenceFields.filter((field) => (record.evidence as Record<string, unknown>)[field] !== value).map((field) => ({ ...record, id: newRecordId(), evidence: { ...record.evidence, [field]: value } })),
      ];
      for (const bad of bodies) {
        const answer = await upload(phone, [bad]);
        if (answer.status === 200) {
          // Well-formed but false (e.g. action 0, status 1): the evidence does not verify, refused on its own.
          expect((answer.body['results'] as { result: string }[])[0]!.result, JSON.stringify(bad)).toBe('refused');
          refusedCount++;
          continue;
        }
        expect(answer.status, JSON.stringify(bad)).toBe(400);
        // Seam's keyed shape: the problem sits under records → 0 → the field.
        const error = answer.body['error'] as { type: string; validation_errors: { _errors: string[]; records?: { '0'?: Record<string, unknown> } } };
        expect(error.type).toBe('invalid_input');
        expect(error.validation_errors._errors).toEqual([]);
        expect(Object.keys(error.validation_errors.records?.['0'] ?? {}).filter((key) => key !== '_errors').length + (error.validation_errors.records?.['0']?.['_errors'] as string[] | undefined ?? []).length, JSON.stringify(error)).toBeGreaterThan(0);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(hostileJson.length * 10);
    expect(refusedCount).toBeLessThan(10); // only numbers in number fields get this far
    expect(await rowCount()).toBe(before);
  });

  it('bad batches and bodies: 400 invalid_input, never 500', async () => {
    const before = await rowCount();
    const many = Array.from({ length: 51 }, () => ({ ...record, id: newRecordId() }));
    const cases: { name: string; body?: unknown; rawBody?: string; contentType?: string }[] = [
      { name: 'no records', body: { device_id: phone.deviceId } },
      { name: 'empty records', body: { device_id: phone.deviceId, records: [] } },
      { name: '51 records', body: { device_id: phone.deviceId, records: many } },
      { name: 'records not an array', body: { device_id: phone.deviceId, records: record } },
      { name: 'records of strings', body: { device_id: phone.deviceId, records: ['x'] } },
      { name: 'no device_id', body: { records: [record] } },
      { name: 'device_id not a uuid', body: { device_id: 'phone', records: [record] } },
      { name: 'negative dropped_total', body: { device_id: phone.deviceId, records: [record], dropped_total: -1 } },
      { name: 'float dropped_total', body: { device_id: phone.deviceId, records: [record], dropped_total: 1.5 } },
      { name: 'duplicate ids in a batch', body: { device_id: phone.deviceId, records: [record, record] } },
      { name: 'unknown record field', body: { device_id: phone.deviceId, records: [{ ...record, extra: 1 }] } },
      { name: 'unknown evidence field', body: { device_id: phone.deviceId, records: [{ ...record, evidence: { ...record.evidence, lock_id: 'AA' } }] } },
      { name: 'evidence on a resume record', body: { device_id: phone.deviceId, records: [{ ...record, path: 'resume' }] } },
      { name: 'path repeat', body: { device_id: phone.deviceId, records: [{ ...record, path: 'repeat', evidence: null }] } },
      { name: 'unlocked with a code', body: { device_id: phone.deviceId, records: [{ ...record, code: 'credential_revoked' }] } },
      { name: 'refused without a code', body: { device_id: phone.deviceId, records: [{ ...record, outcome: 'refused' }] } },
      { name: 'refused with an unknown code', body: { device_id: phone.deviceId, records: [{ ...record, outcome: 'refused', code: 'nope' }] } },
      { name: 'padded base64', body: { device_id: phone.deviceId, records: [{ ...record, evidence: { ...record.evidence, credential_hash: `${record.evidence!.credential_hash}=` } }] } },
      { name: 'standard base64 alphabet', body: { device_id: phone.deviceId, records: [{ ...record, lock_id: `${record.lock_id.slice(0, -1)}+` }] } },
      { name: 'signature 63 bytes', body: { device_id: phone.deviceId, records: [{ ...record, evidence: { ...record.evidence, lock_signature: Buffer.alloc(63).toString('base64url') } }] } },
      { name: 'status 256', body: { device_id: phone.deviceId, records: [{ ...record, evidence: { ...record.evidence, status: 256 } }] } },
      { name: 'invalid JSON', rawBody: '{"device_id": ' },
      { name: 'JSON array', rawBody: '[]' },
      { name: '__proto__ record', rawBody: `{"device_id":"${phone.deviceId}","records":[{"__proto__":{"id":"x"}}]}` },
      { name: 'oversized body', body: { device_id: phone.deviceId, records: [{ ...record, code: 'x'.repeat(70_000) }] } },
      { name: 'text/plain', rawBody: 'records=1', contentType: 'text/plain' },
    ];
    for (const bad of cases) {
      const answer = await call(server.url, '/instant_key_app/audit', { token: phone.token, ...(bad.body !== undefined ? { body: bad.body } : {}), ...(bad.rawBody !== undefined ? { rawBody: bad.rawBody } : {}), ...(bad.contentType ? { contentType: bad.contentType } : {}) });
      expect(answer.status, bad.name).toBe(400);
      expect((answer.body['error'] as { type: string }).type, bad.name).toBe('invalid_input');
    }
    expect(await rowCount()).toBe(before);
  });
});

describe('events/list', () => {
  it('works through the official seam SDK, with filters, and validates against @seamapi/types', async () => {
    const room = doors.get('Room 303')!;
    const { phone } = await guest('Hal', ['Room 303']);
    const record = recordOf(await phone.unlockAt(room.position, room.lockId), room);
    expect((await upload(phone, [record])).status).toBe(200);

    const seam = new Seam({ apiKey: server.apiKey!, endpoint: server.url });
    const all = await seam.events.list();
    expect(all.map((e) => e.event_id)).toContain(record.id);
    const since = await seam.events.list({ since: new Date(0).toISOString(), device_id: room.acsEntranceId, event_types: ['lock.unlocked'] });
    expect(since.map((e) => e.event_id)).toEqual([record.id]);
    expect(await seam.events.list({ event_type: 'lock.locked', device_id: room.acsEntranceId })).toEqual([]);
    // Names of Object.prototype members are not in the spec's event_type enum: a 400 naming the field
    // (the request schema, generated from the spec, refuses them), never a 500.
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      for (const response of [
        await listEvents({ event_type: type }),
        await listEvents({ event_types: [type] }),
        await call(server.url, `/events/list?event_type=${type}`, { token: server.apiKey!, method: 'GET' }),
      ]) {
        expect(response.status, type).toBe(400);
        const error = response.body['error'] as { type: string; validation_errors: Record<string, unknown> };
        expect(error.type, type).toBe('invalid_input');
        expect(Object.keys(error.validation_errors).filter((key) => key !== '_errors'), type).toEqual([response === undefined ? '' : Object.hasOwn(error.validation_errors, 'event_types') ? 'event_types' : 'event_type']);
      }
    }
    expect(await seam.events.list({ access_code_id: record.id })).toEqual([]);
    const got = await seam.events.get({ event_id: record.id });
    expect(got).toMatchObject({ event_id: record.id, event_type: 'lock.unlocked' });
    expect(validate('/events/get', 'post', { event: got, ok: true })).toBeUndefined();
    expect(validate('/events/list', 'post', { events: all, ok: true })).toBeUndefined();

    const future = (await listEvents({ since: '2099-01-01T00:00:00Z' })).body['events'];
    expect(future).toEqual([]);
    const between = await listEvents({ between: ['2099-01-01T00:00:00Z', 'soon'] });
    expect(between.status).toBe(400);
    const paged = await listEvents({ limit: 1, unstable_offset: 0 });
    expect((paged.body['events'] as unknown[]).length).toBe(1);
    expect((await listEvents({ limit: 0 })).status).toBe(400);
  });

  it("another workspace's key sees none of these events", async () => {
    const other = await createWorkspace(server.context, 'Audit Other Hotel');
    await inTransaction(server.context, (context) => addEntrance(context, other.workspaceId, other.acsSystemId, { name: 'Other door', shared: false }));
    const mine = (await listEvents()).body['events'] as { event_id: string }[];
    expect(mine.length).toBeGreaterThan(0);
    const theirs = await listEvents({}, other.apiKey);
    expect(theirs.status).toBe(200);
    expect(theirs.body['events']).toEqual([]);
    expect((await call(server.url, '/events/get', { token: other.apiKey, body: { event_id: mine[0]!.event_id } })).status).toBe(404);
    expect((await listEvents({ event_ids: [mine[0]!.event_id] }, other.apiKey)).body['events']).toEqual([]);
  });
});
