/** The page's words for the lock's refusals (src/web/feedback.ts): each reason a guest can act on has its own message. */
import { describe, expect, it } from 'vitest';
import { refusalFeedback } from '../../src/web/feedback.ts';
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
