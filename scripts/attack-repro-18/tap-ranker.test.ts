/**
 * Attack repros (issue 18), "unlock with tap" ranking (src/phone/tap.ts, src/sdk/ble-adapter.ts).
 * Run: npx vitest run -c scripts/attack-repro-18/vitest.config.ts scripts/attack-repro-18/tap-ranker.test.ts
 */
import { describe, expect, it } from 'vitest';
import { TapRanker } from '../../src/phone/tap.ts';
import { adapterTransport, type AdapterAdvertisement, type BleAdapter } from '../../src/sdk/ble-adapter.ts';
import { manufacturerCompanyId } from '../../src/protocol/gatt.ts';

describe('refuse to guess', () => {
  it('a near-equal door with one lost advertisement in the window is ignored: the other door is unlocked, not tap_ambiguous', () => {
    // Lobby and Gym readers 0.3 m apart (the double-door case); one Gym advertisement lost (collision / deep fade).
    const ranker = new TapRanker(['lobby', 'gym']);
    ranker.observe({ entranceId: 'lobby', rssiDbm: -36, timeMs: 0 });
    ranker.observe({ entranceId: 'gym', rssiDbm: -35, timeMs: 0 }); // heard, LOUDER than the lobby
    ranker.observe({ entranceId: 'lobby', rssiDbm: -36, timeMs: 100 });
    // gym's 100 ms advertisement lost
    const decision = ranker.decide(100);
    // Observed: { result: 'unlock', entranceId: 'lobby', runnerUpDbm: undefined } — the runner-up heard 1 dB louder is not a runner-up.
    expect(decision.result).toBe('tap_ambiguous');
  });
});

describe('RSSI sentinel', () => {
  it('a BLE stack reporting RSSI 127 ("not available": HCI, iOS CoreBluetooth) is a touch at +127 dBm', async () => {
    const lockId = new Uint8Array(16).fill(9);
    const far: AdapterAdvertisement = { deviceId: 'far-door', rssi: 127, manufacturerData: Uint8Array.from([manufacturerCompanyId & 0xff, manufacturerCompanyId >> 8, ...lockId]) };
    let t = 0;
    const adapter: BleAdapter = {
      startScan: (_uuids, on) => void on(far),
      stopScan: () => undefined,
      connect: async () => ({ mtu: 247 }),
      read: async () => new Uint8Array(),
      write: async () => undefined,
      disconnect: async () => undefined,
      now: () => t,
      sleep: async (ms) => void (t += ms),
    };
    const transport = adapterTransport(adapter);
    const ranker = new TapRanker(['room-9']);
    for (let i = 0; i < 3; i++) {
      const adverts = await transport.scan(100);
      for (const a of adverts) ranker.observe({ entranceId: 'room-9', rssiDbm: a.rssiDbm, timeMs: transport.now() });
    }
    // Observed: the adapter passes rssiDbm 127 through, the ranker unlocks the door (it may be across the building).
    expect(ranker.decide(transport.now()).result).not.toBe('unlock');
  });
});
