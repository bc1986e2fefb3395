/**
 * Re-attack on the floor-raise fix (services/revocation.ts raiseDoorFloor): "current" grants are the
 * newest one whose start is before now + limits.revocationRetentionS (1 h) and those above it. A next
 * guest whose stay starts within the hour counts as "may have opened", so the current occupant (below
 * it) is not moved: churning until the floor rises in the last hour before the next stay still shuts
 * the current occupant out (e.g. late checkout at 12:00, next stay from 12:00, churn at 11:05).
 * The limits are lifted as in test/server/floor-raise-current-guest.test.ts; with the budget
 * (12 revocations a day) the next guest needs ~4 days of churn before its stay, keeping the 49th for
 * the chosen moment. Original header:
 * Attack on issue 13 (13b F1): the next guest of an exclusive room, whose stay starts tomorrow,
 * registers and deactivates phones on its own link until the room's revocations overflow one update
 * and its floor is raised. The current occupant must keep the room (after a sync), and the raise must
 * keep the two guests in their order (the next guest still supersedes the current one).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, newHolder, registerPhone, startRadioClockServer } from '../../test/server/helpers.ts';
import { TestPhone } from '../../test/server/phone-app.ts';
import type { VirtualDoor } from '../../src/server/virtual-property.ts';

let ctx: Awaited<ReturnType<typeof startRadioClockServer>>;
beforeAll(async () => {
  // The churn is the attack itself: the phone-change budget (services/phone-budget.ts, its own test)
  // would stop it at 10; lifted here so the floor raise it forces is what is tested.
  ctx = await startRadioClockServer({ phoneChangeLimits: { changesPerHourMax: 1000, changesPerDayMax: 1000, activePhonesPerUnlimitedLinkMax: 1000, guestRevocationsPerDoorMax: 1000, guestRevocationsPerIdentityPerDoorMax: 1000 } }); // door allowance (M4 fix) lifted too
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

it('next stay starting in 50 min — the occupant is shut out of its own room', async () => {
  const r = await currentGuestAfterChurn('Room 203', 50, 50 * 60_000);
  // Expected 'unlocked' (its stay has not ended; the next guest has not arrived). Observed: refused.
  expect(r.outcome).toBe('unlocked');
});
