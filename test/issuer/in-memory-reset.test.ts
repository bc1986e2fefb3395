/**
 * The in-memory issuer's administration updates (attack 12, F4): every update of a door after a
 * reset carries the reset's floor, so a time sync (administration key) reaching a lock that missed
 * the reset — which the lock takes as a reset, being of a newer epoch — cannot lower its floor and
 * let an earlier occupant back in.
 */
import { describe, expect, it } from 'vitest';
import { applyLockUpdate } from '../../firmware-model/apply-update.ts';
import { Lock } from '../../firmware-model/lock.ts';
import { InMemoryIssuer } from '../../src/issuer/in-memory-issuer.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { createSeededRandom } from '../../src/protocol/random.ts';

describe('in-memory issuer: resets and time syncs', () => {
  it('a time sync after a reset carries the reset floor, so a lock that missed the reset does not let a superseded occupant back in', () => {
    const crypto = createNodeProvider();
    const random = createSeededRandom(12);
    const issuerRandom = random.fork('issuer');
    const adminRandom = random.fork('admin');
    const issuer = new InMemoryIssuer({ crypto, random: (n) => issuerRandom.bytes(n), adminRandom: (n) => adminRandom.bytes(n) });
    const nowS = 1_800_000_000;
    const provisioned = issuer.provisionLock('room', nowS);
    const lockRandom = random.fork('lock');
    const lock = new Lock({ identity: provisioned.identity, trustedIssuers: issuer.trusted, updateKeys: issuer.updateKeys, crypto, random: (n) => lockRandom.bytes(n), startMs: nowS * 1000 });
    const lockId = provisioned.identity.lockId;
    const grant = (supersede: boolean) => issuer.grant({ subject: 's', holderKey: new Uint8Array(33).fill(2), lockIds: [lockId], notBeforeS: nowS, expiresAtS: nowS + 3600, supersede }, nowS);
    grant(false);
    const newest = grant(true);
    expect(newest.claims.doors[0]!.sequence).toBe(2);
    issuer.reset(lockId, nowS); // the lock misses it
    const sync = issuer.timeSync(lockId, nowS, nowS);
    expect(applyLockUpdate(lock, sync, nowS * 1000, nowS * 1000)).toBeUndefined();
    expect(lock.state.updateEpoch).toBe(1);
    expect(lock.state.sequenceFloor).toBe(2);
  });
});
