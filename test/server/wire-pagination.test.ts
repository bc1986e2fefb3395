/**
 * Pagination as Seam clients use it: `pagination.next_page_url` is filled when there is a next page
 * and, fetched as a GET with the API key, answers exactly the page the cursor gives (array filters
 * survive the round trip); `events/list` pages by cursor (keyset: events stored meanwhile never shift
 * a later page), through the seam SDK's paginator. Responses are checked against @seamapi/types.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Seam } from 'seam';
import type { RunningServer } from '../../src/server/index.ts';
import type { VirtualDoor } from '../../src/server/virtual-property.ts';
import { decodeEventCursor, encodeEventCursor } from '../../src/server/routes/events.ts';
import { auditRecordOf, newRecordId } from '../../src/web/audit-queue.ts';
import { call, createResponseValidator, startRadioClockServer, type RawResponse } from './helpers.ts';
import { TestPhone } from './phone-app.ts';

let server: RunningServer;
let doors: Map<string, VirtualDoor>;
let grant: Awaited<ReturnType<typeof startRadioClockServer>>['grant'];
let seam: Seam;
const validate = createResponseValidator();

beforeAll(async () => {
  ({ server, doors, grant } = await startRadioClockServer());
  seam = new Seam({ apiKey: server.apiKey!, endpoint: server.url });
});

afterAll(async () => {
  await server.close();
});

type Pagination = { has_next_page: boolean; next_page_cursor: string | null; next_page_url: string | null };

async function list(path: string, body: Record<string, unknown>): Promise<RawResponse> {
  const response = await call(server.url, path, { token: server.apiKey!, body });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(validate(path, 'post', response.body)).toBeUndefined();
  return response;
}

/** GET next_page_url as a client would (same API key, no body). */
async function follow(url: string, path: string): Promise<RawResponse> {
  expect(url.startsWith(`${server.url}${path}?`)).toBe(true);
  const response = await fetch(url, { headers: { authorization: `Bearer ${server.apiKey!}` } });
  const body = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(validate(path, 'get', body)).toBeUndefined();
  return { status: response.status, body, headers: response.headers };
}

describe('next_page_url', () => {
  it('is filled while there is a next page, null on the last, and GETs the same page as the cursor', async () => {
    for (let i = 0; i < 5; i++) await seam.userIdentities.create({ full_name: `Pager ${i}` });
    const ids: string[] = [];
    let response = await list('/user_identities/list', { limit: 2, search: 'Pager' });
    for (;;) {
      const pagination = response.body['pagination'] as Pagination;
      ids.push(...(response.body['user_identities'] as { user_identity_id: string }[]).map((u) => u.user_identity_id));
      if (!pagination.has_next_page) {
        expect(pagination).toEqual({ has_next_page: false, next_page_cursor: null, next_page_url: null });
        break;
      }
      expect(pagination.next_page_url).toContain(`page_cursor=${pagination.next_page_cursor}`);
      const byCursor = await list('/user_identities/list', { limit: 2, search: 'Pager', page_cursor: pagination.next_page_cursor });
      response = await follow(pagination.next_page_url!, '/user_identities/list');
      expect(response.body['user_identities']).toEqual(byCursor.body['user_identities']);
      expect(response.body['pagination']).toEqual(byCursor.body['pagination']);
    }
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
  });

  it('keeps array filters through the URL (repeated keys), on entrances and grants', async () => {
    const wanted = ['Room 101', 'Room 102', 'Room 103'].map((name) => doors.get(name)!.acsEntranceId);
    let response = await list('/acs/entrances/list', { limit: 1, acs_entrance_ids: wanted });
    const seen: string[] = [];
    for (;;) {
      seen.push(...(response.body['acs_entrances'] as { acs_entrance_id: string }[]).map((e) => e.acs_entrance_id));
      const pagination = response.body['pagination'] as Pagination;
      if (pagination.next_page_url === null) break;
      expect(new URL(pagination.next_page_url).searchParams.getAll('acs_entrance_ids')).toEqual(wanted);
      response = await follow(pagination.next_page_url, '/acs/entrances/list');
    }
    expect(seen.sort()).toEqual([...wanted].sort());

    const room = doors.get('Room 104')!;
    for (const name of ['Ann', 'Ben', 'Cy']) await grant(`Grant pager ${name}`, ['Room 104']);
    const first = await list('/access_grants/list', { limit: 2, acs_entrance_id: room.acsEntranceId });
    const url = (first.body['pagination'] as Pagination).next_page_url!;
    const second = await follow(url, '/access_grants/list');
    expect((second.body['access_grants'] as unknown[]).length).toBe(1);
    expect((second.body['pagination'] as Pagination).next_page_url).toBeNull();
  });
});

