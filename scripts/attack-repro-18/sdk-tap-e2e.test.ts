/**
 * Attack repros (issue 18) against the real SDK over the corridor RF model (setup copied from
 * test/sdk/phone-sdk.test.ts):
 * 1. The tap path in the SDK re-scans 300 ms after the ranker decided (unlockWithTap → UnlockClient.unlock
 *    with unlockDefaults.scanMs = 300) before connecting; the corridor benchmark's "unlocked after the
 *    tap" (src/harness/bench/tap.ts exchangeMs) assumes the connection on the next advertisement.
 * 2. A clone advertising the lock id of the guest's Room 101 (louder) while the guest holds the phone
 *    to their Room 103: what is decided, whom the phone connects to, what it writes.
 * Run: npx vitest run -c scripts/attack-repro-18/vitest.config.ts scripts/attack-repro-18/sdk-tap-e2e.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Seam } from 'seam';
import { createPhone, MemoryCredentialStore } from '../../src/sdk/index.ts';
import { createSeededRandom } from '../../src/protocol/random.ts';
import { radioDefaults } from '../../src/radio/options.ts';
import { corridorRssiModel } from '../../src/radio/rf/rssi-model.ts';
import { createCorridor } from '../../src/radio/rf/corridor.ts';
import type { Position } from '../../src/radio/virtual-radio.ts';
import type { Transport } from '../../src/radio/transport.ts';
import type { RunningServer } from '../../src/server/index.ts';
import { startVirtualProperty, type VirtualProperty } from '../../src/server/virtual-property.ts';
import { startTestServer } from '../../test/server/helpers.ts';

const corridor = createCorridor();
const at = (id: string): Position => ({ xM: corridor.byId.get(id)!.lock.xM, yM: corridor.byId.get(id)!.lock.yM });
const layout: Record<string, Position> = { 'Room 101': at('201'), 'Room 102': at('202'), 'Room 103': at('203'), Lobby: { xM: -8, yM: 0 }, Gym: { xM: -7.7, yM: 0 } };
let server: RunningServer;
let property: VirtualProperty;
let token: string;
const model = corridorRssiModel(createSeededRandom(18), {}, 1.2);

beforeAll(async () => {
  server = await startTestServer({ clock: () => (property ? property.radio.now() : radioDefaults.epochMs) });
  let far = 0;
  property = await startVirtualProperty(server.context, { seed: 18, epochMs: radioDefaults.epochMs, rssiModel: model, positionOf: (door) => layout[door.name] ?? { xM: 1_000 + 40 * far++, yM: 500 } });
  const seam = new Seam({ apiKey: server.apiKey!, endpoint: server.url });
  const guest = await seam.userIdentities.create({ full_name: 'Jane Doe' });
  const entrances = await seam.acs.entrances.list();
  const id = (name: string) => entrances.find((e) => e.display_name === name)!.acs_entrance_id;
  const now = property.radio.now();
  await seam.accessGrants.create({ user_identity_id: guest.user_identity_id, acs_entrance_ids: [id('Room 101'), id('Room 103')], requested_access_methods: [{ mode: 'mobile_key' }], starts_at: new Date(now - 3_600_000).toISOString(), ends_at: new Date(now + 2 * 86_400_000).toISOString() });
  token = (await seam.clientSessions.create({ user_identity_id: guest.user_identity_id })).token;
});
afterAll(async () => server?.close());

function recording(inner: Transport, log: string[], clone?: { lockId: Uint8Array; rssiDbm: number }): Transport {
  return {
    now: () => inner.now(),
    async scan(ms) {
      const t0 = inner.now();
      const adverts = await inner.scan(ms);
      log.push(`scan ${ms} ms at +${t0}`);
      return clone ? [{ deviceId: 'clone', lockId: clone.lockId, rssiDbm: clone.rssiDbm }, ...adverts] : adverts;
    },
    async connect(deviceId, options) {
      log.push(`connect ${deviceId} at +${inner.now()}`);
      if (deviceId !== 'clone') return inner.connect(deviceId, options);
      return {
        deviceId, mtu: 247,
        read: async (c) => (log.push(`clone read ${c}`), new Uint8Array(0)),
        write: async (c, data) => void log.push(`clone got write ${c} ${data.length} bytes`),
        disconnect: async () => undefined,
        stats: () => ({ roundTrips: 0, commands: 0, bytesOnAir: 0, packets: 0 }),
      };
    },
  };
}

function phoneWith(id: string, transport: Transport) {
  const random = createSeededRandom(1818).fork(id);
  return createPhone({ endpoint: server.url, clientSessionToken: token, store: new MemoryCredentialStore(), transport, random: (n) => random.bytes(n) });
}

describe('SDK tap path', () => {
  it('after the ranker decides, the SDK scans again for 300 ms before connecting (the bench counts ≤ 1 advertising interval)', async () => {
    const log: string[] = [];
    const phone = phoneWith('t1', recording(property.radio.transportFor('t1'), log));
    await phone.sync();
    const start = property.radio.now();
    property.radio.placePhone('t1', { xM: layout['Room 103']!.xM, yM: layout['Room 103']!.yM === 0 ? 0.05 : layout['Room 103']!.yM - 0.05 });
    const result = await property.radio.runUntil(phone.unlockWithTap());
    console.log(log.map((l) => l.replace(/\+(\d+)/, (_, t) => `+${Number(t) - start}`)).join('\n'));
    expect(result.outcome).toBe('unlocked');
    const scans = log.filter((l) => l.startsWith('scan'));
    // Observed: the last scan before the connect is a 300 ms one (UnlockClient re-scan).
    expect(scans.at(-1)).toMatch(/^scan 100 ms/);
  });

  it('a loud clone of Room 103 itself (same lock id, another device) while the phone is held to the real Room 103', async () => {
    const log: string[] = [];
    const phone0 = phoneWith('t3', property.radio.transportFor('t3'));
    const entrances = await phone0.sync();
    const room103 = entrances.find((e) => e.displayName === 'Room 103')!;
    const phone = phoneWith('t3b', recording(property.radio.transportFor('t3b'), log, { lockId: room103.lockId, rssiDbm: -20 }));
    await phone.sync();
    property.radio.placePhone('t3b', { xM: layout['Room 103']!.xM, yM: layout['Room 103']!.yM === 0 ? 0.05 : layout['Room 103']!.yM - 0.05 });
    const result = await property.radio.runUntil(phone.unlockWithTap({ timeoutMs: 2_000 }));
    console.log(JSON.stringify({ outcome: result.outcome, code: result.code, entrance: entrances.find((e) => e.entranceId === result.entranceId)?.displayName }), '\n' + log.filter((l) => !l.startsWith('scan')).join('\n'));
    // Observed: { outcome: 'error', code: 'message_truncated' }: the phone connects to the clone (the strongest
    // advertiser of that lock id in UnlockClient's re-scan), the clone cannot produce a signed challenge, and the
    // tap fails; the real lock 5 cm away is never tried. HELD: nothing is written to the clone (the challenge check
    // comes first). A clone that relays the real lock's challenge is the documented relay case (docs/ATTACKS.md).
    expect(log.some((l) => l.startsWith('clone got write'))).toBe(false);
    expect(result.outcome).toBe('unlocked');
  });

  it('a loud clone of Room 101 while the phone is held to Room 103', async () => {
    const log: string[] = [];
    const phone0 = phoneWith('t2', property.radio.transportFor('t2'));
    const entrances = await phone0.sync();
    const room101 = entrances.find((e) => e.displayName === 'Room 101')!;
    const phone = phoneWith('t2b', recording(property.radio.transportFor('t2b'), log, { lockId: room101.lockId, rssiDbm: -30 }));
    await phone.sync();
    property.radio.placePhone('t2b', { xM: layout['Room 103']!.xM, yM: layout['Room 103']!.yM === 0 ? 0.05 : layout['Room 103']!.yM - 0.05 });
    const result = await property.radio.runUntil(phone.unlockWithTap({ timeoutMs: 2_000 }));
    console.log(JSON.stringify({ outcome: result.outcome, code: result.code, entrance: entrances.find((e) => e.entranceId === result.entranceId)?.displayName }), '\n' + log.filter((l) => !l.startsWith('scan')).join('\n'));
    // Expected of "refuse to guess": the phone is at Room 103; the guest's Room 103 must not be denied by a clone
    // of another door, and the phone never writes a request to the clone.
    expect(log.some((l) => l.startsWith('clone got write'))).toBe(false);
  });
});
