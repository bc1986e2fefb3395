/**
 * Revocation: a revoked credential becomes an entry in the signed update of every door it names;
 * each touched door's update version goes up by one and its update is re-signed (in the caller's
 * transaction, so the version, the entries and the signed bytes commit together).
 *
 * Every update is a complete snapshot of the door's live revocations, never a window of the newest:
 * a lock applies only the highest version it is handed (a phone carries one update per door), so a
 * lock that missed updates must learn everything from the one it gets. Live = not expired (plus a
 * grace for lock clock skew) and holding a sequence at the door at or above the door's floor.
 *
 * When the live list would not fit one update (`updateRevocationsMax`), the door's supersede floor
 * is raised above every sequence issued for it so far: every credential issued before, revoked or
 * not, dies at that door by floor, so the list is empty again. The live grants that held the door's
 * current sequences (every grant whose stay has not ended, the newest started grant's and any above
 * it, e.g. the next guest's) move above it in their old order, and their phones' credentials are
 * marked replaced: the next sync issues them new credentials at the new sequences, with this update
 * to carry. A guest whose phone has not synced is refused at that door (superseded) until it does.
 * Only an operator's revocations can bring that about: a guest's own deactivations may fill at most
 * the guests' share of the list (services/phone-budget.ts, checkDoorRevocationAllowance).
 * Ended grants below the newest started one (earlier occupants of an exclusive door, superseded once
 * a later occupant unlocks) are not moved:
 * re-issuing them above the floor could bring back an occupant the lock had already shut out, since
 * the server cannot know whether it had.
 */
import { fromHex } from '../../protocol/bytes.ts';
import { assert } from '../../protocol/errors.ts';
import { limits } from '../../protocol/limits.ts';
import { nowIso, nowS, type ServerContext } from '../context.ts';
import { updateRevocationsMax, type DoorUpdateState } from '../issuance/issuer.ts';
import type { AccessGrantRow, CredentialRow, EntranceRow } from '../repository/index.ts';

export async function revokeCredentials(context: ServerContext, credentials: readonly CredentialRow[]): Promise<void> {
  const { grants } = context.repo;
  const at = nowIso(context);
  const touched = new Set<string>();
  for (const credential of credentials) {
    await grants.markCredentialRevoked(credential.credential_id, at);
    for (const entranceId of await grants.doorsOfCredential(credential.credential_id)) {
      await grants.insertRevocation(entranceId, credential.credential_id, credential.expires_at_s);
      touched.add(entranceId);
    }
  }
  for (const entranceId of touched) await refreshLockUpdate(context, entranceId);
}

/**
 * Re-signs one door's update under the next version: its live revocations, floor and ceiling,
 * raising the floor first when the live list would overflow one update.
 */
export async function refreshLockUpdate(context: ServerContext, entranceId: string): Promise<void> {
  const { entrance, door } = await doorSnapshot(context, entranceId);
  const version = entrance.update_version + 1;
  await context.repo.directory.setLockUpdate(entranceId, version, context.issuer.lockUpdate(entrance.lock_id, version, door, nowS(context)), entrance.door_sequence);
}

/** The door's row and what its next update says: epoch, live revocations (the floor raised first if they overflow one update), floor, ceiling. */
export async function doorSnapshot(context: ServerContext, entranceId: string): Promise<{ entrance: EntranceRow; door: DoorUpdateState }> {
  const { directory, grants } = context.repo;
  let entrance = await directory.entranceById(entranceId);
  assert(entrance !== undefined, `entrance ${entranceId} exists`);
  const now = nowS(context);
  // Listed past expiry for limits.revocationRetentionS (why: limits.ts).
  const live = (door: EntranceRow) => grants.liveRevocationsOfLock(entranceId, now - limits.revocationRetentionS, door.sequence_floor, updateRevocationsMax + 1);
  let revoked = await live(entrance);
  if (revoked.length > updateRevocationsMax) {
    await raiseDoorFloor(context, entrance);
    entrance = (await directory.entranceById(entranceId))!;
    revoked = await live(entrance);
    assert(revoked.length === 0, 'a raised floor is above every sequence issued for the door');
  }
  const door = {
    epoch: entrance.update_epoch,
    revoked: revoked.map((row) => ({ credentialId: fromHex(row.credential_id), expiresAtS: row.expires_at_s })),
    sequenceFloor: entrance.sequence_floor,
    sequenceCeiling: entrance.door_sequence,
  };
  return { entrance, door };
}

