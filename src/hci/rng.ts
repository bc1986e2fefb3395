/**
 * Seeded pseudo-random numbers for the simulated radio: loss, advertising delay, RSSI, addresses.
 *
 * Why not Math.random: a run must replay from its seed (house style, TigerBeetle). Each consumer
 * derives its own stream from (seed, label) so that, for example, the loss decisions on one
 * connection depend only on the packets of that connection and not on how other hosts'
 * packets happen to interleave. Probabilities are integer ratios, decided without floats.
 * Generator: the project's one seeded generator (src/protocol/random.ts, xoshiro128**).
 */
import { createSeededRandom } from '../protocol/random.ts';
import type { SeededRandom } from '../protocol/random.ts';

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

/** A generator for the stream `label` of run `seed`. Same (seed, label), same numbers. */
export function createRng(seed: number, label: string): Rng {
  const stream = createStream(seed, label);
  return { nextUint32: () => stream.uint32() };
}

/** The same stream as `createRng(seed, label)`, as the SeededRandom the air model (src/radio/air) draws from. */
export function createStream(seed: number, label: string): SeededRandom {
  assertSeed(seed);
  // One generator for the whole project (src/protocol/random.ts): xoshiro128** via splitmix32,
  // an independent stream per label.
  return createSeededRandom(seed).fork(`hci:${label}`);
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