describe('events/list cursor pagination', () => {
  it('pages newest first with the SDK paginator; events stored meanwhile do not shift later pages', async () => {
    const room = doors.get('Room 201')!;
    const granted = await grant('Event pager', ['Room 201']);
    const phone = new TestPhone({ id: 'pager', seed: 77, crypto: server.context.issuer.crypto, radio: server.property.radio });
    await phone.openAndRegister(server.url, granted.instant_key_url);
    await phone.unlockAt(room.position, room.lockId);
    const repeat = await phone.unlockAt(room.position, room.lockId);
    const claim = auditRecordOf(repeat, { acsEntranceId: room.acsEntranceId, lockId: room.lockId }, new Date(server.property.radio.now()), newRecordId())!;
    const upload = async (count: number) => {
      const records = Array.from({ length: count }, () => ({ ...claim, id: newRecordId() }));
      const answer = await call(server.url, '/instant_key_app/audit', { token: phone.token, body: { device_id: phone.deviceId, records } });
      expect((answer.body['results'] as { result: string }[]).every((r) => r.result === 'stored'), JSON.stringify(answer.body)).toBe(true);
    };
    await upload(7); // one upload: all seven share created_at, so the cursor's tie-break (store order) is what orders them

    const everything = await seam.events.list({ acs_entrance_id: room.acsEntranceId });
    expect(everything).toHaveLength(7);
    const paginator = seam.createPaginator(seam.events.list({ acs_entrance_id: room.acsEntranceId, limit: 3 }));
    const [page1, pagination1] = await paginator.firstPage();
    expect(page1.map((e) => e.event_id)).toEqual(everything.slice(0, 3).map((e) => e.event_id));
    expect(pagination1.hasNextPage).toBe(true);
    expect(pagination1.nextPageUrl).toContain('page_cursor=');

    await upload(2); // newer events arrive while the client pages
    const [page2, pagination2] = await paginator.nextPage(pagination1.nextPageCursor);
    expect(page2.map((e) => e.event_id)).toEqual(everything.slice(3, 6).map((e) => e.event_id));
    const viaUrl = await follow(pagination1.nextPageUrl!, '/events/list');
    expect((viaUrl.body['events'] as { event_id: string }[]).map((e) => e.event_id)).toEqual(page2.map((e) => e.event_id));
    const [page3, pagination3] = await paginator.nextPage(pagination2.nextPageCursor);
    expect(page3.map((e) => e.event_id)).toEqual(everything.slice(6).map((e) => e.event_id));
    expect(pagination3).toEqual({ hasNextPage: false, nextPageCursor: null, nextPageUrl: null });
    expect(await seam.createPaginator(seam.events.list({ acs_entrance_id: room.acsEntranceId, limit: 4 })).flattenToArray()).toHaveLength(9);
  });

  it('refuses a cursor it did not make, and a cursor with unstable_offset', async () => {
    const good = encodeEventCursor({ created_at: '2030-01-01T00:00:00.000Z', rowid: 5 });
    expect(decodeEventCursor(good)).toEqual({ created_at: '2030-01-01T00:00:00.000Z', rowid: 5 });
    for (const cursor of ['x', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["2030-01-01T00:00:00Z",5]').toString('base64url'), Buffer.from('["2030-01-01T00:00:00.000Z",0]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')]) {
      const response = await call(server.url, '/events/list', { token: server.apiKey!, body: { page_cursor: cursor } });
      expect(response.status, cursor).toBe(400);
      expect((response.body['error'] as { validation_errors: Record<string, unknown> }).validation_errors['page_cursor']).toBeDefined();
    }
    const both = await call(server.url, '/events/list', { token: server.apiKey!, body: { page_cursor: good, unstable_offset: 1 } });
    expect(both.status).toBe(400);
  });
});
