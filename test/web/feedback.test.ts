/** The page's words for the lock's refusals (src/web/feedback.ts): each reason a guest can act on has its own message. */
import { describe, expect, it } from 'vitest';
import { chooserFeedback, refusalFeedback, relockAfterMs } from '../../src/web/feedback.ts';
import { lockConfigDefaults } from '../../firmware-model/config.ts';
import type { ErrorCode } from '../../src/protocol/errors.ts';

describe('refusal feedback', () => {
  const door = { name: 'Room 101', notBeforeS: 1_900_000_000, expiresAtS: 1_900_086_400 };
  it('names each actionable reason instead of the generic message', () => {
    const titles = new Map<ErrorCode, string>();
    for (const code of ['credential_expired', 'credential_not_yet_valid', 'credential_revoked', 'credential_wrong_door', 'rate_limited', 'battery_depleted', 'access_denied', 'lock_proof_invalid'] as const) {
      const feedback = refusalFeedback(code, door);
      expect(feedback.state, code).toBe('refused');
      expect(feedback.title, code).not.toBe('The lock refused');
      titles.set(code, feedback.title);
    }
    expect(new Set(titles.values()).size).toBe(titles.size);
    expect(refusalFeedback('battery_depleted', door).detail).toContain('Room 101');
  });

  it('falls back to the code itself for the rest', () => {
    expect(refusalFeedback('holder_proof_invalid', door)).toMatchObject({ title: 'The lock refused', detail: expect.stringContaining('holder_proof_invalid') });
  });
});

describe('no door nearby', () => {
  it('names the guest\'s doors, and in simulator mode the "Standing at" select instead of a Bluetooth list', () => {
    for (const reason of ['cancelled', 'no_device'] as const) {
      expect(chooserFeedback(reason)).toMatchObject({ state: 'range', title: 'None of your doors is nearby', detail: expect.stringContaining('only your own doors') });
      const simulated = chooserFeedback(reason, { simulator: true });
      expect(simulated.title).toBe('None of your doors is nearby');
      expect(simulated.detail).toContain('Standing at');
      expect(simulated.detail).not.toMatch(/Bluetooth/);
    }
  });

  it('counts down to the lock model\'s own relock time', () => {
    expect(relockAfterMs).toBe(lockConfigDefaults.unlockMs);
  });
});
