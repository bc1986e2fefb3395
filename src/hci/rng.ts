/**
 * Seeded pseudo-random numbers for the simulated radio: loss, advertising delay, RSSI, addresses.
 *
 * Why not Math.random: a run must replay from its seed (house style, TigerBeetle). Each consumer
 * derives its own stream from (seed, label) so that, for example, the loss decisions on one
 * connection depend only on the packets of that connection and not on how other hosts'
 * packets happen to interleave. Probabilities are integer ratios, decided without floats.
 * Generator: xoshiro128** (Blackman & Vigna), seeded through splitmix32.
 */

export interface Rng {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
}

/** A probability as an exact ratio of integers, 0 ≤ numerator ≤ denominator. */
export interface Ratio {
  readonly numerator: number;
  readonly denominator: number;
}

export const never: Ratio = Object.freeze({ numerator: 0, denominator: 1 });

export function assertRatio(ratio: Ratio, title: string): void {
  const { numerator, denominator } = ratio;
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator)) {
    throw new TypeError(`${title}: numerator and denominator must be integers`);
  }
  if (denominator < 1 || denominator > 0xffffffff || numerator < 0 || numerator > denominator) {
    throw new RangeError(`${title}: expected 0 ≤ numerator ≤ denominator ≤ 2^32-1, got ${numerator}/${denominator}`);
  }
}

export function assertSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed: expected an integer in 0..2^32-1, got ${seed}`);
  }
}

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** FNV-1a over the label's UTF-16 code units: stable stream ids from readable labels. */
function hashLabel(label: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < label.length; index += 1) {
    hash = Math.imul(hash ^ label.charCodeAt(index), 0x01000193) >>> 0;
  }
  return hash;
}

function rotl(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}

/** A generator for the stream `label` of run `seed`. Same (seed, label), same numbers. */
export function createRng(seed: number, label: string): Rng {
  assertSeed(seed);
  let mix = (seed ^ hashLabel(label)) >>> 0;
  const state: number[] = [];
  for (let index = 0; index < 4; index += 1) {
    const [nextMix, output] = splitmix32(mix);
    mix = nextMix;
    state.push(output);
  }
  let [s0, s1, s2, s3] = state as [number, number, number, number];
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  return {
    nextUint32(): number {
      const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
      const t = (s1 << 9) >>> 0;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      return result;
    },
  };
}

/** Uniform integer in [0, bound) without modulo bias (rejection sampling). */
export function uniformBelow(rng: Rng, bound: number): number {
  if (!Number.isInteger(bound) || bound < 1 || bound > 0x100000000) throw new RangeError(`bound: ${bound}`);
  const limit = 0x100000000 - (0x100000000 % bound);
  for (;;) {
    const value = rng.nextUint32();
    if (value < limit) return value % bound;
  }
}

/** True with probability numerator/denominator, exactly. */
export function chance(rng: Rng, ratio: Ratio): boolean {
  if (ratio.numerator === 0) return false;
  if (ratio.numerator === ratio.denominator) return true;
  return uniformBelow(rng, ratio.denominator) < ratio.numerator;
}
