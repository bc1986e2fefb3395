/**
 * Determinism of the simulation: one seed → the same radio trace, byte for byte (trace lines and
 * digest), for a run with several phones and locks unlocking concurrently over a lossy radio;
 * different seeds reach different interleavings; and the crypto provider does not change the run.
 */
import { describe, expect, it } from 'vitest';
import { createNobleProvider } from '../../src/protocol/crypto/noble.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import type { CryptoProvider } from '../../src/protocol/crypto/provider.ts';
import { World } from '../../src/sim/world.ts';

const node = createNodeProvider();

async function scenario(seed: number, crypto: CryptoProvider = node, trace = true) {
  const world = new World({ seed, crypto, radio: { trace, lossNumerator: 30, lossDenominator: 1000 } });
  world.addLock('room-101', 'Room 101', { xM: 0, yM: 0 });
  world.addLock('room-102', 'Room 102', { xM: 6, yM: 0 });
  world.addLock('room-103', 'Room 103', { xM: 12, yM: 0 });
  const alice = world.addPhone('alice', { xM: 1, yM: 0 });
  const bob = world.addPhone('bob', { xM: 6, yM: 1 });
  const carol = world.addPhone('carol', { xM: 11, yM: 1 });
  const staff = world.addPhone('staff', { xM: 5, yM: 2 });
  const aliceGrant = world.grant(alice, ['room-101', 'room-102'], { subject: 'alice' });
  world.grant(bob, ['room-102'], { subject: 'bob' });
  world.grant(carol, ['room-103'], { subject: 'carol' });
  world.grant(staff, ['room-101', 'room-102', 'room-103'], { subject: 'staff' });
  const outcomes: string[] = [];
  const note = (who: string, outcome: { outcome: string; code: string | undefined; path: string; deviceId: string | undefined }) => outcomes.push(`${who} ${outcome.deviceId} ${outcome.outcome} ${outcome.code ?? ''} ${outcome.path}`);
  // Round 1: everyone at once (interleaved connection events on three locks).
  const round1 = await world.radio.runUntil(Promise.all([alice, bob, carol, staff].map((phone) => phone.client.unlock({ mtu: phone === bob ? 23 : 247 }))));
  round1.forEach((outcome, i) => note(['alice', 'bob', 'carol', 'staff'][i]!, outcome));
  await world.radio.advance(6_000);
  // Round 2: repeat path, and a revocation carried by staff to room 101.
  world.issuer.revoke(aliceGrant.claims);
  staff.wallet.carryUpdate(world.issuer.updateFor(world.locks.get('room-101')!.provisioned.identity.lockId, world.nowS()));
  const round2 = await world.radio.runUntil(Promise.all([staff.client.unlock({ lockId: world.locks.get('room-101')!.provisioned.identity.lockId }), bob.client.unlock({})]));
  round2.forEach((outcome, i) => note(['staff', 'bob'][i]!, outcome));
  await world.radio.advance(6_000);
  note('alice', await world.radio.runUntil(alice.client.unlock({ lockId: world.locks.get('room-101')!.provisioned.identity.lockId })));
  return { trace: [...world.radio.trace], digest: world.radio.traceDigest, outcomes };
}

describe('determinism', () => {
  it('the same seed gives an identical trace and digest; outcomes are what the scenario expects', async () => {
    const first = await scenario(42);
    const second = await scenario(42);
    expect(first.trace.length).toBeGreaterThan(50);
    expect(second.trace).toEqual(first.trace);
    expect(second.digest).toBe(first.digest);
    expect(second.outcomes).toEqual(first.outcomes);
    expect(first.trace.some((line) => line.includes('ACTUATE'))).toBe(true);
    expect(first.outcomes.slice(0, 4).every((line) => line.includes(' unlocked '))).toBe(true);
    expect(first.outcomes.at(-1)).toMatch(/^alice room-101 refused credential_revoked/);
  });

  it('different seeds reach different interleavings (traces and digests differ)', async () => {
    const runs = await Promise.all([1, 2, 3, 4].map((seed) => scenario(seed)));
    const digests = new Set(runs.map((run) => run.digest));
    expect(digests.size).toBe(runs.length);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.trace).not.toEqual(runs[0]!.trace);
  });

  it('keeping the text trace does not change the run: an untraced run has the same digest', async () => {
    const untraced = await scenario(42, node, false);
    const traced = await scenario(42);
    expect(untraced.trace).toEqual([]);
    expect(untraced.digest).toBe(traced.digest);
    expect(untraced.outcomes).toEqual(traced.outcomes);
  });

  it('the crypto provider does not change the run: noble and node give the same trace for one seed', async () => {
    const [withNode, withNoble] = [await scenario(7, node), await scenario(7, createNobleProvider())];
    expect(withNoble.trace).toEqual(withNode.trace);
    expect(withNoble.digest).toBe(withNode.digest);
  });
});
