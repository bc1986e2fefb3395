/**
 * Complete revocation delivery (issue 13, item 6). A lock applies only the newest update a phone
 * hands it, so each update must carry everything the door still needs: a complete snapshot of its
 * live revocations or, when they would not fit one update (`updateRevocationsMax`), a raised
 * supersede floor. More than 48 and more than 64 guests of one door are revoked while the real
 * firmware-model lock hears nothing; one remaining guest syncs and walks in with the door's update,
 * and the lock then refuses every revoked phone. A guest who stayed but had not synced is refused
 * until its phone syncs and gets a credential at the new sequence. Every update a phone gets has a
 * sequence ceiling covering the credential it got with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { equalBytes } from '../../src/protocol/bytes.ts';
import { parseCredential } from '../../src/protocol/credential.ts';
import { limits } from '../../src/protocol/limits.ts';
import { verifyLockUpdate, type LockUpdate } from '../../src/protocol/lock-update.ts';
import { updateRevocationsMax } from '../../src/server/issuance/issuer.ts';
import type { RunningServer } from '../../src/server/index.ts';
import type { VirtualDoor } from '../../src/server/virtual-property.ts';
import { call, startRadioClockServer } from './helpers.ts';
import { TestPhone, type Bundle } from './phone-app.ts';

let server: RunningServer;
let doors: Map<string, VirtualDoor>;
let grant: Awaited<ReturnType<typeof startRadioClockServer>>['grant'];
let nextSeed = 1000;

beforeAll(async () => {
  ({ server, doors, grant } = await startRadioClockServer());
});

afterAll(async () => {
  await server.close();
});

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64url'));

async function guest(name: string, doorNames: string[]) {
  const granted = await grant(name, doorNames);
  const phone = new TestPhone({ id: name, seed: nextSeed++, crypto: server.context.issuer.crypto, radio: server.property.radio });
  const bundle = await phone.openAndRegister(server.url, granted.instant_key_url);
  return { granted, phone, bundle };
}

function updateFor(bundle: Bundle, door: VirtualDoor): LockUpdate {
  const entry = bundle.lock_updates.find((u) => u.acs_entrance_id === door.acsEntranceId);
  expect(entry, `an update for ${door.name}`).toBeDefined();
  return verifyLockUpdate(server.context.issuer.crypto, bytes(entry!.update), server.context.issuer.trusted);
}

function sequenceAt(bundle: Bundle, door: VirtualDoor): number {
  const sequences = bundle.credentials.flatMap((c) => parseCredential(bytes(c.credential)).claims.doors.filter((d) => equalBytes(d.lockId, door.lockId)).map((d) => d.sequence));
  expect(sequences.length, `a credential for ${door.name}`).toBeGreaterThan(0);
  return Math.max(...sequences);
}

/** The lock counts refusals (5 per minute, then it rate-limits): let its window pass every few attempts. */
let attempts = 0;
async function attempt(phone: TestPhone, door: VirtualDoor) {
  if (++attempts % 4 === 0) await server.property.radio.advance(door.lock.config.failureWindowMs);
  phone.wallet!.tickets.clear();
  return phone.unlockAt(door.position, door.lockId);
}

describe('revocations reach a lock that missed every update', () => {
  it.each([
    { doorName: 'Elevator', revokedCount: 50 },
    { doorName: 'Lobby', revokedCount: 70 },
  ])('$revokedCount revoked guests of the $doorName are all refused', async ({ doorName, revokedCount }) => {
    expect(revokedCount).toBeGreaterThan(updateRevocationsMax);
    const door = doors.get(doorName)!;
    const stayer = await guest(`stayer-${doorName}`, [doorName]);
    const sleeper = await guest(`sleeper-${doorName}`, [doorName, 'Room 301']);
    expect((await attempt(stayer.phone, door)).outcome).toBe('unlocked');
    expect((await attempt(sleeper.phone, door)).outcome).toBe('unlocked');
    const versionAtLock = door.lock.state.updateVersion;

    const gone = [];
    for (let i = 0; i < revokedCount; i++) gone.push(await guest(`gone-${doorName}-${i}`, [doorName]));
    for (const { granted } of gone) {
      expect((await call(server.url, '/access_grants/delete', { token: server.apiKey!, body: { access_grant_id: granted.access_grant_id } })).status).toBe(200);
    }
    expect(door.lock.state.updateVersion).toBe(versionAtLock); // the lock heard none of it

    // The stayer syncs (a new credential: the door's floor went up) and carries the door's update in.
    const synced = await stayer.phone.sync(server.url);
    const update = updateFor(synced, door);
    expect(update.revoked.length).toBeLessThanOrEqual(Math.min(updateRevocationsMax, limits.revocationEntriesMax));
    expect(update.sequenceFloor).toBeGreaterThan(sequenceAt(stayer.bundle, door)); // older credentials die by floor
    expect(update.sequenceCeiling).toBeGreaterThanOrEqual(sequenceAt(synced, door));
    expect(sequenceAt(synced, door)).toBeGreaterThanOrEqual(update.sequenceFloor);
    expect((await attempt(stayer.phone, door)).outcome).toBe('unlocked');
    expect(door.lock.state.updateVersion).toBe(update.version);

    const actuations = door.lock.actuations;
    for (const { phone } of gone) {
      const refused = await attempt(phone, door);
      expect(refused.outcome, phone.id).toBe('refused');
      expect(['credential_revoked', 'credential_superseded'], phone.id).toContain(refused.code);
    }
    expect(door.lock.actuations).toBe(actuations);

    // A guest who is still staying but has not synced holds a credential below the floor ...
    const stale = await attempt(sleeper.phone, door);
    expect([stale.outcome, stale.code]).toEqual(['refused', 'credential_superseded']);
    // ... until the phone syncs: a new credential at the new sequence, valid at the room too.
    const resynced = await sleeper.phone.sync(server.url);
    expect(sequenceAt(resynced, door)).toBeGreaterThanOrEqual(update.sequenceFloor);
    expect(updateFor(resynced, door).sequenceCeiling).toBeGreaterThanOrEqual(sequenceAt(resynced, door));
    expect((await attempt(sleeper.phone, door)).outcome).toBe('unlocked');
    const room = doors.get('Room 301')!;
    expect((await attempt(sleeper.phone, room)).outcome).toBe('unlocked');
  });
});

describe('sequence ceiling', () => {
  it('every update a phone gets covers the sequence of the credential it got with it, and the next occupant of a room is covered too', async () => {
    const first = await guest('ceiling-first', ['Room 302', 'Gym']);
    for (const name of ['Room 302', 'Gym']) {
      const door = doors.get(name)!;
      const update = updateFor(first.bundle, door);
      expect(update.sequenceCeiling).toBeGreaterThanOrEqual(sequenceAt(first.bundle, door));
      expect(update.sequenceFloor).toBeLessThanOrEqual(sequenceAt(first.bundle, door));
    }
    const room = doors.get('Room 302')!;
    const next = await guest('ceiling-next', ['Room 302']);
    expect(sequenceAt(next.bundle, room)).toBeGreaterThan(sequenceAt(first.bundle, room)); // a new occupant supersedes
    expect(updateFor(next.bundle, room).sequenceCeiling).toBe(sequenceAt(next.bundle, room));
    expect((await attempt(next.phone, room)).outcome).toBe('unlocked');
    const superseded = await attempt(first.phone, room);
    expect([superseded.outcome, superseded.code]).toEqual(['refused', 'credential_superseded']);
  });
});
