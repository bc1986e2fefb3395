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
 */
import { ApiError } from '../http/errors.ts';
import type { PhoneChangeLimits, ServerContext } from '../context.ts';

export type { PhoneChangeLimits } from '../context.ts';

export const phoneChangeLimitsDefault: Readonly<PhoneChangeLimits> = Object.freeze({
  changesPerHourMax: 10,
  changesPerDayMax: 24,
  activePhonesPerUnlimitedLinkMax: 5,
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
