/**
 * btsnoop capture files (datalink 1002, HCI UART/H4): writer and reader.
 *
 * Why: a capture of every HCI packet of a run is the ground truth when a bleno/noble exchange
 * misbehaves, and Wireshark/tshark decode it down to ATT without help. Format (Frontline
 * btsnoop, derived from RFC 1761 snoop; all integers big-endian): 16-octet header
 * "btsnoop\0", version 1, datalink 1002; then per packet a 24-octet record header — original
 * length, included length, flags (bit 0: 0 = host→controller, 1 = controller→host; bit 1:
 * command/event rather than data), cumulative drops, timestamp in µs since 0000-01-01 — and the
 * H4 packet. The writer buffers in memory, flushes in blocks, and stops at `captureBytesMax`,
 * counting what it dropped.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { H4PacketType } from '../codec/constants.ts';
import { captureBytesMax, captureFlushBytes } from '../limits.ts';

export const btsnoopMagic = Uint8Array.from('btsnoop\0', (character) => character.charCodeAt(0));
export const btsnoopVersion = 1;
export const btsnoopDatalinkH4 = 1002;
/** Microseconds from 0000-01-01 to 1970-01-01 as btsnoop counts them. */
export const btsnoopEpochOffsetMicroseconds = 0x00dcddb30f2f8000n;

export type SnoopDirection = 'host_to_controller' | 'controller_to_host';

export interface SnoopRecord {
  readonly direction: SnoopDirection;
  /** Flag bit 1: the packet is a command or an event. */
  readonly commandOrEvent: boolean;
  readonly cumulativeDrops: number;
  readonly timestampUnixMicroseconds: bigint;
  /** The H4 packet, indicator first. */
  readonly packet: Uint8Array;
}

export function encodeBtsnoopHeader(): Uint8Array {
  const header = new Uint8Array(16);
  header.set(btsnoopMagic, 0);
  const view = new DataView(header.buffer);
  view.setUint32(8, btsnoopVersion);
  view.setUint32(12, btsnoopDatalinkH4);
  return header;
}

export function encodeBtsnoopRecord(record: SnoopRecord): Uint8Array {
  if (record.packet.length === 0) throw new RangeError('empty packet');
  const bytes = new Uint8Array(24 + record.packet.length);
  const view = new DataView(bytes.buffer);
  const flags = (record.direction === 'controller_to_host' ? 1 : 0) | (record.commandOrEvent ? 2 : 0);
  view.setUint32(0, record.packet.length);
  view.setUint32(4, record.packet.length);
  view.setUint32(8, flags);
  view.setUint32(12, record.cumulativeDrops);
  view.setBigInt64(16, record.timestampUnixMicroseconds + btsnoopEpochOffsetMicroseconds);
  bytes.set(record.packet, 24);
  return bytes;
}

export type BtsnoopReadResult =
  | { readonly ok: true; readonly records: readonly SnoopRecord[] }
  | { readonly ok: false; readonly code: 'bad_header' | 'truncated_record'; readonly detail: string };

/** Parses a whole capture (datalink 1002 only). */
export function readBtsnoop(bytes: Uint8Array): BtsnoopReadResult {
  if (bytes.length < 16 || !btsnoopMagic.every((octet, index) => bytes[index] === octet)) {
    return { ok: false, code: 'bad_header', detail: 'missing btsnoop magic' };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== btsnoopVersion || view.getUint32(12) !== btsnoopDatalinkH4) {
    return { ok: false, code: 'bad_header', detail: `version ${view.getUint32(8)} datalink ${view.getUint32(12)}` };
  }
  const records: SnoopRecord[] = [];
  let offset = 16;
  while (offset < bytes.length) {
    if (offset + 24 > bytes.length) return { ok: false, code: 'truncated_record', detail: `header at ${offset}` };
    const included = view.getUint32(offset + 4);
    if (offset + 24 + included > bytes.length) return { ok: false, code: 'truncated_record', detail: `packet at ${offset}` };
    const flags = view.getUint32(offset + 8);
    records.push({
      direction: (flags & 1) === 1 ? 'controller_to_host' : 'host_to_controller',
      commandOrEvent: (flags & 2) === 2,
      cumulativeDrops: view.getUint32(offset + 12),
      timestampUnixMicroseconds: view.getBigInt64(offset + 16) - btsnoopEpochOffsetMicroseconds,
      packet: new Uint8Array(bytes.subarray(offset + 24, offset + 24 + included)),
    });
    offset += 24 + included;
  }
  return { ok: true, records };
}

/** Wall-clock µs, used only to timestamp capture records. */
export function unixMicrosecondsNow(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
}

export interface BtsnoopWriterStats {
  records: number;
  bytes: number;
  droppedRecords: number;
}

/** Appends records to a btsnoop file; call close() to flush. */
export class BtsnoopWriter {
  readonly path: string;
  readonly stats: BtsnoopWriterStats = { records: 0, bytes: 0, droppedRecords: 0 };
  readonly #clock: () => bigint;
  #fd: number | null;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  constructor(path: string, clock: () => bigint = unixMicrosecondsNow) {
    this.path = path;
    this.#clock = clock;
    this.#fd = openSync(path, 'w');
    this.#append(encodeBtsnoopHeader());
  }

  record(direction: SnoopDirection, packet: Uint8Array): void {
    if (this.#fd === null) return;
    if (this.stats.bytes + 24 + packet.length > captureBytesMax) {
      this.stats.droppedRecords += 1;
      return;
    }
    const indicator = packet[0];
    const commandOrEvent = indicator === H4PacketType.Command || indicator === H4PacketType.Event;
    const record = { direction, commandOrEvent, cumulativeDrops: this.stats.droppedRecords, timestampUnixMicroseconds: this.#clock(), packet };
    this.stats.records += 1;
    this.#append(encodeBtsnoopRecord(record));
  }

  flush(): void {
    if (this.#fd === null || this.#pending.length === 0) return;
    const block = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    let written = 0;
    while (written < block.length) written += writeSync(this.#fd, block, written);
  }

  close(): void {
    if (this.#fd === null) return;
    this.flush();
    closeSync(this.#fd);
    this.#fd = null;
  }

  #append(bytes: Uint8Array): void {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    this.stats.bytes += bytes.length;
    if (this.#pendingBytes >= captureFlushBytes) this.flush();
  }
}
