/**
 * The link budget of one advertisement, lock → phone, in the corridor model (docs/RF.md):
 *   RSSI = P(1 m) − 10·n·log10(d) + S(link) − B(pose) + F
 * with a two-slope log-distance path loss (free space under 1 m, the corridor's exponent beyond),
 * S a log-normal shadowing term fixed per (phone, lock) link per seed, B the body loss with the
 * phone in a pocket, and F Rician fading drawn per advertisement (K from the direct path's share;
 * Rayleigh, K = 0, when the body blocks the direct path). The result is quantised to whole dBm as
 * phones report it, clipped at the receiver's saturation, and lost under its sensitivity.
 * Pure: randomness comes from an injected SeededRandom; no clock.
 */
import type { SeededRandom } from '../../protocol/random.ts';
import type { Point3 } from './corridor.ts';
import { checkRfParams, rfDefaults, type RfParams } from './params.ts';

export type Carry = 'hand' | 'pocket';

export interface PhonePose {
  position: Point3;
  carry: Carry;
  /** Walking direction (radians, 0 = +x); decides which side of the body a pocketed phone faces. */
  headingRad: number;
}

/** Uniform in [0, 1). */
export function uniform(random: SeededRandom): number {
  return random.uint32() / 0x100000000;
}

/** Standard normal (Box–Muller; the first uniform is kept off 0). */
export function gaussian(random: SeededRandom): number {
  const u1 = (random.uint32() + 1) / 0x100000001;
  const u2 = uniform(random);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export function distance3(a: Point3, b: Point3): number {
  return Math.hypot(a.xM - b.xM, a.yM - b.yM, a.zM - b.zM);
}

export class RfChannel {
  readonly params: RfParams;
  private readonly seedRandom: SeededRandom;
  private readonly fading: SeededRandom;
  private readonly shadowing = new Map<string, number>();

  /** `random`: the channel forks its streams from it by label, so adding a link never shifts another's draws. */
  constructor(random: SeededRandom, params: Partial<RfParams> = {}) {
    this.params = checkRfParams({ ...rfDefaults, ...params });
    this.seedRandom = random;
    this.fading = random.fork('rf:fading');
  }

  /** S(link): fixed for a (phone, lock) pair for the whole run, drawn from a stream named by the pair. */
  shadowingDb(phoneId: string, lockId: string): number {
    const key = `${phoneId}\u0000${lockId}`;
    let value = this.shadowing.get(key);
    if (value === undefined) {
      value = this.params.shadowingSigmaDb * gaussian(this.seedRandom.fork(`rf:shadow:${key}`));
      this.shadowing.set(key, value);
    }
    return value;
  }

  /** Mean path gain in dB relative to 1 m (negative beyond 1 m, positive under it). */
  pathGainDb(distanceM: number): number {
    const d = Math.max(this.params.minDistanceM, distanceM);
    const n = d < 1 ? this.params.nearPathLossExponent : this.params.pathLossExponent;
    return -10 * n * Math.log10(d);
  }

  /** Body loss B for a pocketed phone: front loss with the lock ahead, back loss with it behind, cosine-blended. */
  bodyLossDb(pose: PhonePose, lock: Point3): number {
    if (pose.carry === 'hand') return 0;
    const bearing = Math.atan2(lock.yM - pose.position.yM, lock.xM - pose.position.xM);
    const facing = (1 + Math.cos(bearing - pose.headingRad)) / 2; // 1 = straight ahead, 0 = behind
    return this.params.pocketLossBackDb + (this.params.pocketLossFrontDb - this.params.pocketLossBackDb) * facing;
  }

  /** Rician K (linear): direct power ∝ 1/d² over a constant diffuse floor, capped; 0 in a pocket. */
  ricianK(pose: PhonePose, distanceM: number): number {
    if (pose.carry === 'pocket') return 0;
    const d = Math.max(this.params.minDistanceM, distanceM);
    const kDb = Math.min(this.params.ricianKMaxDb, this.params.ricianK1mDb - 20 * Math.log10(d));
    return Math.pow(10, kDb / 10);
  }

  /** Mean RSSI (dBm, unquantised, no fading) of a link. */
  meanRssiDbm(phoneId: string, pose: PhonePose, lockId: string, lock: Point3): number {
    return this.params.rssiAt1mDbm + this.pathGainDb(distance3(pose.position, lock)) + this.shadowingDb(phoneId, lockId) - this.bodyLossDb(pose, lock);
  }

  /** Fading gain in dB of one advertisement: |h|² with E|h|² = 1, h = √(K/(K+1)) + √(1/(K+1))·CN(0, 1). */
  fadingDb(k: number, random: SeededRandom = this.fading): number {
    const los = Math.sqrt(k / (k + 1));
    const scatter = Math.sqrt(1 / (k + 1) / 2);
    const re = los + scatter * gaussian(random);
    const im = scatter * gaussian(random);
    return 10 * Math.log10(Math.max(1e-12, re * re + im * im));
  }

  /**
   * One advertisement as the phone reports it: whole dBm, clipped at saturation; undefined when
   * missed (channel hop, collision) or under the sensitivity.
   */
  sample(phoneId: string, pose: PhonePose, lockId: string, lock: Point3, random: SeededRandom = this.fading): number | undefined {
    if (uniform(random) < this.params.missProbability) return undefined;
    const d = distance3(pose.position, lock);
    const rssi = Math.round(this.meanRssiDbm(phoneId, pose, lockId, lock) + this.fadingDb(this.ricianK(pose, d), random));
    if (rssi < this.params.sensitivityDbm) return undefined;
    return Math.min(this.params.saturationDbm, rssi);
  }
}

/**
 * A lock's advertising schedule: event k+1 starts advInterval + advDelay after event k, advDelay
 * uniform in 0..advDelayMaxMs (drawn in 1/16 ms steps, the resolution of the spec's timing).
 */
export class Advertiser {
  private nextMs: number;
  private readonly random: SeededRandom;
  private readonly params: RfParams;

  constructor(params: RfParams, random: SeededRandom, startMs: number) {
    this.params = params;
    this.random = random;
    this.nextMs = startMs + uniform(random) * params.advIntervalMs;
  }

  peek(): number {
    return this.nextMs;
  }

  /** The current event's time; moves to the next. */
  pop(): number {
    const at = this.nextMs;
    const steps = Math.round(this.params.advDelayMaxMs * 16);
    this.nextMs = at + this.params.advIntervalMs + (steps === 0 ? 0 : this.random.below(steps + 1) / 16);
    return at;
  }
}
