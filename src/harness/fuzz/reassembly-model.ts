/**
 * A reference model of bounded chunk reassembly (src/protocol/unlock/chunking.ts, from its
 * documented rules): header = more·0x80 | index; index must be the next expected one; at most
 * requestChunksMax chunks and requestBytesMax bytes; any fault drops the partial message. The
 * messages target checks the real Reassembler against it push by push; the lock target uses it
 * to know which bytes a lock reassembled.
 */
import { limits } from '../../protocol/limits.ts';

export type PushOutcome = { kind: 'pending' } | { kind: 'message'; message: Uint8Array } | { kind: 'refused'; code: string };

export class ReassemblyModel {
  private parts: Uint8Array[] = [];
  private length = 0;

  reset(): void {
    this.parts = [];
    this.length = 0;
  }

  push(chunk: Uint8Array): PushOutcome {
    const fault = this.check(chunk);
    if (fault !== undefined) {
      this.reset();
      return { kind: 'refused', code: fault };
    }
    this.parts.push(chunk.subarray(1));
    this.length += chunk.length - 1;
    if ((chunk[0]! & 0x80) !== 0) return { kind: 'pending' };
    const message = new Uint8Array(this.length);
    let offset = 0;
    for (const part of this.parts) {
      message.set(part, offset);
      offset += part.length;
    }
    this.reset();
    return { kind: 'message', message };
  }

  private check(chunk: Uint8Array): string | undefined {
    if (chunk.length === 0) return 'message_malformed';
    if ((chunk[0]! & 0x7f) !== this.parts.length) return 'chunk_sequence';
    if (this.parts.length >= limits.requestChunksMax) return 'message_too_large';
    if (this.length + chunk.length - 1 > limits.requestBytesMax) return 'message_too_large';
    return undefined;
  }
}
