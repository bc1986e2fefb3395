// STATUS (update authority, docs/PROTOCOL.md §8.1): fixed. Each update's revocation list replaces the lock's,
// routine updates have no step bounds (no wedge) and are rate-limited (8/h); the printed outcomes now show
// the defence (the comment below describes the finding as it was found).
// Split-powers finding (no attacker needed): the server signs every update with the credential key,
// so each is *routine* and must sit within 1,024 versions / 1,024 ceiling steps of what the lock
// holds. The server bumps a door's update version on every refresh (each revocation batch naming the
// door, each sync that needs a higher ceiling: src/server/services/revocation.ts, phones.ts) and its
// door_sequence on every exclusive grant (services/grants.ts), and a phone carries only the newest
// update. A door that no phone visits across 1,025 refreshes (or 1,025 exclusive grants) never
// accepts a server update again (update_not_authorized), and the server has no admin-signing path.
// Revocations then silently stop working at that door.
import { world } from './lib.ts';
const audits = (out: any[]) => out.filter((o) => o.type === 'audit').map((o) => o.record.event + (o.record.code ? ':' + o.record.code : ''));
for (const gap of ['version', 'ceiling'] as const) {
  const w = world(18, {}, undefined, { separateAdmin: true });
  const guest = w.credential({ doors: [{ lockId: w.identity.lockId, sequence: 5 }] });
  console.log(`[${gap}] server update v1:`, audits(w.step({ type: 'maintenance_update', update: w.update({ version: 1, sequenceFloor: 0, sequenceCeiling: 5 }) }, 1000)));
  console.log(`[${gap}] guest:`, (await w.fullUnlock(guest)).outcome);
  // The door is not visited while the server refreshes its update 1,025 times (or issues 1,025 exclusive grants).
  const revoked = [{ credentialId: guest.claims.credentialId, expiresAtS: guest.claims.expiresAtS }];
  const version = gap === 'version' ? 1 + 1025 : 2;
  const ceiling = gap === 'ceiling' ? 5 + 1025 : 5;
  for (const v of [version, version + 1, version + 50]) {
    const out = w.step({ type: 'maintenance_update', update: w.update({ version: v, revoked, sequenceFloor: 0, sequenceCeiling: ceiling + (v - version) }) }, 1000);
    console.log(`[${gap}] server update v${v} (revokes the guest, ceiling ${ceiling + (v - version)}):`, audits(out));
  }
  w.step({ type: 'tick' }, 6000);
  const g = await w.fullUnlock(guest);
  console.log(`[${gap}] revoked guest:`, g.outcome, g.code ?? '', '(expected refused credential_revoked); lock version', w.lock.state.updateVersion);
}
