/**
 * A bleno lock runs on wall-clock time and is never a replayable simulation, so its ephemeral keys
 * must come from the CSPRNG, not from the 32-bit run seed (issue 12: real-stack challenges were
 * predictable from `--seed`, default 1). Drives createPeripheral directly, without bleno.
 */
import { describe, expect, it } from 'vitest';
import { createPeripheral, trustedIssuerToHex } from '../../src/ble/lock-peripheral.ts';
import { toHex } from '../../src/protocol/bytes.ts';
import { makeIssuer, makeLockIdentity, nodeCrypto, seeded, trustedOf } from '../helpers/fixtures.ts';

async function challengeOf(deterministicRandom: boolean): Promise<string> {
  const random = seeded(1, 'peripheral');
  const identity = makeLockIdentity(random.fork('lock'));
  const issuer = makeIssuer(nodeCrypto, 'EdDSA', random.fork('issuer'));
  const definition = await createPeripheral({
    label: 'door',
    options: { lockIdHex: toHex(identity.lockId), signingSecretHex: toHex(identity.signingSecret), agreementSecretHex: toHex(identity.agreementSecret), trustedIssuers: trustedOf(issuer).map(trustedIssuerToHex), seed: 1, deterministicRandom },
    report: () => undefined,
    onControl: () => undefined,
  });
  definition.onConnect?.('00:00:00:00:00:01');
  const read = definition.characteristics.find((characteristic) => characteristic.properties.includes('read') && characteristic.properties.length === 1)!;
  const value = await read.onRead!({ peerAddress: null });
  if (!value.ok) throw new Error('challenge read failed');
  return toHex(value.value);
}

describe('bleno lock peripheral randomness', () => {
  it('two locks started with the same seed hand out different challenges (CSPRNG)', async () => {
    expect(await challengeOf(false)).not.toBe(await challengeOf(false));
  });
  it('only the test-only deterministicRandom option makes them repeat', async () => {
    expect(await challengeOf(true)).toBe(await challengeOf(true));
  });
});
