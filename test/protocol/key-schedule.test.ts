/**
 * Key-schedule guards (src/protocol/unlock/key-schedule.ts) that the end-to-end tests cannot
 * reach, because phone and lock share the code: forms 2 and 3 must mix the ephemeral ECDH.
 */
import { describe, expect, it } from 'vitest';
import { challengeForm } from '../../src/protocol/unlock/challenge.ts';
import { AeadDirection, direction, requestKey } from '../../src/protocol/unlock/key-schedule.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

describe('requestKey', () => {
  it('forms 2 and 3 without the ephemeral shared secret are a programming error, not a key from the static ECDH alone', () => {
    const staticShared = new Uint8Array(32).fill(1);
    const th1 = new Uint8Array(32).fill(2);
    expect(requestKey(nodeCrypto, challengeForm.commit, staticShared, undefined, th1)).toHaveLength(32);
    for (const form of [challengeForm.key, challengeForm.signed]) {
      expect(() => requestKey(nodeCrypto, form, staticShared, undefined, th1)).toThrow(/forms 2 and 3 mix the ephemeral ECDH/);
    }
  });
});

describe('AeadDirection', () => {
  it('takes only an AES-256 key and an 8-byte direction label', () => {
    expect(new AeadDirection(nodeCrypto, new Uint8Array(32), direction.phoneToLock).messagesUsed).toBe(0);
    expect(() => new AeadDirection(nodeCrypto, new Uint8Array(16), direction.phoneToLock)).toThrow(/AES-256 key and 8-byte direction label/);
    expect(() => new AeadDirection(nodeCrypto, new Uint8Array(32), new Uint8Array(7))).toThrow(/AES-256 key and 8-byte direction label/);
    expect(() => new AeadDirection(nodeCrypto, new Uint8Array(16), new Uint8Array(12))).toThrow(/AES-256 key and 8-byte direction label/);
  });
});
