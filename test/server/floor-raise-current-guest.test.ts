/**
 * Attack on issue 13 (13b F1): the next guest of an exclusive room, whose stay starts tomorrow,
 * registers and deactivates phones on its own link until the room's revocations overflow one update
 * and its floor is raised. The current occupant must keep the room (after a sync), and the raise must
 * keep the two guests in their order (the next guest still supersedes the current one).
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

async function currentGuestAfterChurn(roomName: string, churn: number): Promise<{ outcome: string; held: number[]; floor: number }> {
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
      starts_at: new Date(now + 86_400_000).toISOString(), ends_at: new Date(now + 3 * 86_400_000).toISOString(),
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

it('control: a next guest without churn leaves the current occupant in', async () => {
  expect((await currentGuestAfterChurn('Room 202', 0)).outcome).toBe('unlocked');
});

it('a next guest churning 50 phones before its stay does not shut the current occupant out; their order is kept', async () => {
  const { outcome, held, floor } = await currentGuestAfterChurn('Room 201', 50);
  expect(outcome).toBe('unlocked');
  // Both guests moved above the raised floor, on two sequences (the next guest still above).
  expect(held.length).toBe(2);
  expect(Math.min(...held)).toBeGreaterThanOrEqual(floor);
  expect(floor).toBeGreaterThan(1);
});
