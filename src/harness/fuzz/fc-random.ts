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

/**
 * A class, not closures: fast-check clones its generator at every chain, oneof fallback and
 * Random it builds (several times a case), and each closure the transpiler names costs a
 * defineProperty. Same xoshiro128** steps as before.
 */
class Xoshiro implements ClonableGenerator {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }
  clone(): Xoshiro {
    return new Xoshiro(this.s0, this.s1, this.s2, this.s3);
  }
  next(): [number, ClonableGenerator] {
    const copy = this.clone();
    return [copy.unsafeNext(), copy];
  }
  unsafeNext(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) | 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
  getState(): readonly number[] {
    return [this.s0, this.s1, this.s2, this.s3];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A fast-check `Random` whose stream is fixed by `random` (consumes four words of it). */
export function fastCheckRandom(random: SeededRandom): fc.Random {
  const generator = new Xoshiro(random.uint32() | 1, random.uint32(), random.uint32(), random.uint32());
  return new fc.Random(generator as unknown as ConstructorParameters<typeof fc.Random>[0]);
}

/** One value of `arbitrary` for this case (bias on: edge cases such as 0, max, empty come often). */
export function sample<T>(arbitrary: fc.Arbitrary<T>, random: fc.Random): T {
  return arbitrary.generate(random, 2).value;
}
