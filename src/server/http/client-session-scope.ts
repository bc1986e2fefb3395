/**
 * The one place that says what a client-session token (`seam_cst…`) may call, and how each call is
 * narrowed to the session's own user identities. An endpoint absent from `clientSessionScope`
 * answers 401 to a client session, whatever its handler does (http/route.ts asks this table before
 * any handler runs). The set follows the endpoints Seam's spec opens to `client_session` auth that
 * latchkey implements, plus the reads of the session's own phones, grants and access methods:
 *
 *   workspaces/get, client_sessions/get (its own session), user_identities/list|get (its
 *   identities), phones/list|get|deactivate (its identities' phones), acs/systems/list and
 *   acs/entrances/list|get (doors of its identities' grants), access_grants/list|get and
 *   access_methods/list|get (its identities' grants), acs/credentials/list (its phones'
 *   credentials), events/list|get (unlocks of its phones).
 *
 * (`workspaces/list` is not a workspace endpoint: routes/workspaces.ts declares its callers with
 * `callerRoute`, which records it in `callerRoutesOpenToClientSessions`.)
 *
 * Another identity's row answers 404, as a row of another workspace does (no existence oracle).
 * Each policy wraps the endpoint's own handler: it narrows the input (filters the repository
 * honours, so pagination stays right) or checks the single row a `get` returned.
 */
import type { ServerContext } from '../context.ts';
import type { ClientSessionCaller } from '../services/client-sessions.ts';
import { invalidInput, notFound } from './errors.ts';
import { isUuid } from './input.ts';

type Result = Record<string, unknown>;
type Input = Record<string, unknown>;

/** Runs the endpoint's handler (`next`) for a client session, narrowed to what the session may see. */
export type ScopePolicy = (context: ServerContext, caller: ClientSessionCaller, input: Input, next: (input: Input) => Promise<Result>) => Promise<Result>;


/** Ids the caller asked for, kept only where they are the session's; undefined when not asked. */
function narrowIds(input: Input, name: string, allowed: readonly string[]): Input {
  let given = input[name];
  if (given === undefined) return { ...input, [name]: [...allowed] };
  // A GET query string gives one id as a bare string (the handler reads it as [id]): narrow it too,
  // or one foreign id in a query would pass untouched (attack 13, finding 1).
  if (typeof given === 'string') given = given === '' ? [] : [given];
  if (!Array.isArray(given)) return input; // the handler rejects it with its own message
  // Foreign ids go; items that are no id at all stay, so the handler refuses them (400) as it does
  // for an API key, instead of their being dropped silently (finding 3).
  return { ...input, [name]: given.flatMap((id) => (isUuid(id) ? (allowed.includes(id.toLowerCase()) ? [id.toLowerCase()] : []) : [id])) };
}

/**
 * A single-identity filter (`user_identity_id`) pinned to the session's identity: one it does not
 * carry is 404, and a session with several identities must name one (the filter takes one).
 */
function pinIdentity(caller: ClientSessionCaller, input: Input): Input | undefined {
  const given = input['user_identity_id'];
  if (given !== undefined) {
    if (!isUuid(given)) return input; // the handler rejects it
    if (!caller.userIdentityIds.includes(given.toLowerCase())) throw notFound(`user_identity ${given}`);
    return input;
  }
  if (caller.userIdentityIds.length === 0) return undefined;
  if (caller.userIdentityIds.length > 1) {
    throw invalidInput('this client session acts for several user identities: name one with user_identity_id', [{ path: 'user_identity_id', message: 'is required for a client session with several user identities' }]);
  }
  return { ...input, user_identity_id: caller.userIdentityIds[0] };
}

async function ownsPhone(context: ServerContext, caller: ClientSessionCaller, deviceId: unknown): Promise<boolean> {
  if (typeof deviceId !== 'string') return false;
  const phone = await context.repo.identities.phoneById(deviceId.toLowerCase());
  return phone !== undefined && phone.workspace_id === caller.workspaceId && caller.userIdentityIds.includes(phone.user_identity_id);
}

async function ownsGrant(context: ServerContext, caller: ClientSessionCaller, grantId: unknown): Promise<boolean> {
  if (typeof grantId !== 'string') return false;
  const grant = await context.repo.grants.getGrant(caller.workspaceId, grantId.toLowerCase());
  return grant !== undefined && caller.userIdentityIds.includes(grant.user_identity_id);
}

/** Doors of the session's identities' live grants. */
async function ownEntranceIds(context: ServerContext, caller: ClientSessionCaller): Promise<string[]> {
  const { grants } = context.repo;
  const ids = new Set<string>();
  for (const identityId of caller.userIdentityIds) {
    for (const grant of await grants.liveGrantsOf(identityId)) for (const door of await grants.grantEntrances(grant.access_grant_id)) ids.add(door.acs_entrance_id);
  }
  return [...ids];
}

/** The handler's single resource, or 404 when it is not the session's. */
async function checkOne(result: Result | Promise<Result>, key: string, owned: (item: Record<string, unknown>) => boolean | Promise<boolean>, what: string): Promise<Result> {
  const item = (await result)[key] as Record<string, unknown> | undefined;
  if (item === undefined || !(await owned(item))) throw notFound(what);
  return await result;
}

