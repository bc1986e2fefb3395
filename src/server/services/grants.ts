/**
 * Access grant lifecycle with its issuance effects, each call inside one transaction:
 * create (identity inline or by id, entrances from ids and spaces, per-door supersede sequence
 * bump for exclusive doors, access methods, Instant Key), update (a new validity window bumps the
 * grant revision; a narrowed or moved window revokes its credentials, a window that only widened
 * marks them replaced; phones get fresh ones on their next sync), delete
 * (revokes every credential issued for it → signed lock updates).
 */
import { randomUUID } from 'node:crypto';
import { inTransaction, nowIso, type ServerContext } from '../context.ts';
import { conflict, invalidInput, notFound } from '../http/errors.ts';
import type { AccessGrantRow, GrantEntranceRow } from '../repository/index.ts';
import { instantKeyForGrant } from './instant-keys.ts';
import { deleteGrantRow, revokeCredentials } from './revocation.ts';
import { createUserIdentity, type IdentityFields } from './identities.ts';

export interface CreateGrantInput {
  userIdentityId?: string | undefined;
  userIdentity?: IdentityFields | undefined;
  acsEntranceIds: string[];
  spaceIds: string[];
  modes: string[];
  startsAt?: string | undefined;
  endsAt?: string | undefined;
  name?: string | undefined;
  accessGrantKey?: string | undefined;
  reservationKey?: string | undefined;
}

export const supportedModes = ['mobile_key'] as const;

export async function createGrant(context: ServerContext, workspaceId: string, input: CreateGrantInput): Promise<AccessGrantRow> {
  const now = nowIso(context);
  const startsAt = input.startsAt ?? now;
  checkWindow(startsAt, input.endsAt);
  for (const mode of input.modes) if (mode !== 'mobile_key') throw invalidInput(`requested_access_methods: mode '${mode}' is not supported by latchkey (only mobile_key)`, [{ path: 'requested_access_methods', message: 'only mobile_key is supported' }]);
  return inTransaction(context, async (context) => {
    const { directory, grants, identities } = context.repo;
    if (input.accessGrantKey !== undefined && await grants.getGrantByKey(workspaceId, input.accessGrantKey) !== undefined) {
      throw conflict('access_grant_key');
    }
    const entranceIds = new Set<string>();
    for (const id of input.acsEntranceIds) {
      if (await directory.getEntrance(workspaceId, id) === undefined) throw notFound(`acs_entrance ${id}`);
      entranceIds.add(id);
    }
    for (const id of input.spaceIds) {
      if (await directory.getSpace(workspaceId, id) === undefined) throw notFound(`space ${id}`);
      for (const entranceId of await directory.entranceIdsOfSpace(id)) entranceIds.add(entranceId);
    }
    if (entranceIds.size === 0) throw invalidInput('the grant names no entrance (acs_entrance_ids and space_ids are empty or the spaces hold no entrance)', [{ path: 'acs_entrance_ids', message: 'no entrance' }]);
    let userIdentityId = input.userIdentityId;
    if (userIdentityId !== undefined) {
      if (await identities.getUserIdentity(workspaceId, userIdentityId) === undefined) throw notFound(`user_identity ${userIdentityId}`);
    } else {
      userIdentityId = (await createUserIdentity(context, workspaceId, input.userIdentity ?? {})).user_identity_id;
    }
    const doors: GrantEntranceRow[] = [];
    const accessGrantId = randomUUID();
    for (const entranceId of entranceIds) {
      const entrance = (await directory.entranceById(entranceId))!;
      // A new occupant of an exclusive door (a room) supersedes earlier credentials for it;
      // shared doors (lobby, gym) keep one sequence so guests never knock each other out.
      const sequence = entrance.is_shared === 1 ? entrance.door_sequence : await directory.bumpDoorSequence(entranceId);
      doors.push({ access_grant_id: accessGrantId, acs_entrance_id: entranceId, door_sequence: sequence });
    }
    const instantKey = input.modes.includes('mobile_key') ? await instantKeyForGrant(context, workspaceId, userIdentityId) : undefined;
    const row: AccessGrantRow = {
      access_grant_id: accessGrantId,
      workspace_id: workspaceId,
      user_identity_id: userIdentityId,
      instant_key_id: instantKey?.instant_key_id ?? null,
      name: input.name ?? null,
      access_grant_key: input.accessGrantKey ?? null,
      reservation_key: input.reservationKey ?? null,
      starts_at: startsAt,
      ends_at: input.endsAt ?? null,
      revision: 1,
      created_at: now,
    };
    await grants.insertGrant(row, doors, input.spaceIds);
    for (const mode of new Set(input.modes)) {
      await grants.insertAccessMethod({ access_method_id: randomUUID(), workspace_id: workspaceId, access_grant_id: accessGrantId, mode, display_name: 'Mobile Key', created_at: now, issued_at: now });
    }
    return row;
  });
}

export function checkWindow(startsAt: string, endsAt: string | null | undefined): void {
  if (endsAt !== undefined && endsAt !== null && Date.parse(endsAt) <= Date.parse(startsAt)) {
    throw invalidInput('ends_at must be after starts_at', [{ path: 'ends_at', message: 'must be after starts_at' }]);
  }
}

export async function updateGrant(context: ServerContext, workspaceId: string, id: string, changes: { name?: string | undefined; startsAt?: string | undefined; endsAt?: string | undefined }): Promise<void> {
  await inTransaction(context, async (context) => {
    const grant = await context.repo.grants.getGrant(workspaceId, id);
    if (grant === undefined) throw notFound(`access_grant ${id}`);
    const startsAt = changes.startsAt ?? grant.starts_at;
    const endsAt = changes.endsAt ?? grant.ends_at;
    checkWindow(startsAt, endsAt);
    const windowChanged = startsAt !== grant.starts_at || endsAt !== grant.ends_at;
    await context.repo.grants.updateGrant(id, { name: changes.name, starts_at: changes.startsAt, ends_at: changes.endsAt }, windowChanged);
    if (windowChanged && windowOnlyWidened(grant, startsAt, endsAt)) {
      // Nothing the old credentials grant is taken away: revoking them would only fill the doors'
      // revocation lists (10 bookings × 5 phones, each stay extended a night, raised the Lobby's
      // floor: third attack on issue 13). They are replaced at the next sync, not revoked; a later
      // narrowing revokes them with the rest (liveCredentialsOfGrant includes replaced ones).
      await context.repo.grants.markGrantCredentialsReplaced(id, nowIso(context));
    } else if (windowChanged) await revokeCredentials(context, await context.repo.grants.liveCredentialsOfGrant(id));
  });
}

/** True when the new window contains the old one (starts no later, ends no earlier; no end contains any end). */
function windowOnlyWidened(grant: AccessGrantRow, startsAt: string, endsAt: string | null): boolean {
  if (Date.parse(startsAt) > Date.parse(grant.starts_at)) return false;
  if (endsAt === null) return true;
  return grant.ends_at !== null && Date.parse(endsAt) >= Date.parse(grant.ends_at);
}

export async function deleteGrant(context: ServerContext, workspaceId: string, id: string): Promise<void> {
  await inTransaction(context, async (context) => {
    const grant = await context.repo.grants.getGrant(workspaceId, id);
    if (grant === undefined) throw notFound(`access_grant ${id}`);
    await deleteGrantRow(context, grant);
  });
}
