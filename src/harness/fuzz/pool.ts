/** A bounded pool of inputs to mutate: the seed inputs stay, interesting ones rotate through the rest. */
import type { SeededRandom } from '../../protocol/random.ts';

export const poolEntriesMax = 256;

export class BytePool {
  private readonly seeds: Uint8Array[];
  private readonly found: Uint8Array[] = [];
  private next = 0;
  constructor(seeds: Uint8Array[]) {
    if (seeds.length === 0) throw new Error('assertion failed: a pool needs at least one seed input');
    this.seeds = seeds;
  }
  add(bytes: Uint8Array): void {
    if (this.found.length < poolEntriesMax) this.found.push(bytes);
    else this.found[this.next++ % poolEntriesMax] = bytes;
  }
  /** Seeds and found inputs are picked half and half (seeds keep the fuzzer near valid inputs). */
  pick(random: SeededRandom): Uint8Array {
    if (this.found.length > 0 && random.chance(1, 2)) return this.found[random.below(this.found.length)]!;
    return this.seeds[random.below(this.seeds.length)]!;
  }
  get size(): number {
    return this.seeds.length + this.found.length;
  }
}
