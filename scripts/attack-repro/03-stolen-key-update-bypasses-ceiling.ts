// STATUS (update authority, docs/PROTOCOL.md §8.1): still reproduces on a lock with ONE key set in both roles
// (no recovery but re-provisioning, by design); the second part shows the same theft on a lock with a separate
// administration key, as every issuing side now provisions, undone by a reset.
// Design finding: the ceiling bounds only the floor raised by an *unlock*. A lock update is
// signed by the same issuer keys, so the holder of a stolen (still trusted) key signs an update
// with sequenceFloor = 2^32-1 (the ceiling follows: max(ceiling, floor)) and version = 2^32-1.
// Any stranger can deliver it (piggybacked updates are applied before the credential is checked;
// here the request carries a garbage credential). Result: every guest is superseded, and no later
// update can ever apply (version cannot exceed 2^32-1), so the issuer can neither rotate the
// stolen key out nor lower the floor: the door is bricked for legitimate guests permanently.
import { world, makeHolder, seeded, nodeCrypto } from './lib.ts';
const w = world(4);
const guest = w.credential();
console.log('guest before:', (await w.fullUnlock(guest)).outcome);
const MAX = 0xffffffff;
const evil = w.update({ version: MAX, sequenceFloor: MAX }, w.issuer /* stolen */);
// Stranger: its own holder key, a credential that does not verify (garbage bytes signed by nobody).
const stranger = makeHolder(nodeCrypto, seeded(5, 'stranger'));
const garbage = { bytes: new Uint8Array(100).fill(7) };
w.step({ type: 'tick' }, 6000);
const s = await w.fullUnlock(garbage, { h: stranger, updates: [evil] });
console.log('stranger request:', s.outcome, s.code, '→ lock state floor', w.lock.state.sequenceFloor, 'ceiling', w.lock.state.sequenceCeiling, 'version', w.lock.state.updateVersion);
w.step({ type: 'tick' }, 6000);
const g = await w.fullUnlock(guest);
console.log('guest after:', g.outcome, g.code);
// Issuer's recovery: rotate the key out and reset — impossible.
const recovery = w.update({ version: MAX, sequenceFloor: 0 });
const out = w.step({ type: 'maintenance_update', update: recovery }, 1000);
console.log('issuer recovery update:', out.filter((o) => o.type === 'audit').map((o) => (o as any).record.event + ' ' + ((o as any).record.code ?? '')));

// Since update authority (docs/PROTOCOL.md §8.1): the same theft against a lock provisioned with a
// separate lock-administration key, as the server and the simulation now provision them. The thief's
// routine update still shuts the guest out (it may move floor and ceiling within the epoch), but a
// reset under the administration key (epoch 1) undoes it and makes the thief's update old news.
{
  const s = world(4, {}, nodeCrypto, { separateAdmin: true });
  const guest2 = s.credential();
  console.log('\n[separate keys] guest before:', (await s.fullUnlock(guest2)).outcome);
  const theft = s.update({ version: MAX, sequenceFloor: MAX, sequenceCeiling: MAX }, s.issuer /* stolen credential key */);
  const audit = (outputs: ReturnType<typeof s.step>) => outputs.filter((o) => o.type === 'audit').map((o) => (o as any).record.event + ' ' + ((o as any).record.code ?? ''));
  console.log('[separate keys] thief routine update:', audit(s.step({ type: 'maintenance_update', update: theft }, 1000)), 'floor', s.lock.state.sequenceFloor);
  s.step({ type: 'tick' }, 6000);
  console.log('[separate keys] guest after theft:', (await s.fullUnlock(guest2)).code);
  const keyChange = s.update({ version: 1, epoch: 1, sequenceFloor: 0 }, s.issuer);
  console.log('[separate keys] thief tries to open an epoch itself:', audit(s.step({ type: 'maintenance_update', update: keyChange }, 1000)));
  const reset = s.update({ version: 1, epoch: 1, sequenceFloor: 1, sequenceCeiling: 1 }, s.admin);
  console.log('[separate keys] administration reset:', audit(s.step({ type: 'maintenance_update', update: reset }, 1000)), 'floor', s.lock.state.sequenceFloor, 'epoch', s.lock.state.updateEpoch);
  console.log('[separate keys] thief replays its update:', audit(s.step({ type: 'maintenance_update', update: theft }, 1000)));
  s.step({ type: 'tick' }, 6000);
  console.log('[separate keys] guest after reset:', (await s.fullUnlock(guest2)).outcome);
}
