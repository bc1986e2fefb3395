/**
 * The phone SDK (`latchkey/phone`) end to end against an in-test server: the back end's
 * `client_sessions/create` (official `seam` SDK) → `createPhone` → `sync()` (registers the holder
 * key with proof of possession, downloads the credentials) → "unlock with tap" over the virtual radio
 * with the corridor RF model (src/radio/rf), the server's own locks laid out on a corridor floor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Seam } from 'seam';
import { createPhone, MemoryCredentialStore, PhoneError, type PhoneState } from 'latchkey/phone';
import { createSeededRandom } from '../../src/protocol/random.ts';
import { radioDefaults } from '../../src/radio/options.ts';
import { corridorRssiModel } from '../../src/radio/rf/rssi-model.ts';
import { createCorridor } from '../../src/radio/rf/corridor.ts';
import type { Position } from '../../src/radio/virtual-radio.ts';
import type { RunningServer } from '../../src/server/index.ts';
import { startVirtualProperty, type VirtualProperty } from '../../src/server/virtual-property.ts';
import { startTestServer } from '../server/helpers.ts';

const corridor = createCorridor();
const at = (id: string): Position => ({ xM: corridor.byId.get(id)!.lock.xM, yM: corridor.byId.get(id)!.lock.yM });
/**
 * The demo hotel's doors on the corridor: Room 101/103 side by side (201, 203: 3 m apart on the
 * south wall), Room 102 facing Room 101 across the corridor (202), and the Lobby and Gym readers as
 * double doors, 0.3 m apart (the case where two of a guest's doors are equally close). Every other
 * door far away.
 */
const layout: Record<string, Position> = {
  'Room 101': at('201'),
  'Room 102': at('202'),
  'Room 103': at('203'),
  Lobby: { xM: -8, yM: 0 },
  Gym: { xM: -7.7, yM: 0 },
};

let server: RunningServer;
let property: VirtualProperty;
let seam: Seam;
let token: string;
// The radio is 2-D: the lock at the height of a phone in hand (1.2 m), so a phone placed at a lock is raised to it.
const model = corridorRssiModel(createSeededRandom(18), {}, 1.2);

beforeAll(async () => {
  server = await startTestServer({ clock: () => (property ? property.radio.now() : radioDefaults.epochMs) });
  let far = 0;
  property = await startVirtualProperty(server.context, {
    seed: 18,
    epochMs: radioDefaults.epochMs,
    rssiModel: model,
    positionOf: (door) => layout[door.name] ?? { xM: 1_000 + 40 * far++, yM: 500 },
  });
  seam = new Seam({ apiKey: server.apiKey!, endpoint: server.url });
  // The app's back end: a user identity, a stay with a mobile key, a client session for the app.
  const guest = await seam.userIdentities.create({ full_name: 'Jane Doe' });
  const entrances = await seam.acs.entrances.list();
  const id = (name: string) => entrances.find((e) => e.display_name === name)!.acs_entrance_id;
  const now = property.radio.now();
  await seam.accessGrants.create({
    user_identity_id: guest.user_identity_id,
    acs_entrance_ids: [id('Room 101'), id('Room 103'), id('Lobby'), id('Gym')],
    requested_access_methods: [{ mode: 'mobile_key' }],
    starts_at: new Date(now - 3_600_000).toISOString(),
    ends_at: new Date(now + 2 * 86_400_000).toISOString(),
  });
  token = (await seam.clientSessions.create({ user_identity_id: guest.user_identity_id })).token;
});

afterAll(async () => {
  await server?.close();
});

function newPhone(id: string, clientSessionToken = token) {
  const random = createSeededRandom(1818).fork(id);
  return createPhone({ endpoint: server.url, clientSessionToken, store: new MemoryCredentialStore(), transport: property.radio.transportFor(id), random: (n) => random.bytes(n) });
}

/** Held to a lock: 5 cm in front of it, on the corridor side. */
function holdTo(phoneId: string, position: Position): void {
  property.radio.placePhone(phoneId, { xM: position.xM, yM: position.yM === 0 ? 0.05 : position.yM - 0.05 });
}

