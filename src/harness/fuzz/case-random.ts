/**
 * Per-case random streams. Same generator family as src/protocol/random.ts (xoshiro128** seeded
 * through splitmix32) but as a class: the fuzzer makes one stream per case, tens of thousands per
 * second, and building the closure-based SeededRandom costs more than many cases do.
 */
import type { SeededRandom } from '../../protocol/random.ts';

function hashLabel(seed: number, label: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

class CaseRandom implements SeededRandom {
  readonly seed: number;
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    let state = this.seed;
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  bytes(lengthBytes: number): Uint8Array {
    const out = new Uint8Array(lengthBytes);
    for (let i = 0; i < lengthBytes; i += 4) {
      const word = this.uint32();
      for (let j = 0; j < 4 && i + j < lengthBytes; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
    }
    return out;
  }

  below(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0 || bound > 0x100000000) throw new RangeError('below: bound out of range');
    const limit = 0x100000000 - (0x100000000 % bound);
    for (;;) {
      const value = this.uint32();
      if (value < limit) return value % bound;
    }
  }

  chance(numerator: number, denominator: number): boolean {
    if (numerator <= 0) return false;
    if (numerator >= denominator) return true;
    return this.below(denominator) < numerator;
  }

  fork(label: string): SeededRandom {
    return new CaseRandom(hashLabel(this.seed, label));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The random stream of case `caseIndex` of `target` in the run with `seed`. */
export function caseRandom(seed: number, target: string, caseIndex: number): SeededRandom {
  return new CaseRandom(hashLabel(seed, `${target}:${caseIndex}`));
}

export function seededStream(seed: number): SeededRandom {
  return new CaseRandom(seed);
}
