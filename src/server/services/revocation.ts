/**
 * Revocation: a revoked credential becomes an entry in the signed update of every lock it names;
 * each touched lock's update version goes up by one and its update is re-signed (in the caller's
 * transaction, so the version, the entries and the signed bytes commit together).
 */
import { fromHex } from '../../protocol/bytes.ts';
import { nowIso, nowS, type ServerContext } from '../context.ts';
import { updateRevocationsMax } from '../issuance/issuer.ts';
import type { CredentialRow } from '../repository/index.ts';

export function revokeCredentials(context: ServerContext, credentials: readonly CredentialRow[]): void {
  const { grants } = context.repo;
  const at = nowIso(context);
  const touched = new Set<string>();
  for (const credential of credentials) {
    grants.markCredentialRevoked(credential.credential_id, at);
    for (const entranceId of grants.doorsOfCredential(credential.credential_id)) {
      grants.insertRevocation(entranceId, credential.credential_id, credential.expires_at_s);
      touched.add(entranceId);
    }
  }
  for (const entranceId of touched) refreshLockUpdate(context, entranceId);
}

/** Re-signs one lock's update under the next version (maintenance syncs call it too). */
export function refreshLockUpdate(context: ServerContext, entranceId: string): void {
  const entrance = context.repo.directory.entranceById(entranceId);
  if (entrance === undefined) throw new Error(`assertion failed: entrance ${entranceId} exists`);
  const now = nowS(context);
  const revoked = context.repo.grants
    .revocationsOfLock(entranceId, now, updateRevocationsMax)
    .map((row) => ({ credentialId: fromHex(row.credential_id), expiresAtS: row.expires_at_s }));
  const version = entrance.update_version + 1;
  context.repo.directory.setLockUpdate(entranceId, version, context.issuer.lockUpdate(entrance.lock_id, version, revoked, now));
}
