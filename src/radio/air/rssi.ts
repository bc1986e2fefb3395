/**
 * RSSI and range of one received PDU, the same rule on every transport (docs/PROTOCOL.md §12.1):
 *   rssi = rssiAt1mDbm − 10·n·log10(max(0.1 m, d)) ± noise,  n = pathLossExponentTenths / 10,
 * noise uniform in −rssiNoiseDb..+rssiNoiseDb whole dB, drawn from the caller's seeded stream; a
 * PDU under `sensitivityDbm` is not heard. An optional RssiModel (the corridor model,
 * src/radio/rf/rssi-model.ts) replaces the formula: it gives every sample and the range.
 */
import type { SeededRandom } from '../../protocol/random.ts';
import type { RssiModel } from '../options.ts';

export interface Position {
  xM: number;
  yM: number;
}

export interface RssiParams {
  rssiAt1mDbm: number;
  pathLossExponentTenths: number;
  rssiNoiseDb: number;
  sensitivityDbm: number;
  rssiModel?: RssiModel;
}

/** Closest distance the formula evaluates (m). */
export const rssiDistanceMinM = 0.1;

/**
 * One PDU's RSSI (dBm) as `receiverId` at `receiver` reports it from `transmitterId` at
 * `transmitter`; −Infinity when the RSSI model says it is not heard. `noise` is drawn only when
 * rssiNoiseDb ≠ 0 and no model is set (so a quiet configuration draws nothing).
 */
export function sampleRssiDbm(params: RssiParams, noise: SeededRandom, receiverId: string, transmitterId: string, receiver: Position, transmitter: Position, atMs: number): number {
  const model = params.rssiModel;
  if (model !== undefined) return model.sampleDbm(receiverId, transmitterId, receiver, transmitter, atMs) ?? Number.NEGATIVE_INFINITY;
  const distanceM = Math.max(rssiDistanceMinM, Math.hypot(receiver.xM - transmitter.xM, receiver.yM - transmitter.yM));
  const drawn = params.rssiNoiseDb === 0 ? 0 : noise.below(2 * params.rssiNoiseDb + 1) - params.rssiNoiseDb;
  return Math.round(params.rssiAt1mDbm - (params.pathLossExponentTenths / 10) * 10 * Math.log10(distanceM)) + drawn;
}

/** Distance beyond which even the best noise draw stays under the receiver sensitivity. */
export function maxRangeM(params: RssiParams): number {
  if (params.rssiModel !== undefined) return params.rssiModel.rangeM;
  const marginDb = params.rssiAt1mDbm + params.rssiNoiseDb + 1 - params.sensitivityDbm;
  return Math.pow(10, marginDb / params.pathLossExponentTenths);
}
