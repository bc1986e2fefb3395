/**
 * The lock's credential policy (firmware-model/policy.ts) as a function: the order of its checks
 * and `doorSequence` for a door the credential does not name (mutation testing: `?.sequence` →
 * `.sequence` survived, as the lock only asks after the door check passed).
 */
import { describe, expect, it } from 'vitest';
import { checkCredentialPolicy, doorSequence, type PolicyContext } from '../../firmware-model/policy.ts';
import { toHex } from '../../src/protocol/bytes.ts';
import { epochS, makeHolder, nodeCrypto, sampleClaims, seeded } from '../helpers/fixtures.ts';

const random = seeded(147, 'policy');
const lockId = random.bytes(8);
const otherLockId = random.bytes(8);
const holder = makeHolder(nodeCrypto, random.fork('holder'));
const claims = sampleClaims(random, holder.publicKey, { doors: [{ lockId: otherLockId, sequence: 4 }, { lockId, sequence: 7 }], notBeforeS: epochS - 60, expiresAtS: epochS + 3600 });
const context: PolicyContext = { lockId, nowS: epochS, skewToleranceS: 30, revokedIds: new Set(), sequenceFloor: 0 };

describe('credential policy', () => {
  it('doorSequence: the sequence of this lock’s entry; 0 for a lock the credential does not name', () => {
    expect(doorSequence(claims, lockId)).toBe(7);
    expect(doorSequence(claims, otherLockId)).toBe(4);
    expect(doorSequence(claims, random.bytes(8))).toBe(0);
  });

  it('checks run door, time, revocation, supersede: the first failing one is reported', () => {
    expect(checkCredentialPolicy(claims, context)).toBeUndefined();
    const revoked = new Set([toHex(claims.credentialId)]);
    expect(checkCredentialPolicy(claims, { ...context, lockId: random.bytes(8), nowS: epochS + 99_999, revokedIds: revoked, sequenceFloor: 99 })).toBe('credential_wrong_door');
    expect(checkCredentialPolicy(claims, { ...context, nowS: epochS + 99_999, revokedIds: revoked, sequenceFloor: 99 })).toBe('credential_expired');
    expect(checkCredentialPolicy(claims, { ...context, nowS: epochS - 99_999, revokedIds: revoked })).toBe('credential_not_yet_valid');
    expect(checkCredentialPolicy(claims, { ...context, revokedIds: revoked, sequenceFloor: 99 })).toBe('credential_revoked');
    expect(checkCredentialPolicy(claims, { ...context, sequenceFloor: 8 })).toBe('credential_superseded');
    expect(checkCredentialPolicy(claims, { ...context, sequenceFloor: 7 })).toBeUndefined();
  });
});
