/**
 * How fast a user identity may change its phones. Every registration issues credentials and every
 * deactivation revokes them, and revocations fill the door's signed update: a guest (or the next
 * guest of a room, before the stay) registering and deactivating phones in a loop forces the door's
 * supersede floor up (services/revocation.ts) and makes every other phone at a shared door sync
 * again (attack on issue 13, 13b F2). So changes are budgeted per identity, counted from the phones
 * table itself (a registration is a phone's `created_at`, a deactivation its `deactivated_at`), over
 * a sliding hour and a sliding day; and a link without `max_use_count` may hold only a few active
 * phones at once.
 *
 * Enforced where a guest acts: `phones/register` through the Instant Key app, and `phones/deactivate`
 * called with a client-session token. An operator's API key (phones/deactivate, instant_keys/delete,
 * user_identities/delete) is never refused.
 *
 * What counts (second attack on issue 13, budget lockout): the guest's registrations and its own
 * deactivations. An operator's deactivations do not (cleaning up an intruder's phones must not spend
 * the guest's budget), and nothing of a phone registered through a link that has since been revoked
 * counts: a leaked link's holder can spend the budget of the identity while the link lives, and the
 * operator's remedy (revoke it, issue a fresh link) gives the guest the whole budget back. Every
 * registration counts against its link too (a link's changes are a subset of its identity's), so a
 * link never has more than the identity's budget.
 *
 * Per door (second attack on issue 13, M4): the budget is per identity, but the harm is per door:
 * five bookings sharing the Lobby, each inside its budget, filled the Lobby's update in two hours.
 * So a guest's deactivation is also refused (429 `door_revocations_rate_limited`, nothing written)
 * when its revocations would take any door it touches above the guests' share of that door's live
 * list (`guestRevocationsPerDoorMax`, 32 of `updateRevocationsMax` 48: the other 16 are kept for
 * operators), or above the identity's own share there (`guestRevocationsPerIdentityPerDoorMax`, 4).
 * The floor rises only when the live list exceeds 48, so changes by guests alone, however many
 * identities make them, never raise it; an operator's revocations are never refused and still may.
 * Why a per-door allowance and not a smaller budget or a floor raise deferred: the floor is per door,
 * so only a per-door count bounds it whatever the number of identities, and it costs a legitimate
 * guest nothing (a phone or two replaced in a stay). Why deactivations only: a registration revokes
 * nothing (its credentials are revoked when the phone is deactivated — they must be, since the phone
 * holds them signed, synced or not — and that deactivation is what is counted). The per-identity
 * share makes one identity block only its own deactivations; to fill a door's guest share takes 8
 * bookings at that door, and even then no guest loses access: others' self-service deactivations at
 * that door wait for an operator (whose deactivation succeeds) or for revocations to expire (the
 * credential's end + `limits.revocationRetentionS`) or for the floor to be raised by an operator's.
 * Counted in the deactivation's IMMEDIATE transaction, so two parallel deactivations cannot both pass.
 */
import { ApiError } from '../http/errors.ts';
import { limits } from '../../protocol/limits.ts';
import { nowS, type PhoneChangeLimits, type ServerContext } from '../context.ts';
import { updateRevocationsMax } from '../issuance/issuer.ts';
import type { CredentialRow } from '../repository/index.ts';

export type { PhoneChangeLimits } from '../context.ts';

export const phoneChangeLimitsDefault: Readonly<PhoneChangeLimits> = Object.freeze({
  changesPerHourMax: 10,
  changesPerDayMax: 24,
  activePhonesPerUnlimitedLinkMax: 5,
  guestRevocationsPerDoorMax: updateRevocationsMax - 16,
  guestRevocationsPerIdentityPerDoorMax: 4,
});

const hourMs = 3600_000;
const dayMs = 24 * hourMs;

