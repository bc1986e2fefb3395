/**
 * Attack on issue 13 (second round, floor-raise tolerance): raiseDoorFloor moved only the newest grant
 * whose start was before now + limits.revocationRetentionS (1 h) and those above it. A next guest
 * whose stay starts within that hour counted as "may have opened", so the current occupant below it
 * was not moved: churning phones until the floor rose in the last hour before the next stay shut the
 * current occupant out of its own room (e.g. late checkout at 12:00, next stay from 12:00, churn at
 * 11:05). Now every grant at the door whose stay has not ended moves above the floor, in its old order.
 * The phone-change budget is lifted as in floor-raise-current-guest.test.ts (the churn is the attack).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, newHolder, registerPhone, startRadioClockServer } from './helpers.ts';
import { TestPhone } from './phone-app.ts';
import type { VirtualDoor } from '../../src/server/virtual-property.ts';

let ctx: Awaited<ReturnType<typeof startRadioClockServer>>;
beforeAll(async () => {
  // The churn is the attack itself: the phone-change budget (services/phone-budget.ts, its own test)
  // would stop it at 10, and the door's revocation allowance for guests (door-revocation-allowance.test.ts)
  // before the floor could rise; both lifted here so the floor raise it forces (as an operator's
  // revocations still may) is what is tested.
  ctx = await startRadioClockServer({ phoneChangeLimits: { changesPerHourMax: 1000, changesPerDayMax: 1000, activePhonesPerUnlimitedLinkMax: 1000, guestRevocationsPerDoorMax: 1000, guestRevocationsPerIdentityPerDoorMax: 1000 } });
});
afterAll(async () => {
  await ctx.server.close();
});

async function currentGuestAfterChurn(roomName: string, churn: number, startsInMs: number): Promise<{ outcome: string; held: number[]; floor: number }> {
  const { server, doors, grant } = ctx;
  const room = doors.get(roomName) as VirtualDoor;
  const current = await grant(`current-${roomName}`, [roomName]);
  const phone = new TestPhone({ id: `current-${roomName}`, seed: 11 + churn, crypto: server.context.issuer.crypto, radio: server.property.radio });
  await phone.openAndRegister(server.url, current.instant_key_url);
  expect((await phone.unlockAt(room.position, room.lockId)).outcome).toBe('unlocked');
  const now = server.property.radio.now();
  const next = await call(server.url, '/access_grants/create', {
    token: server.apiKey!,
    body: {
      user_identity: { full_name: `next-${roomName}` }, acs_entrance_ids: [room.acsEntranceId], requested_access_methods: [{ mode: 'mobile_key' }],
      starts_at: new Date(now + startsInMs).toISOString(), ends_at: new Date(now + 3 * 86_400_000).toISOString(),
    },
  });
  expect(next.status).toBe(200);
  const nextGrant = next.body['access_grant'] as { access_grant_id: string; instant_key_url: string };
  const opened = await call(server.url, '/instant_key_app/open', { body: { instant_key_url: nextGrant.instant_key_url } });
  const token = opened.body['client_session_token'] as string;
  for (let i = 0; i < churn; i++) {
    const registered = await registerPhone(server.url, token, newHolder());
    expect(registered.status).toBe(200);
    const gone = await call(server.url, '/phones/deactivate', { token, body: { device_id: (registered.body['phone'] as { device_id: string }).device_id } });
    expect(gone.status).toBe(200);
  }
  await phone.sync(server.url);
  await server.property.radio.advance(room.lock.config.failureWindowMs);
  phone.wallet!.tickets.clear();
  const after = await phone.unlockAt(room.position, room.lockId);
  const held = (await server.context.repo.grants.liveSequencesAtDoor(room.acsEntranceId)).map((row) => row.door_sequence);
  const floor = (await server.context.repo.directory.entranceById(room.acsEntranceId))!.sequence_floor;
  return { outcome: after.outcome, held, floor };
}

it('control: next stay starting in 2 h — the occupant keeps the room after the raise', async () => {
  expect((await currentGuestAfterChurn('Room 202', 50, 2 * 3600_000)).outcome).toBe('unlocked');
});

it('next stay starting in 50 min — the occupant keeps the room after the raise', async () => {
  const r = await currentGuestAfterChurn('Room 203', 50, 50 * 60_000);
  expect(r.outcome).toBe('unlocked'); // its stay has not ended; the next guest has not arrived
  expect(Math.min(...r.held)).toBeGreaterThanOrEqual(r.floor); // both grants moved above the floor, in order
  expect(r.held.length).toBe(2);
});
