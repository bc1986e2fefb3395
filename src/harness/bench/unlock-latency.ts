/** Unlock latency in virtual time: first (full) and repeat (resume) unlocks per radio setting. */
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { World } from '../../sim/world.ts';
import type { HardwareProfile } from '../../../firmware-model/hardware/profiles.ts';

export interface LatencyRow {
  connIntervalMs: number;
  mtu: number;
  llPayloadBytesMax: number;
  centralContinuesEvent: boolean;
  advertisedChallenge: boolean;
  first: { roundTripsToDecision: number; roundTripsTotal: number; decisionMs: number; verifiedMs: number; bytesOnAir: number };
  repeat: { roundTripsToDecision: number; roundTripsTotal: number; decisionMs: number; verifiedMs: number; bytesOnAir: number };
}

export async function measureUnlockLatency(crypto: CryptoProvider, connIntervalMs: number, mtu: number, options: { centralContinuesEvent?: boolean; advertisedChallenge?: boolean; hardware?: HardwareProfile } = {}): Promise<LatencyRow> {
  const centralContinuesEvent = options.centralContinuesEvent ?? true;
  const advertisedChallenge = options.advertisedChallenge ?? false;
  // Without Data Length Extension (typical at MTU 23) an LL packet carries 27 bytes.
  const llPayloadBytesMax = mtu <= 23 ? 27 : 251;
  const world = new World({ seed: 7, crypto, radio: { connIntervalMs, llPayloadBytesMax, centralContinuesEvent, rssiNoiseDb: 0 }, ...(options.hardware ? { hardware: options.hardware } : {}) });
  world.addLock('door', 'Door', { xM: 0, yM: 0 }, { advertiseChallenge: advertisedChallenge });
  const phone = world.addPhone('phone', { xM: 1, yM: 0 });
  world.grant(phone, ['door'], { subject: 'bench' });
  const pick = (o: Awaited<ReturnType<typeof phone.client.unlock>>) => {
    if (o.outcome !== 'unlocked') throw new Error(`latency bench: unlock failed (${o.outcome} ${o.code})`);
    return { roundTripsToDecision: o.roundTripsToDecision, roundTripsTotal: o.roundTripsTotal, decisionMs: o.decisionMs, verifiedMs: o.verifiedMs, bytesOnAir: o.bytesOnAir };
  };
  const first = pick(await world.radio.runUntil(phone.client.unlock({ mtu })));
  await world.radio.advance(6000);
  const repeat = pick(await world.radio.runUntil(phone.client.unlock({ mtu })));
  return { connIntervalMs, mtu, llPayloadBytesMax, centralContinuesEvent, advertisedChallenge, first, repeat };
}
