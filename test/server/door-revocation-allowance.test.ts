/**
 * Second attack on issue 13, M4: the phone-change budget is per user identity, but the harm is per
 * door. Five bookings sharing the Lobby, each inside its budget (register + deactivate, 10 changes an
 * hour), filled the Lobby's revocation list in two hours; its supersede floor was raised and a guest
 * whose phone had not synced since was refused `credential_superseded` there.
 * Now a guest's deactivation is refused 429 `door_revocations_rate_limited` (nothing written) when it
 * would take a door's live list above the guests' share (32 of the 48 one update lists; 16 kept for
 * operators) or the identity's own revocations there above 4 (services/phone-budget.ts). Guests alone
 * never raise a floor; an operator's revocations still may. Virtual radio clock, default limits.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, createResponseValidator, newHolder, registerPhone, startRadioClockServer } from './helpers.ts';
import { TestPhone } from './phone-app.ts';
import { limits } from '../../src/protocol/limits.ts';
import { updateRevocationsMax } from '../../src/server/issuance/issuer.ts';
import type { VirtualDoor } from '../../src/server/virtual-property.ts';

let ctx: Awaited<ReturnType<typeof startRadioClockServer>>;
const validate = createResponseValidator();
beforeAll(async () => { ctx = await startRadioClockServer(); });
afterAll(async () => { await ctx.server.close(); });

const guestShare = 32;
const identityShare = 4;

async function floorOf(door: VirtualDoor): Promise<number> {
  return (await ctx.server.context.repo.directory.entranceById(door.acsEntranceId))!.sequence_floor;
}
async function liveAt(door: VirtualDoor): Promise<number> {
  const { context } = ctx.server;
  const entrance = (await context.repo.directory.entranceById(door.acsEntranceId))!;
  return context.repo.grants.liveRevocationCountOfLock(door.acsEntranceId, Math.floor(context.clock() / 1000) - limits.revocationRetentionS, entrance.sequence_floor);
}

/** A booking at these doors whose stay ends in `endsInMs`, its link opened: the guest's session token. */
async function booking(name: string, doors: VirtualDoor[], endsInMs = 2 * 86400_000): Promise<string> {
  const { server } = ctx;
  const now = server.property.radio.now();
  const grant = await call(server.url, '/access_grants/create', {
    token: server.apiKey!,
    body: {
      user_identity: { full_name: name }, acs_entrance_ids: doors.map((d) => d.acsEntranceId), requested_access_methods: [{ mode: 'mobile_key' }],
      starts_at: new Date(now - 3600_000).toISOString(), ends_at: new Date(now + endsInMs).toISOString(),
    },
  });
  expect(grant.status).toBe(200);
  const url = (grant.body['access_grant'] as { instant_key_url: string }).instant_key_url;
  const opened = await call(ctx.server.url, '/instant_key_app/open', { body: { instant_key_url: url } });
  expect(opened.status).toBe(200);
  return opened.body['client_session_token'] as string;
}

async function newPhone(token: string): Promise<string> {
  const r = await registerPhone(ctx.server.url, token, newHolder());
  expect(r.status).toBe(200);
  return (r.body['phone'] as { device_id: string }).device_id;
}

const deactivate = (token: string, deviceId: string) => call(ctx.server.url, '/phones/deactivate', { token, body: { device_id: deviceId } });
const errorType = (body: Record<string, unknown>) => (body['error'] as { type?: string } | undefined)?.type;

