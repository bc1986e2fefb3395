/**
 * A lock on a real stack (src/ble/lock-peripheral.ts: stepped at wall time, answered at once) must
 * not widen its relay bound by modelled compute that never delayed anything. From the independent
 * attack on issue 15 (finding 2): a stranger piling up modelled work on a second connection (challenge
 * Read, the first chunk of a request, disconnect) stretched an esp32c3 lock's bound to about 9 s, and
 * a relayed unlock 1.5 s late succeeded. Driven exactly as lock-peripheral drives the lock.
 */
import { describe, expect, it } from 'vitest';
import { Lock, type LockInput, type LockOutput } from '../../firmware-model/lock.ts';
import { hardwareProfiles } from '../../firmware-model/hardware/profiles.ts';
import { InMemoryIssuer } from '../../src/issuer/in-memory-issuer.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { p256SecretFromSeed } from '../../src/protocol/crypto/provider.ts';
import { createSeededRandom } from '../../src/protocol/random.ts';
import { softwareHolder, Wallet } from '../../src/phone/wallet.ts';
import { UnlockClient } from '../../src/phone/unlock-client.ts';
import type { GattConnection, Transport } from '../../src/radio/transport.ts';
import { AttError } from '../../src/radio/transport.ts';

const crypto = createNodeProvider();

async function attempt(profile: string, floodRounds: number, relayMs: number, computeDelaysResponses: boolean) {
  const rng = createSeededRandom(42);
  const issuerRandom = rng.fork('issuer');
  const adminRandom = rng.fork('admin');
  let t = 1_800_000_000_000;
  const nowS = (): number => Math.floor(t / 1000);
  const issuer = new InMemoryIssuer({ crypto, random: (n) => issuerRandom.bytes(n), adminRandom: (n) => adminRandom.bytes(n) });
  const provisioned = issuer.provisionLock('Door', nowS());
  const lockRandom = rng.fork('lock');
  const lock = new Lock({ identity: provisioned.identity, trustedIssuers: issuer.trusted, updateKeys: issuer.updateKeys, crypto, random: (n) => lockRandom.bytes(n), hardware: hardwareProfiles[profile]!, startMs: t, computeDelaysResponses });
  const step = (input: LockInput): LockOutput[] => lock.step(input, t); // as lock-peripheral: no modelled delay applied
  const phoneRandom = rng.fork('phone');
  const wallet = new Wallet({ crypto, holder: softwareHolder(crypto, (n) => phoneRandom.bytes(n)), trustedIssuers: issuer.trusted, updateKeys: issuer.updateKeys });
  const issued = issuer.grant({ subject: 'guest', holderKey: wallet.holder.publicKey, lockIds: [provisioned.identity.lockId], notBeforeS: nowS() - 60, expiresAtS: nowS() + 86400, supersede: false }, nowS());
  wallet.addCredential(issued.credential);
  wallet.addLockCertificate(provisioned.certificate, provisioned.identity.lockId);
  for (const u of issued.updates) wallet.carryUpdate(u);

  // The stranger on connection 2: each round = challenge Read + chunk 0 (valid point) + disconnect.
  const evilRandom = rng.fork('evil');
  for (let i = 0; i < floodRounds; i++) {
    step({ type: 'connect', connectionId: 100 + i });
    step({ type: 'read', connectionId: 100 + i, characteristic: 'challenge', offset: 0 });
    const key = crypto.publicKeyOf('ES256', p256SecretFromSeed(evilRandom.bytes(48)));
    const chunk0 = new Uint8Array([0x80, 0x85, 0x01, 0x01, 0x01, 0x58, 33, ...key, 0x00]);
    step({ type: 'write', connectionId: 100 + i, characteristic: 'exchange', data: chunk0, withResponse: false });
    step({ type: 'disconnect', connectionId: 100 + i });
  }

  // The relay (connection 1) forwards a genuine phone's exchange; every op costs 15 ms, the final write `relayMs` more.
  let finalWrite = false;
  const connection: GattConnection = {
    deviceId: 'door', mtu: 247,
    async read(characteristic) {
      t += 15;
      const out = step({ type: 'read', connectionId: 1, characteristic, offset: 0 });
      const ch = (lock as unknown as { connections: Map<number, { challenge?: { computeDelayMs?: number } }> }).connections.get(1)?.challenge;
      void ch;
      const r = out.find((o) => o.type === 'read_response');
      if (r?.type !== 'read_response') throw new AttError(0x80);
      return r.value;
    },
    async write(characteristic, data, withResponse) {
      if (withResponse && !finalWrite) { finalWrite = true; t += relayMs; }
      t += 15;
      const out = step({ type: 'write', connectionId: 1, characteristic, data, withResponse });
      const w = out.find((o) => o.type === 'write_response');
      if (w?.type === 'write_response' && w.attError !== 0) throw new AttError(w.attError);
    },
    async disconnect() { step({ type: 'disconnect', connectionId: 1 }); },
    stats: () => ({ roundTrips: 0, commands: 0, bytesOnAir: 0, packets: 0 }),
  };
  const transport: Transport = {
    now: () => t,
    scan: async () => [{ deviceId: 'door', lockId: provisioned.identity.lockId, rssiDbm: -50 }],
    connect: async () => { step({ type: 'connect', connectionId: 1 }); return connection; },
  };
  const client = new UnlockClient({ wallet, crypto, random: (n) => phoneRandom.bytes(n), transport });
  const outcome = await client.unlock({ mtu: 247, lockId: provisioned.identity.lockId, allowResume: false, useAdvertisedChallenge: false });
  return { outcome: outcome.outcome, code: outcome.code, actuations: lock.actuations };
}


describe('relay bound on a real stack (no modelled delay applied)', () => {
  it('a stranger\'s modelled work does not widen it: a relay 1.5 s late is refused on esp32c3 and nrf52840', async () => {
    expect(await attempt('esp32c3', 10, 1500, false)).toMatchObject({ outcome: 'refused', code: 'relay_suspected', actuations: 0 });
    // 60 rounds: within the lock's challenge key budget (64 at once), so every round costs the lock its work.
    expect(await attempt('nrf52840', 60, 900, false)).toMatchObject({ outcome: 'refused', code: 'relay_suspected', actuations: 0 });
  });

  it('the same phone, not relayed, still opens a slow lock on a real stack', async () => {
    expect(await attempt('esp32c3', 0, 0, false)).toMatchObject({ outcome: 'unlocked', actuations: 1 });
  });
});
