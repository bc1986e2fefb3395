/**
 * fast-check arbitraries driven by the fuzzer's own seed. `fc.Random` wraps a pure-rand style
 * generator that it clones, so this is a tiny clonable xoshiro128** seeded from a `SeededRandom`:
 * `arbitrary.generate(random, bias)` then gives the same value for the same case seed, with no
 * dependency on pure-rand (only a transitive dependency of fast-check).
 */
import * as fc from 'fast-check';
import type { SeededRandom } from '../../protocol/random.ts';

interface ClonableGenerator {
  clone(): ClonableGenerator;
  next(): [number, ClonableGenerator];
  unsafeNext(): number;
  getState(): readonly number[];
}

function xoshiro(state: [number, number, number, number]): ClonableGenerator {
  const s = state;
  const unsafeNext = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) | 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  const generator: ClonableGenerator = {
    clone: () => xoshiro([s[0], s[1], s[2], s[3]]),
    next() {
      const copy = generator.clone();
      return [copy.unsafeNext(), copy];
    },
    unsafeNext,
    getState: () => [s[0], s[1], s[2], s[3]],
  };
  return generator;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A fast-check `Random` whose stream is fixed by `random` (consumes four words of it). */
export function fastCheckRandom(random: SeededRandom): fc.Random {
  const state: [number, number, number, number] = [random.uint32() | 1, random.uint32(), random.uint32(), random.uint32()];
  return new fc.Random(xoshiro(state) as unknown as ConstructorParameters<typeof fc.Random>[0]);
}

/** One value of `arbitrary` for this case (bias on: edge cases such as 0, max, empty come often). */
export function sample<T>(arbitrary: fc.Arbitrary<T>, random: fc.Random): T {
  return arbitrary.generate(random, 2).value;
}
