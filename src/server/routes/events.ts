/**
 * Seam endpoints: events/list, events/get — the phones' uploaded audit records (services/audit.ts)
 * as Seam events: an unlock is `lock.unlocked` (method "unknown": Seam's enum has no mobile key), a
 * refusal the lock answered is `lock.access_denied`. A latchkey door is its own lock device, so
 * `device_id` is the door's `acs_entrance_id`. Added fields (allowed by the Seam schema):
 * `acs_entrance_id`, `acs_system_id`, `user_identity_id`, `verified_by_lock` (the server checked
 * the lock's signature), `unlock_path` ('full' | 'resume'), `phone_device_id` (the phone that
 * uploaded it) and, on a refusal, `error_code` (src/protocol/errors.ts).
 */
import type { FastifyInstance } from 'fastify';
import { mapInOrder, type ServerContext } from '../context.ts';
import { invalidInput, notFound } from '../http/errors.ts';
import { checkInput, normaliseDatetime } from '../http/input.ts';
import { apiRoute } from '../http/route.ts';
import type { AuditEventFilter, AuditEventRow, EventPosition } from '../repository/sqlite-audit.ts';

const eventTypeOfOutcome = { unlocked: 'lock.unlocked', refused: 'lock.access_denied' } as const;
/** A Map, not an object: an event type such as "constructor" must not find an inherited property. */
const outcomeOfEventType = new Map<string, 'unlocked' | 'refused'>([['lock.unlocked', 'unlocked'], ['lock.access_denied', 'refused']]);
/** Seam filters naming things latchkey records no events for (access codes, webviews, …): they match nothing. */
const filtersMatchingNothing = [
  'access_code_id', 'access_code_ids', 'access_grant_id', 'access_grant_ids', 'access_method_id', 'access_method_ids', 'acs_access_group_id',
  'acs_credential_id', 'acs_encoder_id', 'acs_user_id', 'connect_webview_id', 'customer_key',
] as const;
export const eventsLimitMax = 1000;

export function eventJson(row: AuditEventRow) {
  return {
    event_id: row.audit_record_id,
    workspace_id: row.workspace_id,
    created_at: row.created_at,
    occurred_at: row.occurred_at,
    connected_account_id: row.connected_account_id,
    event_type: eventTypeOfOutcome[row.outcome],
    device_id: row.acs_entrance_id,
    acs_entrance_id: row.acs_entrance_id,
    acs_system_id: row.acs_system_id,
    user_identity_id: row.user_identity_id,
    ...(row.outcome === 'unlocked' ? { method: 'unknown' as const } : { error_code: row.error_code }),
    verified_by_lock: row.verified_by_lock === 1,
    unlock_path: row.path,
    phone_device_id: row.device_id,
  };
}

/** `between: [from, to]` (exclusive) or `since`; both compare to created_at (when the server got the record). */
function timeWindow(input: Record<string, unknown>, since: string | undefined): Pick<AuditEventFilter, 'created_after' | 'created_before'> {
  const between = input['between'];
  if (between === undefined) return { created_after: since };
  const bad = () => invalidInput('between must be two ISO-8601 date-times', [{ path: 'between', message: 'must be [from, to], two ISO-8601 date-times' }]);
  if (!Array.isArray(between) || between.length !== 2 || !between.every((t) => typeof t === 'string')) throw bad();
  const [from, to] = (between as string[]).map(normaliseDatetime);
  if (from === undefined || to === undefined) throw bad();
  return { created_after: since !== undefined && since > from ? since : from, created_before: to };
}

function eventTypesOf(input: Record<string, unknown>, single: string | undefined): string[] | undefined {
  const many = input['event_types'];
  if (many !== undefined && (!Array.isArray(many) || many.length > 100 || !many.every((t) => typeof t === 'string' && t.length <= 100))) {
    throw invalidInput('event_types must be an array of event types', [{ path: 'event_types', message: 'must be an array of at most 100 strings' }]);
  }
  if (single === undefined && many === undefined) return undefined;
  return [...(single !== undefined ? [single] : []), ...((many as string[] | undefined) ?? [])];
}

/** An events cursor is the position of the page's last event: base64url of `[created_at, rowid]`. */
export function encodeEventCursor(position: EventPosition): string {
  return Buffer.from(JSON.stringify([position.created_at, position.rowid]), 'utf8').toString('base64url');
}

