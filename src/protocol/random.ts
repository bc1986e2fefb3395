/**
 * Randomness is injected. Production code takes a `RandomSource` (the platform CSPRNG); every
 * simulation takes a `SeededRandom` derived from one printed seed, so the same seed replays the
 * same run byte for byte. The generator is xoshiro128** seeded through splitmix32: fast, and
 * good enough for simulation. It is NOT a CSPRNG and is never used outside simulations.
 */

export type RandomSource = (lengthBytes: number) => Uint8Array;

export interface SeededRandom {
  readonly seed: number;
  bytes(lengthBytes: number): Uint8Array;
  uint32(): number;
  /** Uniform integer in [0, bound). */
  below(bound: number): number;
  /** True with probability numerator/denominator (integer ratio, no floats). */
  chance(numerator: number, denominator: number): boolean;
  /** An independent stream derived from the seed and a unique label only (adding a phone never shifts a lock's keys). */
  fork(label: string): SeededRandom;
}

function splitmix32(state: number): () => number {
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(seed: number, label: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function createSeededRandom(seed: number): SeededRandom {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError('seed must be an integer in 0..2^32-1');
  const init = splitmix32(seed);
  let a = init(), b = init(), c = init(), d = init();
  if ((a | b | c | d) === 0) a = 1;
  function uint32(): number {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  }
  const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));
  return {
    seed,
    uint32,
    bytes(lengthBytes: number): Uint8Array {
      const out = new Uint8Array(lengthBytes);
      for (let i = 0; i < lengthBytes; i += 4) {
        const word = uint32();
        for (let j = 0; j < 4 && i + j < lengthBytes; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
      }
      return out;
    },
    below(bound: number): number {
      if (!Number.isInteger(bound) || bound <= 0 || bound > 0x100000000) throw new RangeError('below: bound out of range');
      // Rejection sampling keeps the distribution uniform.
      const limit = 0x100000000 - (0x100000000 % bound);
      for (;;) {
        const value = uint32();
        if (value < limit) return value % bound;
      }
    },
    chance(numerator: number, denominator: number): boolean {
      if (numerator <= 0) return false;
      if (numerator >= denominator) return true;
      return this.below(denominator) < numerator;
    },
    fork(label: string): SeededRandom {
      return createSeededRandom(hashLabel(seed, label));
    },
  };
}

/** Platform CSPRNG (WebCrypto getRandomValues exists in browsers and Node ≥ 19). */
export const systemRandom: RandomSource = (lengthBytes: number) => crypto.getRandomValues(new Uint8Array(lengthBytes));
