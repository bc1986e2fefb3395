/**
 * H4 over a byte stream (UART, pseudo-terminal, TCP): cut the stream into packets, and resync.
 *
 * Why: a MessagePort or a raw HCI socket delivers one packet per read; a UART or a TCP stream
 * delivers bytes in arbitrary pieces. The H4 indicator octet plus each packet type's length
 * field (Vol 4, Part A, §2; Part E, §5.4) is the only framing there is, so one corrupted
 * indicator would desynchronise the rest of the session. This parser drops bytes until it sees
 * an indicator it accepts for its direction, and treats an impossible length (ACL over the
 * decoder limit) as corruption too — each dropped octet is counted, never thrown. Bounded: it
 * buffers at most one packet (h4PacketBytesMax).
 */
import { H4PacketType } from '../codec/constants.ts';
import { aclDataPacketLengthMax, h4PacketBytesMax } from '../limits.ts';

/** Which side reads the stream: a host reads events and ACL, a controller reads commands and ACL. */
export type H4Reader = 'host' | 'controller';

export interface H4StreamStats {
  packets: number;
  /** Octets skipped while looking for a valid packet indicator. */
  resyncOctets: number;
  /** Times the parser lost sync (a run of skipped octets counts once). */
  resyncs: number;
}

function headerLength(indicator: number): number {
  if (indicator === H4PacketType.Command) return 3;
  if (indicator === H4PacketType.AclData) return 4;
  if (indicator === H4PacketType.Event) return 2;
  return -1;
}

export class H4StreamParser {
  readonly stats: H4StreamStats = { packets: 0, resyncOctets: 0, resyncs: 0 };
  readonly #accepted: ReadonlySet<number>;
  readonly #onPacket: (h4: Uint8Array) => void;
  #buffer = new Uint8Array(h4PacketBytesMax);
  #length = 0;
  #inSync = true;

  constructor(reader: H4Reader, onPacket: (h4: Uint8Array) => void) {
    this.#accepted = new Set(reader === 'host' ? [H4PacketType.Event, H4PacketType.AclData] : [H4PacketType.Command, H4PacketType.AclData]);
    this.#onPacket = onPacket;
  }

  /** Feeds a chunk of the stream; complete packets go to onPacket synchronously, in order. */
  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#length === 0) {
        const indicator = chunk[offset]!;
        if (!this.#accepted.has(indicator)) {
          this.#skip(1);
          offset += 1;
          continue;
        }
        this.#buffer[0] = indicator;
        this.#length = 1;
        offset += 1;
      }
      const needed = this.#needed();
      const take = Math.min(needed - this.#length, chunk.length - offset);
      this.#buffer.set(chunk.subarray(offset, offset + take), this.#length);
      this.#length += take;
      offset += take;
      const total = this.#needed();
      if (total < 0) {
        // Impossible length: the indicator was a corrupted octet. Re-scan what followed it.
        const rest = this.#buffer.slice(1, this.#length);
        this.#length = 0;
        this.#skip(1);
        this.push(rest);
        continue;
      }
      if (this.#length === total) {
        const packet = this.#buffer.slice(0, total);
        this.#length = 0;
        this.#inSync = true;
        this.stats.packets += 1;
        this.#onPacket(packet);
      }
    }
  }

  #skip(octets: number): void {
    this.stats.resyncOctets += octets;
    if (this.#inSync) this.stats.resyncs += 1;
    this.#inSync = false;
  }

  /** Octets of the current packet known so far: the header first, then the whole packet; −1 if impossible. */
  #needed(): number {
    const indicator = this.#buffer[0]!;
    const header = 1 + headerLength(indicator);
    if (this.#length < header) return header;
    const b = this.#buffer;
    let payload: number;
    if (indicator === H4PacketType.Command) payload = b[3]!;
    else if (indicator === H4PacketType.Event) payload = b[2]!;
    else {
      payload = b[3]! | (b[4]! << 8);
      if (payload > aclDataPacketLengthMax) return -1;
    }
    return header + payload;
  }
}
