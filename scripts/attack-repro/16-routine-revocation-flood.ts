// STATUS (update authority, docs/PROTOCOL.md §8.1): fixed. Each update's revocation list replaces the lock's,
// routine updates have no step bounds (no wedge) and are rate-limited (8/h); the printed outcomes now show
// the defence (the comment below describes the finding as it was found).
// Split-powers finding: a *routine* update (signed by a stolen credential key, no admin key) may fill
// the lock's revocation store (512) with made-up credential ids that expire in 2106. The store only
// merges (no update, administrative or not, can remove an entry), and an update that would exceed 512
// is refused whole: from then on no revocation can ever reach this lock, and the admin key cannot fix it.
// 11 stranger visits, each carrying one routine update.
import { world, makeHolder, seeded, nodeCrypto } from './lib.ts';
const w = world(16, {}, nodeCrypto, { separateAdmin: true });
const MAX = 0xffffffff;
const audits = (out: any[]) => out.filter((o) => o.type === 'audit').map((o) => o.record.event + (o.record.code ? ':' + o.record.code : ''));
const guest = w.credential();
console.log('guest before:', (await w.fullUnlock(guest)).outcome);
const stranger = makeHolder(nodeCrypto, seeded(5, 'stranger'));
const garbage = { bytes: new Uint8Array(100).fill(7) };
const rnd = seeded(99, 'fake-ctis');
let version = 0;
for (let visit = 0; visit < 11; visit++) {
  const n = Math.min(48, 512 - w.lock.state.revoked.length);
  const evil = w.update({ version: ++version, revoked: Array.from({ length: n }, () => ({ credentialId: rnd.bytes(16), expiresAtS: MAX })) }, w.issuer /* stolen credential key: routine only */);
  w.step({ type: 'tick' }, 6000);
  await w.fullUnlock(garbage, { h: stranger, updates: [evil] });
}
console.log('after 11 stranger visits: revoked entries', w.lock.state.revoked.length, 'version', w.lock.state.updateVersion);
// The issuer now revokes the guest (routine, as the server does), then the admin tries too.
const revokeGuest = { credentialId: guest.claims.credentialId, expiresAtS: guest.claims.expiresAtS };
console.log('issuer routine revocation of the guest:', audits(w.step({ type: 'maintenance_update', update: w.update({ version: ++version, revoked: [revokeGuest] }) }, 1000)));
console.log('admin update revoking the guest     :', audits(w.step({ type: 'maintenance_update', update: w.update({ version: 2 ** 31, revoked: [revokeGuest] }, w.admin) }, 1000)));
w.step({ type: 'tick' }, 6000);
const g = await w.fullUnlock(guest);
console.log('revoked guest after both attempts:', g.outcome, g.code ?? '', '(expected refused credential_revoked)');
console.log('only remedy: raise the floor (supersedes every guest) — and the 512 entries stay until 2106:', w.lock.state.revoked.filter((e) => e.expiresAtS === MAX).length);