/**
 * What a phone carries to the door (and a maintenance sync pushes), in the order the lock applies
 * them: the door's newest administration reset, then its current update when that is a different one.
 */
export function doorUpdates(entrance: Pick<EntranceRow, 'admin_update' | 'update_bytes'>): Uint8Array[] {
  const updates: Uint8Array[] = [];
  if (entrance.admin_update !== null) updates.push(new Uint8Array(entrance.admin_update));
  if (entrance.update_bytes !== null && (entrance.admin_update === null || Buffer.compare(entrance.admin_update, entrance.update_bytes) !== 0)) updates.push(new Uint8Array(entrance.update_bytes));
  return updates;
}

/**
 * The door's floor becomes one above everything issued; its current grants move up with it, in
 * their old order. "Current" = every grant whose stay has not ended, plus the newest grant that may
 * already have opened (its start is past, give or take the lock's clock tolerance) and every grant
 * above it. Grants that have ended below that one are not moved (see the header).
 * Moving only the top grant let a next guest, whose stay had not begun, shut the current guest out by
 * churning phones until the floor rose (attack on issue 13, 13b F1); moving only the grants from the
 * newest that may have opened still did when the next stay began within the clock tolerance (an hour),
 * since the next guest then counted as started and the occupant below it stayed behind (second attack
 * on issue 13). An occupant whose stay has not ended but whom a later occupant already superseded at
 * the lock is moved too, below that later one: it may open again until the later one next unlocks
 * (its stay entitles it to), and is superseded again then.
 */
async function raiseDoorFloor(context: ServerContext, entrance: EntranceRow): Promise<void> {
  const { directory, grants } = context.repo;
  const held = await grants.liveSequencesAtDoor(entrance.acs_entrance_id);
  const nowSeconds = nowS(context);
  const mayHaveOpenedBy = nowSeconds + limits.revocationRetentionS;
  let from = 0;
  held.forEach((row, index) => {
    if (row.starts_at === null || Date.parse(row.starts_at) / 1000 <= mayHaveOpenedBy) from = index;
  });
  const notEnded = (row: { ends_at: string | null }) => row.ends_at === null || Date.parse(row.ends_at) / 1000 > nowSeconds;
  const moving = held.filter((row, index) => index >= from || notEnded(row));
  const floor = entrance.door_sequence + 1;
  const top = floor + Math.max(0, moving.length - 1);
  // New sequences are all above every old one, so the moves cannot collide.
  for (const [index, row] of moving.entries()) await grants.moveGrantSequences(entrance.acs_entrance_id, row.door_sequence, floor + index);
  await directory.raiseDoorFloor(entrance.acs_entrance_id, floor, top);
  await grants.markReplacedBelowFloor(entrance.acs_entrance_id, floor, nowIso(context));
  context.log.info({ acs_entrance_id: entrance.acs_entrance_id, sequence_floor: floor, moved: moving.length }, 'door revocations overflow one update: floor raised');
}

/**
 * Deletes a grant and revokes what was issued for it, in the caller's transaction. Lives here, not
 * in grants.ts, so that identities.ts (deleting an identity deletes its grants) and grants.ts
 * (creating a grant may create an identity) do not import each other.
 */
export async function deleteGrantRow(context: ServerContext, grant: AccessGrantRow): Promise<void> {
  await context.repo.grants.deleteGrant(grant.access_grant_id, nowIso(context));
  await revokeCredentials(context, await context.repo.grants.liveCredentialsOfGrant(grant.access_grant_id));
}
