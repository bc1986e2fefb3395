/**
 * The corridor RF channel as the virtual radio's optional RSSI model (RadioOptions.rssiModel):
 * the radio's 2-D positions get the corridor's heights (lock on the door, phone in hand or pocket),
 * and every advertisement the radio delivers is one draw of the channel (shadowing fixed per link,
 * fading and misses per advertisement). Off by default: without it the radio is unchanged.
 */
import type { SeededRandom } from '../../protocol/random.ts';
import type { RssiModel } from '../options.ts';
import { RfChannel, type Carry } from './channel.ts';
import { corridorDefaults } from './corridor.ts';
import type { RfParams } from './params.ts';

export interface CorridorRssiModel extends RssiModel {
  readonly channel: RfChannel;
  /** How a phone is carried from now on (default: in hand), and which way it walks (radians, 0 = +x). */
  setCarry(phoneId: string, carry: Carry, headingRad?: number): void;
}

/** (L) Phone heights as in the corridor benchmark: in hand, reading the screen; in a trouser pocket. */
const phoneHeightM: Record<Carry, number> = { hand: 1.2, pocket: 0.8 };

export function corridorRssiModel(random: SeededRandom, params: Partial<RfParams> = {}, lockHeightM = corridorDefaults.lockHeightM): CorridorRssiModel {
  const channel = new RfChannel(random.fork('rf-model'), params);
  const carries = new Map<string, { carry: Carry; headingRad: number }>();
  const p = channel.params;
  // Farthest a sample can still be heard: 3σ of shadowing and 10 dB of fading headroom over the mean (the tail beyond is < 1e-5).
  const rangeM = Math.pow(10, (p.rssiAt1mDbm + 3 * p.shadowingSigmaDb + 10 - p.sensitivityDbm) / (10 * p.pathLossExponent));
  return {
    channel,
    rangeM,
    setCarry(phoneId, carry, headingRad = 0) {
      carries.set(phoneId, { carry, headingRad });
    },
    sampleDbm(phoneId, deviceId, phone, lock) {
      const { carry, headingRad } = carries.get(phoneId) ?? { carry: 'hand', headingRad: 0 };
      return channel.sample(phoneId, { position: { ...phone, zM: phoneHeightM[carry] }, carry, headingRad }, deviceId, { ...lock, zM: lockHeightM });
    },
  };
}
