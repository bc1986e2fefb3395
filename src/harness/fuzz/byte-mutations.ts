/**
 * Byte-level mutation (AFL "havoc" style): a stack of 1..8 small edits — bit flips, interesting
 * byte values, inserts, deletes, duplicated runs, truncation, splices with another input, and
 * CBOR-aware edits of initial bytes (major type and additional info) — on a copy of the input.
 * Inputs are never mutated in place.
 */
import type { SeededRandom } from '../../protocol/random.ts';

/** Values that hit CBOR boundaries: argument widths, break, indefinite starts, simple values. */
const interestingBytes = [0x00, 0x01, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x20, 0x40, 0x5f, 0x60, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xd8, 0xf4, 0xf5, 0xf6, 0xf7, 0xf9, 0xfb, 0xff];
/** Bytes an input may grow to: mutations never build anything larger. */
export const mutatedBytesMax = 8192;

export type ByteMutation = 'flip' | 'set' | 'interesting' | 'insert' | 'delete' | 'duplicate' | 'truncate' | 'splice' | 'cbor_head' | 'append';
const mutationNames: readonly ByteMutation[] = ['flip', 'flip', 'set', 'interesting', 'interesting', 'insert', 'delete', 'duplicate', 'truncate', 'splice', 'cbor_head', 'cbor_head', 'append'];

/** Applies 1..2^k (k ≤ 3) stacked mutations; `other` is a second input for splicing. */
export function mutateBytes(input: Uint8Array, random: SeededRandom, other: Uint8Array): Uint8Array {
  let out: Uint8Array = input.slice();
  const count = 1 << random.below(4);
  for (let i = 0; i < count; i++) out = mutateOnce(out, random, other);
  return out;
}

function mutateOnce(input: Uint8Array, random: SeededRandom, other: Uint8Array): Uint8Array {
  const name = mutationNames[random.below(mutationNames.length)]!;
  if (input.length === 0) return random.bytes(1 + random.below(8));
  const at = random.below(input.length);
  switch (name) {
    case 'flip':
      input[at] = input[at]! ^ (1 << random.below(8));
      return input;
    case 'set':
      input[at] = random.below(256);
      return input;
    case 'interesting':
      input[at] = interestingBytes[random.below(interestingBytes.length)]!;
      return input;
    case 'insert': {
      const inserted = random.chance(1, 2) ? new Uint8Array([interestingBytes[random.below(interestingBytes.length)]!]) : random.bytes(1 + random.below(16));
      return join(input.subarray(0, at), inserted, input.subarray(at));
    }
    case 'delete':
      return join(input.subarray(0, at), input.subarray(Math.min(input.length, at + 1 + random.below(8))));
    case 'duplicate': {
      const end = Math.min(input.length, at + 1 + random.below(32));
      return join(input.subarray(0, end), input.subarray(at, end), input.subarray(end));
    }
    case 'truncate':
      return input.slice(0, at);
    case 'splice': {
      if (other.length === 0) return input;
      const from = random.below(other.length);
      const piece = other.subarray(from, Math.min(other.length, from + 1 + random.below(64)));
      return join(input.subarray(0, at), piece, input.subarray(Math.min(input.length, at + piece.length)));
    }
    case 'cbor_head':
      // Keep the major type, change the additional info (width, indefinite, reserved) or the reverse.
      input[at] = random.chance(1, 2) ? (input[at]! & 0xe0) | random.below(32) : (random.below(8) << 5) | (input[at]! & 0x1f);
      return input;
    case 'append':
      return join(input, random.bytes(1 + random.below(8)));
  }
}

function join(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(Math.min(length, mutatedBytesMax));
  let offset = 0;
  for (const part of parts) {
    if (offset >= out.length) break;
    out.set(part.subarray(0, out.length - offset), offset);
    offset += part.length;
  }
  return out;
}
