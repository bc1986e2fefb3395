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
import type { ServerContext } from '../context.ts';
import { invalidInput, notFound } from '../http/errors.ts';
import { checkInput, normaliseDatetime } from '../http/input.ts';
import { apiRoute } from '../http/route.ts';
import type { AuditEventFilter, AuditEventRow } from '../repository/sqlite-audit.ts';

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

export function registerEventRoutes(app: FastifyInstance, context: ServerContext): void {
  const { audit, directory } = context.repo;

  apiRoute(app, context, '/events/list', ({ workspaceId, input, fromQuery }) => {
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
        // Checked like any filter, then matching nothing (below).
        ...Object.fromEntries(filtersMatchingNothing.map((name) => [name, name === 'customer_key' ? { kind: 'string', min: 1, max: 200 } : { kind: name.endsWith('_ids') ? 'uuid_array' : 'uuid' }] as const)),
      },
      fromQuery,
    );
    const types = eventTypesOf(input, q.event_type);
    if (filtersMatchingNothing.some((name) => input[name] !== undefined)) return { events: [] };
    // Every entrance filter narrows: an event must match all of them.
    let entrances: string[] | undefined;
    const narrow = (ids: string[] | undefined) => {
      if (ids !== undefined) entrances = entrances === undefined ? ids : entrances.filter((id) => ids.includes(id));
    };
    narrow(q.acs_entrance_id !== undefined ? [q.acs_entrance_id] : undefined);
    narrow(q.device_id !== undefined ? [q.device_id] : undefined);
    narrow(q.device_ids);
    const spaces = [...(q.space_id !== undefined ? [q.space_id] : []), ...(q.space_ids ?? [])];
    if (spaces.length > 0) narrow([...new Set(spaces.flatMap((id) => directory.entranceIdsOfSpace(id)))]);
    const systems = q.acs_system_id !== undefined || q.acs_system_ids !== undefined ? [...(q.acs_system_id !== undefined ? [q.acs_system_id] : []), ...(q.acs_system_ids ?? [])] : undefined;
    const filter: AuditEventFilter = {
      ...timeWindow(input, q.since),
      outcomes: types === undefined ? undefined : [...new Set(types.flatMap((type) => outcomeOfEventType.get(type) ?? []))],
      acs_entrance_ids: entrances,
      acs_system_ids: systems,
      connected_account_id: q.connected_account_id,
      user_identity_id: q.user_identity_id,
      audit_record_ids: q.event_ids,
    };
    const page = audit.listEvents(workspaceId, filter, { limit: q.limit ?? 500, offset: q.unstable_offset ?? 0 });
    return { events: page.rows.map(eventJson) };
  });

  apiRoute(app, context, '/events/get', ({ workspaceId, input, fromQuery }) => {
    const q = checkInput(input, { event_id: { kind: 'uuid' }, device_id: { kind: 'uuid' }, event_type: { kind: 'string', min: 1, max: 100 } }, fromQuery);
    if (q.event_id === undefined) throw invalidInput('event_id is required', [{ path: 'event_id', message: 'is required' }]);
    const [row] = audit.listEvents(workspaceId, { audit_record_ids: [q.event_id] }, { limit: 1, offset: 0 }).rows;
    if (row === undefined || (q.device_id !== undefined && row.acs_entrance_id !== q.device_id) || (q.event_type !== undefined && eventTypeOfOutcome[row.outcome] !== q.event_type)) throw notFound(`event ${q.event_id}`);
    return { event: eventJson(row) };
  });
}
