/**
 * Administration resets (docs/PROTOCOL.md §8.1). When the issuer key may have been stolen, a thief
 * could have signed routine updates that raised a door's floor and ceiling (shutting every guest
 * out) or spent its version numbers. A reset, signed with the offline lock-administration key,
 * opens the door's next epoch and sets its version, floor, ceiling and revocation snapshot
 * absolutely; routine updates after it carry the new epoch. Phones carry it beside the routine
 * update (services/phones.ts) until the lock has it; a maintenance sync pushes it too.
 *
 * The floor is the door's top sequence: every credential below it was superseded when it was
 * issued (an exclusive door bumps its sequence per grant; a shared door's grants all hold the top),
 * so no current guest is shut out and no earlier occupant is let back in.
 *
 * What this does not do: rotate the issuer key (a reset under a still-stolen key only buys time
 * until the thief's next routine update). Issuer-key rotation at the server is not built yet.
 */
import { equalBytes } from '../../protocol/bytes.ts';
import { publicPart, type IssuerSigningKey } from '../../protocol/issuer-keys.ts';
import { nowS, type ServerContext } from '../context.ts';
import { signDoorUpdate } from '../issuance/issuer.ts';
import { doorSnapshot } from './revocation.ts';

export interface ResetResult {
  acs_entrance_id: string;
  display_name: string;
  epoch: number;
  version: number;
  sequence_floor: number;
  sequence_ceiling: number;
  revoked: number;
}

export class NotLockAdminKeyError extends Error {
  constructor() {
    super('this key is not the lock-administration key these locks were provisioned with');
    this.name = 'NotLockAdminKeyError';
  }
}

/** Signs and stores a reset for one door; call inside a transaction. */
export async function resetDoor(context: ServerContext, entranceId: string, adminKey: IssuerSigningKey): Promise<ResetResult> {
  const trusted = context.secrets.lockAdmin;
  const offered = publicPart(adminKey);
  if (offered.algorithm !== trusted.algorithm || !equalBytes(offered.kid, trusted.kid) || !equalBytes(offered.publicKey, trusted.publicKey)) throw new NotLockAdminKeyError();
  const { directory } = context.repo;
  const before = await directory.entranceById(entranceId);
  if (before === undefined) throw new Error(`no entrance ${entranceId}`);
  await directory.raiseSequenceFloor(entranceId, before.door_sequence);
  const { entrance, door } = await doorSnapshot(context, entranceId);
  const epoch = entrance.update_epoch + 1;
  const version = entrance.update_version + 1;
  const reset = { ...door, epoch };
  const bytes = signDoorUpdate(context.issuer.crypto, adminKey, entrance.lock_id, version, reset, nowS(context));
  await directory.setAdminUpdate(entranceId, epoch, bytes);
  await directory.setLockUpdate(entranceId, version, bytes, reset.sequenceCeiling);
  context.log.info({ acs_entrance_id: entranceId, epoch, version }, 'door reset signed with the lock-administration key');
  return { acs_entrance_id: entranceId, display_name: entrance.display_name, epoch, version, sequence_floor: reset.sequenceFloor, sequence_ceiling: reset.sequenceCeiling, revoked: reset.revoked.length };
}