/** Where a policy has no identity to act for, lists are empty. */
const empty = async (key: string, paginated = false): Promise<Result> => ({ [key]: [], ...(paginated ? { pagination: { has_next_page: false, next_page_cursor: null, next_page_url: null } } : {}) });

export const clientSessionScope: ReadonlyMap<string, ScopePolicy> = new Map<string, ScopePolicy>([
  ['/workspaces/get', async (_context, _caller, input, next) => next(input)],

  ['/client_sessions/get', async (_context, caller, input, next) => {
    const given = input['client_session_id'];
    if (given !== undefined && (typeof given === 'string' ? given.toLowerCase() : given) !== caller.clientSessionId) throw notFound(`client_session ${String(given)}`);
    // A user_identifier_key names the caller's own session or none (the handler answers 404 when it is not this session's).
    const key = input['user_identifier_key'];
    return next({ client_session_id: caller.clientSessionId, ...(key !== undefined ? { user_identifier_key: key } : {}) });
  }],

  ['/user_identities/list', async (_context, caller, input, next) => next(narrowIds(input, 'user_identity_ids', caller.userIdentityIds))],
  ['/user_identities/get', async (_context, caller, input, next) =>
    checkOne(await next(input), 'user_identity', (item) => caller.userIdentityIds.includes(item['user_identity_id'] as string), 'user_identity')],

  ['/phones/list', async (context, caller, input, next) => {
    const owner = input['owner_user_identity_id'];
    if (owner !== undefined && isUuid(owner) && !caller.userIdentityIds.includes(owner.toLowerCase())) throw notFound(`user_identity ${owner}`);
    const result = await next(input);
    const phones: Record<string, unknown>[] = [];
    for (const phone of result['phones'] as Record<string, unknown>[]) if (await ownsPhone(context, caller, phone['device_id'])) phones.push(phone);
    return { ...result, phones };
  }],
  ['/phones/get', async (context, caller, input, next) => {
    if (isUuid(input['device_id']) && !await ownsPhone(context, caller, input['device_id'])) throw notFound(`phone ${input['device_id']}`);
    return next(input);
  }],
  ['/phones/deactivate', async (context, caller, input, next) => {
    if (isUuid(input['device_id']) && !await ownsPhone(context, caller, input['device_id'])) throw notFound(`phone ${input['device_id']}`);
    return next(input);
  }],

  ['/acs/systems/list', async (context, caller, input, next) => {
    const systems = new Set<string>();
    for (const id of await ownEntranceIds(context, caller)) systems.add((await context.repo.directory.entranceById(id))!.acs_system_id);
    const result = await next(input);
    return { ...result, acs_systems: (result['acs_systems'] as Record<string, unknown>[]).filter((system) => systems.has(system['acs_system_id'] as string)) };
  }],
  ['/acs/entrances/list', async (context, caller, input, next) => next(narrowIds(input, 'acs_entrance_ids', await ownEntranceIds(context, caller)))],
  ['/acs/entrances/get', async (context, caller, input, next) => {
    const id = input['acs_entrance_id'];
    if (isUuid(id) && !(await ownEntranceIds(context, caller)).includes(id.toLowerCase())) throw notFound(`acs_entrance ${id}`);
    return next(input);
  }],

  ['/access_grants/list', async (_context, caller, input, next) => {
    const pinned = pinIdentity(caller, input);
    return pinned === undefined ? await empty('access_grants', true) : await next(pinned);
  }],
  ['/access_grants/get', async (context, caller, input, next) =>
    checkOne(await next(input), 'access_grant', (item) => ownsGrant(context, caller, item['access_grant_id']), 'access_grant')],
  ['/access_methods/list', async (context, caller, input, next) => {
    if (isUuid(input['access_grant_id']) && !await ownsGrant(context, caller, input['access_grant_id'])) throw notFound(`access_grant ${input['access_grant_id']}`);
    return next(input);
  }],
  ['/access_methods/get', async (context, caller, input, next) => {
    const id = input['access_method_id'];
    const method = isUuid(id) ? await context.repo.grants.getAccessMethod(caller.workspaceId, id.toLowerCase()) : undefined;
    if (isUuid(id) && (method === undefined || !await ownsGrant(context, caller, method.access_grant_id))) throw notFound(`access_method ${id}`);
    return next(input);
  }],

  ['/acs/credentials/list', async (_context, caller, input, next) => {
    const pinned = pinIdentity(caller, input);
    return pinned === undefined ? await empty('acs_credentials', true) : await next(pinned);
  }],

  ['/events/list', async (_context, caller, input, next) => {
    const pinned = pinIdentity(caller, input);
    return pinned === undefined ? await empty('events', true) : await next(pinned);
  }],
  ['/events/get', async (_context, caller, input, next) =>
    checkOne(await next(input), 'event', (item) => caller.userIdentityIds.includes(item['user_identity_id'] as string), 'event')],
]);