/** 429 `phone_changes_rate_limited` when one more change would exceed the identity's hourly or daily budget. */
export async function checkPhoneChangeBudget(context: ServerContext, userIdentityId: string): Promise<void> {
  const limits = context.config.phoneChangeLimits;
  const nowMs = context.clock();
  const { identities } = context.repo;
  const lastHour = await identities.phoneChangesSince(userIdentityId, new Date(nowMs - hourMs).toISOString());
  if (lastHour >= limits.changesPerHourMax) {
    throw new ApiError('phone_changes_rate_limited', `this user identity changed its phones ${lastHour} times in the last hour (at most ${limits.changesPerHourMax}); try again later`);
  }
  const lastDay = await identities.phoneChangesSince(userIdentityId, new Date(nowMs - dayMs).toISOString());
  if (lastDay >= limits.changesPerDayMax) {
    throw new ApiError('phone_changes_rate_limited', `this user identity changed its phones ${lastDay} times in the last 24 hours (at most ${limits.changesPerDayMax}); try again later`);
  }
}

/** 409 `phone_limit_reached` when a link without `max_use_count` already has its most active phones. */
export async function checkActivePhonesOfLink(context: ServerContext, instantKey: { instant_key_id: string; max_use_count: number | null }): Promise<void> {
  if (instantKey.max_use_count !== null) return;
  const max = context.config.phoneChangeLimits.activePhonesPerUnlimitedLinkMax;
  const active = (await context.repo.identities.phonesOfInstantKey(instantKey.instant_key_id)).length;
  if (active >= max) {
    throw new ApiError('phone_limit_reached', `this Instant Key already has ${active} active phones (at most ${max}): deactivate one first`);
  }
}

/**
 * 429 `door_revocations_rate_limited` when revoking `credentials` (a guest deactivating a phone of
 * `userIdentityId`) would take a door's live revocation list above the guests' share, or this
 * identity's own deactivated phones there above its share. Counts what the door's next update would list
 * (services/revocation.ts doorSnapshot): an entry is live until its credential's expiry plus
 * `limits.revocationRetentionS`, and only when the credential holds a sequence at or above the
 * door's floor. Call inside the transaction that revokes, before anything is written.
 */
export async function checkDoorRevocationAllowance(context: ServerContext, userIdentityId: string, credentials: readonly CredentialRow[]): Promise<void> {
  const { grants, directory } = context.repo;
  const { guestRevocationsPerDoorMax, guestRevocationsPerIdentityPerDoorMax } = context.config.phoneChangeLimits;
  const keptAfterS = nowS(context) - limits.revocationRetentionS;
  const adding = new Map<string, { floor: number; count: number }>();
  for (const credential of credentials) {
    if (credential.expires_at_s <= keptAfterS) continue;
    for (const door of await grants.credentialDoors(credential.credential_id)) {
      const entry = adding.get(door.acs_entrance_id) ?? { floor: (await directory.entranceById(door.acs_entrance_id))?.sequence_floor ?? Infinity, count: 0 };
      if (door.door_sequence >= entry.floor) entry.count += 1;
      adding.set(door.acs_entrance_id, entry);
    }
  }
  for (const [entranceId, { floor, count }] of adding) {
    if (count === 0) continue;
    // Only guests' entries count against the guests' share (operators' do not use it up): guests
    // alone stay below one update's capacity, so only operators' entries crowding the list can make
    // a guest's deactivation raise the floor (third attack on issue 13).
    const atDoor = await grants.liveGuestRevocationCountOfLock(entranceId, keptAfterS, floor);
    if (atDoor + count > guestRevocationsPerDoorMax) {
      throw new ApiError('door_revocations_rate_limited', `guests' deactivated phones already hold ${atDoor} revocations at door ${entranceId}; deactivating this phone would add ${count} (guests may take it to ${guestRevocationsPerDoorMax}): ask the property to deactivate it, or try again later`);
    }
    // Per identity, phones count, not credentials: a guest with several grants at a door (a room
    // and a suite, each naming the Lobby) spends one of its share per phone (third attack on issue 13).
    const own = await grants.liveGuestPhoneCountOfIdentity(entranceId, userIdentityId, keptAfterS, floor);
    if (own + 1 > guestRevocationsPerIdentityPerDoorMax) {
      throw new ApiError('door_revocations_rate_limited', `this user identity has already deactivated ${own} phones holding live revocations at door ${entranceId} (at most ${guestRevocationsPerIdentityPerDoorMax}): ask the property to deactivate it, or try again after the stay`);
    }
  }
}
