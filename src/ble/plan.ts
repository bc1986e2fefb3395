/**
 * The attempts of a `ble run`: per door, cycles of valid and invalid unlocks whose expected
 * outcome is known before the run.
 *
 * Why a plan: the run must "exit 0 only when every outcome matched", so each attempt carries its
 * expectation, and the order respects what an outcome depends on (a repeat needs a first unlock,
 * a replay needs a recorded exchange, "superseded" needs the next guest to have unlocked). The
 * independent middle of each cycle is shuffled by the seed, so valid and invalid attempts mix
 * differently per door and per seed.
 */
import type { ErrorCode } from '../protocol/errors.ts';
import type { SeededRandom } from '../protocol/random.ts';
import type { UnlockOutcomeKind } from '../phone/unlock-client.ts';

export type AttemptKind =
  | 'first_unlock'
  | 'repeat_unlock'
  | 'wrong_door'
  | 'expired'
  | 'replay'
  | 'staff_carries_revocation'
  | 'revoked'
  | 'next_guest_supersedes'
  | 'superseded';

export interface Expected {
  readonly outcome: UnlockOutcomeKind;
  readonly code?: ErrorCode;
}

export const attemptExpectations: Readonly<Record<AttemptKind, { readonly expected: Expected; readonly description: string }>> = {
  first_unlock: { expected: { outcome: 'unlocked' }, description: 'guest, first unlock (full exchange)' },
  repeat_unlock: { expected: { outcome: 'unlocked' }, description: 'guest, repeat unlock (resume path)' },
  wrong_door: { expected: { outcome: 'refused', code: 'credential_wrong_door' }, description: 'a credential for another door' },
  expired: { expected: { outcome: 'refused', code: 'credential_expired' }, description: 'an expired credential' },
  replay: { expected: { outcome: 'refused', code: 'decrypt_failed' }, description: 'replay of the guest’s recorded writes' },
  staff_carries_revocation: { expected: { outcome: 'unlocked' }, description: 'staff unlocks, carrying a revocation' },
  revoked: { expected: { outcome: 'refused', code: 'credential_revoked' }, description: 'the revoked credential' },
  next_guest_supersedes: { expected: { outcome: 'unlocked' }, description: 'next guest (supersedes the previous)' },
  superseded: { expected: { outcome: 'refused', code: 'credential_superseded' }, description: 'previous guest after the next checked in' },
};

export interface PlannedAttempt {
  /** 0-based index in the run. */
  readonly index: number;
  readonly door: number;
  /** Which cycle of this door the attempt belongs to (fresh phones per cycle). */
  readonly cycle: number;
  readonly kind: AttemptKind;
}

/** Steps of one cycle on one door, dependencies respected, middle shuffled by `random`. */
export function cycleSteps(random: SeededRandom): AttemptKind[] {
  const blocks: AttemptKind[][] = [['repeat_unlock'], ['wrong_door'], ['expired'], ['replay'], ['staff_carries_revocation', 'revoked']];
  for (let i = blocks.length - 1; i > 0; i -= 1) {
    const j = random.below(i + 1);
    [blocks[i], blocks[j]] = [blocks[j]!, blocks[i]!];
  }
  return ['first_unlock', ...blocks.flat(), 'next_guest_supersedes', 'superseded'];
}

/** Attempt i goes to door i mod doors; each door walks its own cycles. */
export function planAttempts(options: { doors: number; attempts: number; random: SeededRandom }): PlannedAttempt[][] {
  const lanes: PlannedAttempt[][] = Array.from({ length: options.doors }, () => []);
  const pending: { cycle: number; steps: AttemptKind[] }[] = Array.from({ length: options.doors }, () => ({ cycle: -1, steps: [] }));
  for (let index = 0; index < options.attempts; index += 1) {
    const door = index % options.doors;
    const lane = pending[door]!;
    if (lane.steps.length === 0) {
      lane.cycle += 1;
      lane.steps = cycleSteps(options.random.fork(`door:${door}:cycle:${lane.cycle}`));
    }
    lanes[door]!.push({ index, door, cycle: lane.cycle, kind: lane.steps.shift()! });
  }
  return lanes;
}
