/**
 * Chunk-stream faults (the chunking rows of the attack catalog): a chunk dropped, duplicated,
 * swapped with another, truncated, its header's index or "more" bit changed, an empty chunk, a
 * stray chunk from elsewhere, the whole stream twice; 0..3 of them stacked.
 */
import type { SeededRandom } from '../../protocol/random.ts';

export function mutateChunkStream(chunks: readonly Uint8Array[], random: SeededRandom): Uint8Array[] {
  const out = chunks.map((chunk) => chunk.slice());
  const count = random.below(4);
  for (let i = 0; i < count; i++) mutateOnce(out, random);
  return out;
}

function mutateOnce(chunks: Uint8Array[], random: SeededRandom): void {
  const at = chunks.length === 0 ? 0 : random.below(chunks.length);
  switch (random.below(9)) {
    case 0:
      chunks.splice(at, 1);
      return;
    case 1:
      if (chunks[at]) chunks.splice(at, 0, chunks[at]!.slice());
      return;
    case 2: {
      const other = chunks.length === 0 ? 0 : random.below(chunks.length);
      if (chunks[at] && chunks[other]) [chunks[at], chunks[other]] = [chunks[other]!, chunks[at]!];
      return;
    }
    case 3:
      if (chunks[at]) chunks[at] = chunks[at]!.slice(0, random.below(chunks[at]!.length + 1));
      return;
    case 4:
      if (chunks[at] && chunks[at]!.length > 0) chunks[at]![0] = (chunks[at]![0]! & 0x80) | random.below(128);
      return;
    case 5:
      if (chunks[at] && chunks[at]!.length > 0) chunks[at]![0] = chunks[at]![0]! ^ 0x80;
      return;
    case 6:
      chunks.splice(at, 0, new Uint8Array(0));
      return;
    case 7:
      chunks.splice(at, 0, random.bytes(1 + random.below(30)));
      return;
    default:
      chunks.push(...chunks.map((chunk) => chunk.slice()));
  }
}
