/**
 * Chunking of a request over ATT writes (after ISO 18013-5 §8.3.3.1.1.6, with a sequence number
 * so a lost, duplicated or reordered chunk is detected): each chunk is one header byte then data.
 *
 *   header = (more ? 0x80 : 0) | (index & 0x7f)
 *
 * Chunk payload = MTU − 3 (ATT write header) − 1 (chunk header). All chunks but the last go as
 * Write Without Response (airtime, no round trip); the last as a Write Request whose response
 * the lock holds until it has decided.
 */
import { LatchkeyError, assert } from '../errors.ts';
import { limits } from '../limits.ts';

export function chunkDataBytes(mtu: number): number {
  assert(mtu >= limits.attMtuMin && mtu <= limits.attMtuMax, `mtu ${mtu} out of range`);
  return mtu - 3 - 1;
}

export function splitIntoChunks(message: Uint8Array, mtu: number): Uint8Array[] {
  const size = chunkDataBytes(mtu);
  const count = Math.max(1, Math.ceil(message.length / size));
  assert(count <= limits.requestChunksMax, `message of ${message.length} bytes needs ${count} chunks`);
  const chunks: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const data = message.subarray(index * size, (index + 1) * size);
    const chunk = new Uint8Array(1 + data.length);
    chunk[0] = (index < count - 1 ? 0x80 : 0) | (index & 0x7f);
    chunk.set(data, 1);
    chunks.push(chunk);
  }
  return chunks;
}

/** Bounded reassembly. `push` returns the whole message on the last chunk, else undefined. */
export class Reassembler {
  private parts: Uint8Array[] = [];
  private length = 0;

  get pending(): boolean {
    return this.parts.length > 0;
  }

  reset(): void {
    this.parts = [];
    this.length = 0;
  }

  push(chunk: Uint8Array): Uint8Array | undefined {
    try {
      if (chunk.length < 1) throw new LatchkeyError('message_malformed', 'empty chunk');
      const header = chunk[0]!;
      const index = header & 0x7f;
      if (index !== this.parts.length) throw new LatchkeyError('chunk_sequence', `chunk ${index}, expected ${this.parts.length}`);
      if (this.parts.length >= limits.requestChunksMax) throw new LatchkeyError('message_too_large', 'too many chunks');
      this.length += chunk.length - 1;
      if (this.length > limits.requestBytesMax) throw new LatchkeyError('message_too_large', `request over ${limits.requestBytesMax} bytes`);
      this.parts.push(chunk.slice(1));
      if ((header & 0x80) !== 0) return undefined;
      const message = new Uint8Array(this.length);
      let offset = 0;
      for (const part of this.parts) {
        message.set(part, offset);
        offset += part.length;
      }
      this.reset();
      return message;
    } catch (error) {
      this.reset(); // never keep a partial message after a fault
      throw error;
    }
  }
}