describe('latchkey/phone end to end', () => {
  it('syncs the granted doors with a client-session token and taps the door the phone is held to', async () => {
    const phone = newPhone('jane');
    const seen: PhoneState['status'][] = [];
    phone.on('change', (state) => seen.push(state.status));
    const entrances = await phone.sync();
    expect(entrances.map((e) => e.displayName)).toEqual(['Room 101', 'Room 103', 'Gym', 'Lobby']);
    expect(phone.state.deviceId).toMatch(/^[0-9a-f-]{36}$/);
    // The server sees the phone, under the session's identity.
    const phones = await seam.phones.list();
    expect(phones.map((p) => p.device_id)).toContain(phone.state.deviceId);

    holdTo('jane', layout['Room 103']!);
    const result = await property.radio.runUntil(phone.unlockWithTap());
    expect(result.outcome).toBe('unlocked');
    expect(result.entranceId).toBe(entrances.find((e) => e.displayName === 'Room 103')!.entranceId);
    expect(result.detail?.authenticated).toBe(true);
    expect(seen).toEqual(['syncing', 'ready', 'unlocking', 'ready']);

    holdTo('jane', layout['Room 101']!);
    const next = await property.radio.runUntil(phone.unlockWithTap());
    expect(next.outcome).toBe('unlocked');
    expect(next.entranceId).toBe(entrances.find((e) => e.displayName === 'Room 101')!.entranceId);
  });

  it('never tries a door the guest holds no key for, however loud (Room 102 faces Room 101)', async () => {
    const phone = newPhone('jane-2');
    await phone.sync();
    holdTo('jane-2', layout['Room 102']!);
    const result = await property.radio.runUntil(phone.unlockWithTap({ timeoutMs: 1_500 }));
    expect(result).toMatchObject({ outcome: 'out_of_range', code: 'lock_not_found', detail: undefined });
  });

  it('refuses to guess between two of the guest\'s doors equally close (double doors): tap_ambiguous', async () => {
    // Equally close means equally loud: the same floor without per-link shadowing (with it, two
    // readers 0.3 m apart often differ by more than the margin, and the louder one is not a guess).
    const twin = corridorRssiModel(createSeededRandom(19), { shadowingSigmaDb: 0 }, 1.2);
    const even = await startVirtualProperty(server.context, { seed: 19, epochMs: radioDefaults.epochMs, rssiModel: twin, positionOf: (door) => layout[door.name] ?? { xM: 1_000 + 40 * door.index, yM: 500 } });
    const random = createSeededRandom(1818).fork('jane-3');
    const phone = createPhone({ endpoint: server.url, clientSessionToken: token, store: new MemoryCredentialStore(), transport: even.radio.transportFor('jane-3'), random: (n) => random.bytes(n) });
    const entrances = await phone.sync();
    even.radio.placePhone('jane-3', { xM: -7.85, yM: 0.05 });
    twin.setCarry('jane-3', 'hand', -Math.PI / 2); // facing the wall the two readers are on
    const result = await even.radio.runUntil(phone.unlockWithTap({ timeoutMs: 1_500 }));
    expect(result.outcome).toBe('ambiguous');
    expect(result.code).toBe('tap_ambiguous');
    const names = (result.outcome === 'ambiguous' ? result.entranceIds : []).map((id) => entrances.find((e) => e.entranceId === id)?.displayName).sort();
    expect(names).toEqual(['Gym', 'Lobby']);
    // Moved to one of them, the same tap session would open it: nothing is stuck.
    even.radio.placePhone('jane-3', { xM: -7.7, yM: 0.05 });
    const gym = await even.radio.runUntil(phone.unlockWithTap({ timeoutMs: 1_500 }));
    expect(gym.outcome).toBe('unlocked');
    expect(entrances.find((e) => e.entranceId === gym.entranceId)?.displayName).toBe('Gym');
  });

  it('unlocks a named entrance; an entrance it holds no key for is acs_entrance_not_found', async () => {
    const phone = newPhone('jane-4');
    const entrances = await phone.sync();
    holdTo('jane-4', layout['Room 101']!);
    const room = entrances.find((e) => e.displayName === 'Room 101')!;
    const result = await property.radio.runUntil(phone.unlock(room.entranceId));
    expect(result).toMatchObject({ outcome: 'unlocked', entranceId: room.entranceId });
    const error = await phone.unlock('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PhoneError);
    expect((error as PhoneError).code).toBe('acs_entrance_not_found');
  });

  it('a bad token is unauthorized (401) and leaves the phone without keys; unlock before any sync is phone_no_entrances', async () => {
    const phone = newPhone('mallory', 'seam_cst1_not-a-real-token');
    const error = await phone.sync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PhoneError);
    expect((error as PhoneError).code).toBe('unauthorized');
    expect((error as PhoneError).status).toBe(401);
    expect(phone.state).toMatchObject({ status: 'error', lastError: { code: 'unauthorized' } });
    const tap = await phone.unlockWithTap().catch((e: unknown) => e);
    expect((tap as PhoneError).code).toBe('phone_no_entrances');
  });

  it('a second sync returns the same phone (the stored device), not a new registration', async () => {
    const store = new MemoryCredentialStore();
    const random = createSeededRandom(5).fork('twice');
    const options = { endpoint: server.url, clientSessionToken: token, store, transport: property.radio.transportFor('twice'), random: (n: number) => random.bytes(n) };
    const first = createPhone(options);
    await first.sync();
    const before = (await seam.phones.list()).length;
    const again = createPhone(options); // an app restart: same store
    await again.sync();
    expect(again.state.deviceId).toBe(first.state.deviceId);
    expect((await seam.phones.list()).length).toBe(before);
  });
});
