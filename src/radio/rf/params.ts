/**
 * Parameters of the corridor RF model (docs/RF.md), each with its source and a confidence mark:
 * (H) a published measurement or a specification, (M) a published range we picked a value from,
 * (L) estimated: no published figure found for this exact case; the comment says why the value.
 */

export interface RfParams {
  /** Mean RSSI 1 m from a lock, LOS, phone in hand (dBm). */
  rssiAt1mDbm: number;
  /** Path loss exponent beyond 1 m along the corridor (LOS). */
  pathLossExponent: number;
  /** Path loss exponent under 1 m (the near, free-space part of the link). */
  nearPathLossExponent: number;
  /** Closest distance the model evaluates (m): a phone pressed to the lock's housing. */
  minDistanceM: number;
  /** Log-normal shadowing per link, standard deviation (dB); drawn once per (phone, lock) per seed. */
  shadowingSigmaDb: number;
  /** Rician K factor 1 m from the lock, LOS (dB); K falls as 1/d² with distance (constant diffuse power). */
  ricianK1mDb: number;
  /** Largest K the model uses (dB): the direct path dominates but never makes the channel deterministic. */
  ricianKMaxDb: number;
  /** Extra loss with the phone in a trouser pocket (dB): front (lock ahead) and back (body between). */
  pocketLossFrontDb: number;
  pocketLossBackDb: number;
  /** Phone receiver: quietest advertisement it reports, and the strongest RSSI it reports (AGC saturation). */
  sensitivityDbm: number;
  saturationDbm: number;
  /** Probability that a phone scanning continuously misses one advertising event (channel hop, collision, Wi-Fi). */
  missProbability: number;
  /** The lock's advertising interval (ms) and the spec's advDelay, uniform 0..advDelayMaxMs per event. */
  advIntervalMs: number;
  advDelayMaxMs: number;
}

export const rfDefaults: RfParams = {
  // (M) −59 dBm at 1 m is the usual calibration of a 0 dBm BLE advertiser received by a phone (the
  // iBeacon "measured power" convention) and the virtual radio's default; Strzoda, Grochla & Połys
  // (ACM MSWiM 2022, BLE advertisements indoors) measured a mean of −65.5 dBm at 1 m with their
  // beacons: the absolute level depends on TX power and handset, so tap.ts never relies on it alone.
  rssiAt1mDbm: -59,
  // (M) Corridors guide the wave: LOS exponents below free space (n < 2) are reported for corridors
  // and tunnels (Rappaport, Wireless Communications, table of indoor exponents: LOS 1.6–2.0);
  // Strzoda et al. 2022 fit about 2.1 between 1 m and 16 m (−65.5, −78.4, −84.1, −90.8 dBm at
  // 1, 5, 10, 16 m). 1.8 lies inside both.
  pathLossExponent: 1.8,
  // (H) Free space (Friis): power falls as 1/d² in the far field, which at 2.4 GHz (λ = 12.5 cm)
  // for a phone or lock PCB antenna (D ≈ 3 cm, 2D²/λ ≈ 1.5 cm) starts a few cm out.
  nearPathLossExponent: 2,
  // (L) Estimated: a phone held "to" a lock keeps its antenna a few cm from the lock's antenna
  // (housing, hand, case); below 2 cm the far-field formula no longer holds.
  minDistanceM: 0.02,
  // (M) Indoor log-normal shadowing is reported at 3–7 dB (Rappaport's indoor table; Akl, Tummala &
  // Li, 2.4 GHz, corridors and rooms); Strzoda et al. 2022 report 3.5–5.9 dB standard deviation per
  // distance, fading included. 4 dB: a LOS corridor, the lower half of the range.
  shadowingSigmaDb: 4,
  // (M) Measured average Rician K of indoor LOS links spans ≈ 3–15 dB at 1–2 GHz with people present
  // (Hindawi IJAP 2010, "Spatial and temporal variation of wideband indoor channels", table 4:
  // 14.7 dB omni at 2 GHz with people, 6.3 dB at 1.3 GHz). 6 dB at 1 m: a corridor with people.
  ricianK1mDb: 6,
  // (L) Estimated cap: at 2 cm the 1/d² rule would give K ≈ 40 dB; hand and housing reflections keep
  // a diffuse part, and RSSI from phones scatters by a few dB even at touch range.
  ricianKMaxDb: 15,
  // (L) Estimated. Body loss at 2.4 GHz with the body between the antennas is large (on-body studies
  // report ≈ 20–26 dB for links through the torso); Leith & Farrell (TCD 2020, BLE RSSI between
  // handsets) report RSSI changes of this order from a body and from a pocket, without a single
  // figure. Front 6 dB (the thigh and cloth, the lock ahead), back 20 dB (the lock behind the walker).
  pocketLossFrontDb: 6,
  pocketLossBackDb: 20,
  // (M) BLE receivers in phones report down to about −95..−100 dBm; −95 is a cautious value.
  sensitivityDbm: -95,
  // (L) Estimated: phone BLE receivers compress near −20..−30 dBm (no single published figure for
  // phone AGC); the ranker sees no difference between −25 and −15 dBm anyway.
  saturationDbm: -25,
  // (M) Strzoda et al. 2022 lost 13–40 % more packets with neighbouring BLE traffic; an idle corridor
  // loses fewer: 10 %.
  missProbability: 0.1,
  // (M) The virtual radio's lock interval (radioDefaults.advIntervalMs = 100 ms), a common choice
  // for an access-control peripheral that wants fast discovery; battery.ts bills advertising at a
  // few hundred ms as 10–20 µA, so 100 ms costs more but is what the simulator's locks do.
  advIntervalMs: 100,
  // (H) Bluetooth Core spec, Vol 6 Part B §4.4.2.2.1: each advertising event is delayed by a
  // pseudo-random advDelay of 0–10 ms on top of advInterval.
  advDelayMaxMs: 10,
};

/** Stable error for bad RF parameters (caller input). */
export class RfParamsError extends Error {
  readonly code = 'rf_params_invalid';
  constructor(message: string) {
    super(`rf_params_invalid: ${message}`);
  }
}

export function checkRfParams(params: RfParams): RfParams {
  const finite = Object.entries(params).find(([, value]) => typeof value !== 'number' || !Number.isFinite(value));
  if (finite !== undefined) throw new RfParamsError(`${finite[0]} must be a finite number`);
  if (params.pathLossExponent <= 0 || params.nearPathLossExponent <= 0) throw new RfParamsError('path loss exponents must be positive');
  if (params.minDistanceM <= 0 || params.minDistanceM > 1) throw new RfParamsError('minDistanceM must be in (0, 1]');
  if (params.shadowingSigmaDb < 0) throw new RfParamsError('shadowingSigmaDb must be ≥ 0');
  if (params.missProbability < 0 || params.missProbability >= 1) throw new RfParamsError('missProbability must be in [0, 1)');
  if (params.advIntervalMs < 20 || params.advIntervalMs > 10_240) throw new RfParamsError('advIntervalMs must be in 20..10240 (Core spec range)');
  if (params.advDelayMaxMs < 0) throw new RfParamsError('advDelayMaxMs must be ≥ 0');
  if (params.saturationDbm <= params.sensitivityDbm) throw new RfParamsError('saturationDbm must be above sensitivityDbm');
  return params;
}
