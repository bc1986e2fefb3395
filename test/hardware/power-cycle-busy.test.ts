/**
 * From the independent attack on issue 15 (finding 3): the virtual radio's record of how long the
 * lock's CPU is busy must die with the power, as the lock's own account does; else a slow lock
 * delays its answers by dead work while adding nothing to its relay bound, and refuses its own
 * phone as a relay after a power cycle.
 */
import { describe, expect, it } from 'vitest';
import { hardwareProfiles } from '../../firmware-model/hardware/profiles.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { World } from '../../src/sim/world.ts';

describe('CPU busy time and power loss', () => {
  it('after a burst of work and a power cycle, a slow lock still opens for its own phone', async () => {
    const world = new World({ seed: 3, crypto: createNodeProvider(), hardware: hardwareProfiles['esp32c3']! });
    const door = world.addLock('door-1', 'Door 1', { xM: 0, yM: 0 });
    const phone = world.addPhone('p', { xM: 1, yM: 0 });
    world.grant(phone, ['door-1'], { subject: 'guest' });
    const step = (input: Parameters<typeof world.radio.stepLock>[1]) => world.radio.stepLock('door-1', input);
    for (let i = 0; i < 6; i++) {
      step({ type: 'connect', connectionId: 800 + i });
      step({ type: 'read', connectionId: 800 + i, characteristic: 'challenge_signed', offset: 0 });
      step({ type: 'disconnect', connectionId: 800 + i });
    }
    step({ type: 'power_lost' });
    step({ type: 'power_restored' });
    const outcome = await world.radio.runUntil(phone.client.unlock({ mtu: 247, lockId: door.provisioned.identity.lockId, useAdvertisedChallenge: false }));
    expect([outcome.outcome, outcome.code]).toEqual(['unlocked', undefined]);
  });
});
