/**
 * Request chunking bounds (src/protocol/unlock/chunking.ts) at their edges: the ATT MTU range and
 * the chunk count, which the phone's own splitter must refuse rather than wrap the 7-bit index.
 */
import { describe, expect, it } from 'vitest';
import { limits } from '../../src/protocol/limits.ts';
import { chunkDataBytes, Reassembler, splitIntoChunks } from '../../src/protocol/unlock/chunking.ts';

describe('chunking bounds', () => {
  it('accepts MTU 23 to 517 only', () => {
    expect(chunkDataBytes(limits.attMtuMin)).toBe(19);
    expect(chunkDataBytes(limits.attMtuMax)).toBe(513);
    expect(() => chunkDataBytes(limits.attMtuMin - 1)).toThrow(/mtu 22 out of range/);
    expect(() => chunkDataBytes(limits.attMtuMax + 1)).toThrow(/mtu 518 out of range/);
    expect(() => splitIntoChunks(new Uint8Array(10), 22)).toThrow(/out of range/);
  });

  it('splits into at most requestChunksMax chunks: exactly 128 at MTU 23 passes, 129 is refused (the 7-bit index would wrap)', () => {
    const size = chunkDataBytes(limits.attMtuMin);
    const largest = new Uint8Array(limits.requestChunksMax * size).fill(7);
    const chunks = splitIntoChunks(largest, limits.attMtuMin);
    expect(chunks).toHaveLength(limits.requestChunksMax);
    expect(chunks.at(-1)![0]).toBe(0x7f);
    expect(() => splitIntoChunks(new Uint8Array(largest.length + 1), limits.attMtuMin)).toThrow(/needs 129 chunks/);
  });

  it('the reassembler cannot be driven past 128 chunks: the 129th carries index 0 again and is a sequence fault', () => {
    const reassembler = new Reassembler();
    for (let index = 0; index < limits.requestChunksMax; index++) expect(reassembler.push(Uint8Array.of(0x80 | index))).toBeUndefined();
    expect(() => reassembler.push(Uint8Array.of(0x80))).toThrow(expect.objectContaining({ code: 'chunk_sequence' }));
    expect(reassembler.pending).toBe(false);
  });
});