it('twelve bookings churning phones at the Lobby inside their budgets never raise its floor; an unsynced guest still opens it', async () => {
  const { server, doors, grant } = ctx;
  const lobby = doors.get('Lobby') as VirtualDoor;
  const victimGrant = await grant('victim', ['Lobby', 'Room 101']);
  const phone = new TestPhone({ id: 'victim', seed: 5, crypto: server.context.issuer.crypto, radio: server.property.radio });
  await phone.openAndRegister(server.url, victimGrant.instant_key_url);
  expect((await phone.unlockAt(lobby.position, lobby.lockId)).outcome).toBe('unlocked');
  const carrierGrant = await grant('carrier', ['Lobby', 'Room 102']);
  const carrier = new TestPhone({ id: 'carrier', seed: 6, crypto: server.context.issuer.crypto, radio: server.property.radio });
  await carrier.openAndRegister(server.url, carrierGrant.instant_key_url);
  // The party's stays end in 3 h: their revocations expire then (+ retention), and the allowance refills.
  const tokens: string[] = [];
  for (let i = 0; i < 12; i++) tokens.push(await booking(`party-${i}`, [lobby], 3 * 3600_000));
  const floorBefore = await floorOf(lobby);
  const outcomes = new Map<string, number>();
  let refusal: { status: number; body: Record<string, unknown> } | undefined;
  for (let hour = 0; hour < 3; hour++) {
    for (const token of tokens) {
      for (let i = 0; i < 5; i++) {
        const r = await registerPhone(server.url, token, newHolder());
        if (r.status !== 200) { outcomes.set(`register ${r.status} ${errorType(r.body)}`, (outcomes.get(`register ${r.status} ${errorType(r.body)}`) ?? 0) + 1); continue; }
        const d = await deactivate(token, (r.body['phone'] as { device_id: string }).device_id);
        const key = `deactivate ${d.status} ${errorType(d.body) ?? ''}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        if (d.status !== 200) refusal ??= d;
        expect(await floorOf(lobby)).toBe(floorBefore);
        expect(await liveAt(lobby)).toBeLessThanOrEqual(guestShare);
      }
    }
    await server.property.radio.advance(3600_000 + 1000);
  }
  // Every guest deactivation that passed added one Lobby revocation: exactly the guests' share.
  expect(outcomes.get('deactivate 200 ')).toBe(guestShare);
  expect(outcomes.get('deactivate 429 door_revocations_rate_limited')).toBeGreaterThan(0);
  expect([...outcomes.keys()].every((k) => ['deactivate 200 ', 'deactivate 429 door_revocations_rate_limited', 'register 409 phone_limit_reached', 'register 429 phone_changes_rate_limited'].includes(k))).toBe(true);
  // Seam's error envelope, valid against @seamapi/types.
  expect(refusal!.status).toBe(429);
  expect(refusal!.body['ok']).toBe(false);
  expect(typeof (refusal!.body['error'] as { request_id?: unknown }).request_id).toBe('string');
  expect(validate('/phones/deactivate', 'post', refusal!.body)).toBeUndefined();
  // The floor never rose, so the unsynced victim opens the Lobby after a synced guest carried its update there.
  await carrier.sync(server.url);
  expect((await carrier.unlockAt(lobby.position, lobby.lockId)).outcome).toBe('unlocked');
  await server.property.radio.advance(lobby.lock.config.failureWindowMs);
  phone.wallet!.tickets.clear();
  expect({ floor: await floorOf(lobby), outcome: (await phone.unlockAt(lobby.position, lobby.lockId)).outcome }).toEqual({ floor: floorBefore, outcome: 'unlocked' });
  // The party's stays have ended (3 h) and their revocations' retention passed: another guest may deactivate at the Lobby again.
  await server.property.radio.advance(limits.revocationRetentionS * 1000);
  expect(await liveAt(lobby)).toBe(0);
  const late = await booking('late guest', [lobby]);
  expect((await deactivate(late, await newPhone(late))).status).toBe(200);
});

it('one identity exhausts only its own share at a door: its 5th deactivation is refused, another guest\'s passes, the operator\'s too', async () => {
  const room = ctx.doors.get('Room 103') as VirtualDoor;
  const gym = ctx.doors.get('Gym') as VirtualDoor;
  const greedy = await booking('greedy', [room, gym]);
  const other = await booking('other', [gym]);
  for (let i = 0; i < identityShare; i++) expect((await deactivate(greedy, await newPhone(greedy))).status).toBe(200);
  const kept = await newPhone(greedy);
  const refused = await deactivate(greedy, kept);
  expect({ status: refused.status, type: errorType(refused.body) }).toEqual({ status: 429, type: 'door_revocations_rate_limited' });
  // Nothing was written: the phone is still active and its credentials live.
  expect(await ctx.server.context.repo.identities.getPhone((await ctx.server.context.repo.directory.entranceById(gym.acsEntranceId))!.workspace_id, kept)).toBeDefined();
  expect(await liveAt(gym)).toBe(identityShare);
  expect((await deactivate(other, await newPhone(other))).status).toBe(200);
  expect((await deactivate(ctx.server.apiKey!, kept)).status).toBe(200);
  expect(await liveAt(gym)).toBe(identityShare + 2);
});

it('parallel guest deactivations at a door one short of the guests\' share: exactly one passes', async () => {
  const elevator = ctx.doors.get('Elevator') as VirtualDoor;
  // Guests fill the door to one below the guests' share, each within its own share (operators'
  // revocations no longer count against it: third attack on issue 13).
  let filled = 0;
  for (let i = 0; filled < guestShare - 1; i++) {
    const token = await booking(`filler-${i}`, [elevator]);
    for (let j = 0; j < identityShare && filled < guestShare - 1; j++, filled++) expect((await deactivate(token, await newPhone(token))).status).toBe(200);
  }
  expect(await liveAt(elevator)).toBe(guestShare - 1);
  const racers: [string, string][] = [];
  for (let i = 0; i < 6; i++) {
    const token = await booking(`racer-${i}`, [elevator]);
    racers.push([token, await newPhone(token)]);
  }
  const results = await Promise.all(racers.map(([token, deviceId]) => deactivate(token, deviceId)));
  expect(results.map((r) => r.status).sort()).toEqual([200, 429, 429, 429, 429, 429]);
  expect(await liveAt(elevator)).toBe(guestShare);
});

it('an operator\'s deactivations still raise the floor when the door\'s list overflows one update', async () => {
  const room = ctx.doors.get('Room 104') as VirtualDoor;
  const floorBefore = await floorOf(room);
  const phones: string[] = [];
  for (let i = 0; phones.length <= updateRevocationsMax; i++) {
    const token = await booking(`operator-cleanup-${i}`, [room]);
    for (let j = 0; j < 5 && phones.length <= updateRevocationsMax; j++) phones.push(await newPhone(token));
  }
  for (const deviceId of phones) expect((await deactivate(ctx.server.apiKey!, deviceId)).status).toBe(200);
  expect(await floorOf(room)).toBeGreaterThan(floorBefore);
});
