/**
 * End to end: a grant made through the API → a phone opens the Instant Key link, registers its
 * holder key and downloads credentials → unlocks its granted doors on the virtual radio and is
 * refused elsewhere → the grant is deleted → another guest's phone carries the signed revocation
 * update to the shared door → the first phone is refused there. The server runs on the radio's
 * virtual clock so credential times and lock time agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import type { VirtualDoor } from '../../src/server/virtual-property.ts';
import { call, startRadioClockServer } from './helpers.ts';
import { TestPhone } from './phone-app.ts';

let server: RunningServer;
let doors: Map<string, VirtualDoor>;
let grant: Awaited<ReturnType<typeof startRadioClockServer>>['grant'];

beforeAll(async () => {
  ({ server, doors, grant } = await startRadioClockServer());
});

afterAll(async () => {
  await server.close();
});

describe('grant → phone → lock → revocation', () => {
  it('unlocks granted doors, is refused elsewhere, and a revocation travels by another phone', async () => {
    const { crypto } = server.context.issuer;
    const radio = server.property.radio;
    const room = doors.get('Room 101')!;
    const otherRoom = doors.get('Room 102')!;
    const gym = doors.get('Gym')!;

    const alice = await grant('Alice', ['Room 101', 'Gym']);
    const phoneA = new TestPhone({ id: 'phone-a', seed: 11, crypto, radio });
    const bundleA = await phoneA.openAndRegister(server.url, alice.instant_key_url);
    expect(bundleA.credentials).toHaveLength(1);
    expect(bundleA.lock_certificates.map((c) => c.acs_entrance_id).sort()).toEqual([room.acsEntranceId, gym.acsEntranceId].sort());

    expect((await phoneA.unlockAt(room.position, room.lockId)).outcome).toBe('unlocked');
    expect((await phoneA.unlockAt(gym.position, gym.lockId)).outcome).toBe('unlocked');
    const elsewhere = await phoneA.unlockAt(otherRoom.position, otherRoom.lockId);
    expect(elsewhere.outcome).toBe('refused');
    expect(elsewhere.code).toBe('credential_wrong_door');
    expect(otherRoom.lock.actuations).toBe(0);
    expect(room.lock.actuations).toBe(1);
    expect(gym.lock.actuations).toBe(1);

    const deleted = await call(server.url, '/access_grants/delete', { token: server.apiKey!, body: { access_grant_id: alice.access_grant_id } });
    expect(deleted.status).toBe(200);
    // Alice's phone does not sync (offline or malicious): it still holds the credential and a ticket.
    await radio.advance(60_000);

    const bob = await grant('Bob', ['Gym']);
    const phoneB = new TestPhone({ id: 'phone-b', seed: 12, crypto, radio });
    const bundleB = await phoneB.openAndRegister(server.url, bob.instant_key_url);
    const gymUpdate = bundleB.lock_updates.find((u) => u.acs_entrance_id === gym.acsEntranceId);
    // Version 1 was signed when Alice's phone got its credential (its sequence ceiling) and she
    // carried it in; 2 is the revocation, which the gym has not heard of.
    expect(gymUpdate?.version).toBe(2);
    expect(gym.lock.state.updateVersion).toBe(1);
    expect((await phoneB.unlockAt(gym.position, gym.lockId)).outcome).toBe('unlocked');
    expect(gym.lock.state.updateVersion).toBe(2);
    expect(gym.lock.state.revoked.map((r) => Buffer.from(r.credentialId).toString('hex'))).toEqual([bundleA.credentials[0]!.credential_id]);

    const refused = await phoneA.unlockAt(gym.position, gym.lockId);
    expect(refused.outcome).toBe('refused');
    expect(refused.code).toBe('credential_revoked');
    expect(gym.lock.actuations).toBe(2);

    // The room lock has not heard of the revocation yet; the maintenance path brings it there.
    server.property.maintenanceSync();
    const roomRefused = await phoneA.unlockAt(room.position, room.lockId);
    expect(roomRefused.outcome).toBe('refused');
    expect(roomRefused.code).toBe('credential_revoked');
  });

  it('reissues on extension and revokes on phone deactivation', async () => {
    const { crypto } = server.context.issuer;
    const radio = server.property.radio;
    const lobby = doors.get('Lobby')!;
    const carol = await grant('Carol', ['Lobby']);
    const phone = new TestPhone({ id: 'phone-c', seed: 13, crypto, radio });
    const first = await phone.openAndRegister(server.url, carol.instant_key_url);
    expect((await phone.unlockAt(lobby.position, lobby.lockId)).outcome).toBe('unlocked');

    const later = new Date(radio.now() + 5 * 86400_000).toISOString();
    expect((await call(server.url, '/access_grants/update', { token: server.apiKey!, body: { access_grant_id: carol.access_grant_id, ends_at: later } })).status).toBe(200);
    const second = await phone.sync(server.url);
    expect(second.credentials).toHaveLength(1);
    expect(second.credentials[0]!.credential_id).not.toBe(first.credentials[0]!.credential_id);
    phone.wallet!.tickets.clear();
    expect((await phone.unlockAt(lobby.position, lobby.lockId)).outcome).toBe('unlocked');
    expect((await phone.sync(server.url)).credentials[0]!.credential_id).toBe(second.credentials[0]!.credential_id);

    expect((await call(server.url, '/phones/deactivate', { token: server.apiKey!, body: { device_id: phone.deviceId } })).status).toBe(200);
    server.property.maintenanceSync();
    phone.wallet!.tickets.clear();
    const refused = await phone.unlockAt(lobby.position, lobby.lockId);
    expect(refused.outcome).toBe('refused');
    expect(refused.code).toBe('credential_revoked');
    expect((await call(server.url, '/instant_key_app/sync', { token: phone.token, body: { device_id: phone.deviceId } })).status).toBe(404);
  });

  it('a new guest in the room supersedes the previous guest there, not at shared doors', async () => {
    const { crypto } = server.context.issuer;
    const radio = server.property.radio;
    const room = doors.get('Room 103')!;
    const elevator = doors.get('Elevator')!;
    const dave = await grant('Dave', ['Room 103', 'Elevator']);
    const phoneD = new TestPhone({ id: 'phone-d', seed: 14, crypto, radio });
    await phoneD.openAndRegister(server.url, dave.instant_key_url);
    expect((await phoneD.unlockAt(room.position, room.lockId)).outcome).toBe('unlocked');
    expect((await phoneD.unlockAt(elevator.position, elevator.lockId)).outcome).toBe('unlocked');

    const erin = await grant('Erin', ['Room 103', 'Elevator']);
    const phoneE = new TestPhone({ id: 'phone-e', seed: 15, crypto, radio });
    await phoneE.openAndRegister(server.url, erin.instant_key_url);
    expect((await phoneE.unlockAt(room.position, room.lockId)).outcome).toBe('unlocked');
    expect((await phoneE.unlockAt(elevator.position, elevator.lockId)).outcome).toBe('unlocked');

    phoneD.wallet!.tickets.clear();
    const superseded = await phoneD.unlockAt(room.position, room.lockId);
    expect(superseded.outcome).toBe('refused');
    expect(superseded.code).toBe('credential_superseded');
    expect((await phoneD.unlockAt(elevator.position, elevator.lockId)).outcome).toBe('unlocked');
  });
});