export function decodeEventCursor(cursor: string): EventPosition {
  const bad = () => invalidInput('page_cursor is not valid', [{ path: 'page_cursor', message: 'not a cursor from this server' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || !Number.isSafeInteger(parsed[1]) || (parsed[1] as number) < 1) throw bad();
  const createdAt = normaliseDatetime(parsed[0]);
  if (createdAt === undefined || createdAt !== parsed[0]) throw bad();
  return { created_at: createdAt, rowid: parsed[1] as number };
}

export function registerEventRoutes(app: FastifyInstance, context: ServerContext): void {
  const { audit, directory } = context.repo;

  apiRoute(app, context, '/events/list', async ({ workspaceId, input }) => {
    const q = checkInput(
      input,
      {
        since: { kind: 'datetime' },
        event_type: { kind: 'string', min: 1, max: 100 },
        acs_entrance_id: { kind: 'uuid' },
        device_id: { kind: 'uuid' },
        device_ids: { kind: 'uuid_array' },
        event_ids: { kind: 'uuid_array' },
        acs_system_id: { kind: 'uuid' },
        acs_system_ids: { kind: 'uuid_array' },
        connected_account_id: { kind: 'uuid' },
        user_identity_id: { kind: 'uuid' },
        space_id: { kind: 'uuid' },
        space_ids: { kind: 'uuid_array' },
        limit: { kind: 'int', min: 1, max: eventsLimitMax },
        unstable_offset: { kind: 'int', min: 0, max: 1_000_000_000 },
        page_cursor: { kind: 'string', max: 200, nullable: true },
        // Checked like any filter, then matching nothing (below).
        ...Object.fromEntries(filtersMatchingNothing.map((name) => [name, name === 'customer_key' ? { kind: 'string', min: 1, max: 200 } : { kind: name.endsWith('_ids') ? 'uuid_array' : 'uuid' }] as const)),
      },
    );
    const types = eventTypesOf(input, q.event_type);
    const after = q.page_cursor === undefined || q.page_cursor === null ? undefined : decodeEventCursor(q.page_cursor);
    if (after !== undefined && q.unstable_offset !== undefined) throw invalidInput('give page_cursor or unstable_offset, not both', [{ path: 'unstable_offset', message: 'not with page_cursor' }]);
    const noMore = { has_next_page: false, next_page_cursor: null, next_page_url: null };
    if (filtersMatchingNothing.some((name) => input[name] !== undefined)) return { events: [], pagination: noMore };
    // Every entrance filter narrows: an event must match all of them.
    let entrances: string[] | undefined;
    const narrow = (ids: string[] | undefined) => {
      if (ids !== undefined) entrances = entrances === undefined ? ids : entrances.filter((id) => ids.includes(id));
    };
    narrow(q.acs_entrance_id !== undefined ? [q.acs_entrance_id] : undefined);
    narrow(q.device_id !== undefined ? [q.device_id] : undefined);
    narrow(q.device_ids);
    const spaces = [...(q.space_id !== undefined ? [q.space_id] : []), ...(q.space_ids ?? [])];
    if (spaces.length > 0) narrow([...new Set((await mapInOrder(spaces, (id) => directory.entranceIdsOfSpace(id))).flat())]);
    const systems = q.acs_system_id !== undefined || q.acs_system_ids !== undefined ? [...(q.acs_system_id !== undefined ? [q.acs_system_id] : []), ...(q.acs_system_ids ?? [])] : undefined;
    const filter: AuditEventFilter = {
      ...timeWindow(input, q.since),
      outcomes: types === undefined ? undefined : [...new Set(types.flatMap((type) => outcomeOfEventType.get(type) ?? []))],
      acs_entrance_ids: entrances,
      acs_system_ids: systems,
      connected_account_id: q.connected_account_id,
      user_identity_id: q.user_identity_id,
      audit_record_ids: q.event_ids,
      after,
    };
    const page = await audit.listEvents(workspaceId, filter, { limit: q.limit ?? 500, offset: q.unstable_offset ?? 0 });
    const last = page.rows.at(-1);
    // next_page_url is filled in by apiRoute from the request.
    const pagination = page.nextOffset === undefined || last === undefined ? noMore : { has_next_page: true, next_page_cursor: encodeEventCursor({ created_at: last.created_at, rowid: last.event_rowid }), next_page_url: null };
    return { events: page.rows.map(eventJson), pagination };
  });

  apiRoute(app, context, '/events/get', async ({ workspaceId, input }) => {
    const q = checkInput(input, { event_id: { kind: 'uuid' }, device_id: { kind: 'uuid' }, event_type: { kind: 'string', min: 1, max: 100 } });
    if (q.event_id === undefined) throw invalidInput('event_id is required', [{ path: 'event_id', message: 'is required' }]);
    const [row] = (await audit.listEvents(workspaceId, { audit_record_ids: [q.event_id] }, { limit: 1, offset: 0 })).rows;
    if (row === undefined || (q.device_id !== undefined && row.acs_entrance_id !== q.device_id) || (q.event_type !== undefined && eventTypeOfOutcome[row.outcome] !== q.event_type)) throw notFound(`event ${q.event_id}`);
    return { event: eventJson(row) };
  });
}
