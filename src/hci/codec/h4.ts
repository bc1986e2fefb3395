/**
 * H4 (UART transport) framing of HCI packets: one indicator octet, then the packet.
 *
 * Why: H4 is what the Linux raw HCI socket hands to bleno/noble, what btsnoop datalink 1002
 * records, and what Rootcanal/Bumble speak over TCP — so it is the one byte format at every seam
 * of this module. Headers: Vol 4, Part A, §2 (indicators) and Vol 4, Part E, §5.4.1 (command),
 * §5.4.2 (ACL data), §5.4.4 (event). Decoding checks every length field against the octets
 * received; anything inconsistent is a typed failure, never an exception.
 */
import { H4PacketType } from './constants.ts';
import type { DecodeResult } from './fields.ts';
import { aclDataPacketLengthMax } from '../limits.ts';

export interface CommandPacket {
  readonly type: 'command';
  readonly opcode: number;
  readonly parameters: Uint8Array;
}

export interface AclDataPacket {
  readonly type: 'acl';
  /** Connection_Handle, 12 bits. */
  readonly handle: number;
  /** Packet_Boundary_Flag, 2 bits (§5.4.2). */
  readonly packetBoundaryFlag: number;
  /** Broadcast_Flag, 2 bits; always 0b00 on LE. */
  readonly broadcastFlag: number;
  readonly data: Uint8Array;
}

export interface EventPacket {
  readonly type: 'event';
  readonly eventCode: number;
  readonly parameters: Uint8Array;
}

export type HciPacket = CommandPacket | AclDataPacket | EventPacket;

export type H4DecodeResult = DecodeResult<HciPacket> | { readonly ok: false; readonly code: 'unsupported_packet_type'; readonly detail: string };

function assertField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${name}: ${value} out of range 0..${max}`);
}

/** Encodes a packet with its H4 indicator. Throws on values that do not fit (our bug). */
export function encodeH4(packet: HciPacket): Uint8Array {
  if (packet.type === 'command') {
    assertField('opcode', packet.opcode, 0xffff);
    assertField('Parameter_Total_Length', packet.parameters.length, 0xff);
    const bytes = new Uint8Array(4 + packet.parameters.length);
    bytes.set([H4PacketType.Command, packet.opcode & 0xff, packet.opcode >> 8, packet.parameters.length]);
    bytes.set(packet.parameters, 4);
    return bytes;
  }
  if (packet.type === 'event') {
    assertField('Event_Code', packet.eventCode, 0xff);
    assertField('Parameter_Total_Length', packet.parameters.length, 0xff);
    const bytes = new Uint8Array(3 + packet.parameters.length);
    bytes.set([H4PacketType.Event, packet.eventCode, packet.parameters.length]);
    bytes.set(packet.parameters, 3);
    return bytes;
  }
  assertField('Handle', packet.handle, 0x0fff);
  assertField('Packet_Boundary_Flag', packet.packetBoundaryFlag, 0b11);
  assertField('Broadcast_Flag', packet.broadcastFlag, 0b11);
  assertField('Data_Total_Length', packet.data.length, 0xffff);
  const handleAndFlags = packet.handle | (packet.packetBoundaryFlag << 12) | (packet.broadcastFlag << 14);
  const bytes = new Uint8Array(5 + packet.data.length);
  bytes.set([H4PacketType.AclData, handleAndFlags & 0xff, handleAndFlags >> 8, packet.data.length & 0xff, packet.data.length >> 8]);
  bytes.set(packet.data, 5);
  return bytes;
}

function lengthCheck(bytes: Uint8Array, headerLength: number, declared: number): DecodeResult<null> {
  if (bytes.length - headerLength !== declared) {
    return { ok: false, code: 'length_mismatch', detail: `declared ${declared}, got ${bytes.length - headerLength}` };
  }
  return { ok: true, value: null };
}

/** Decodes one H4-framed packet (exactly one; a socket read or a btsnoop record). Copies data. */
export function decodeH4(bytes: Uint8Array): H4DecodeResult {
  const indicator = bytes[0];
  if (indicator === H4PacketType.Command) {
    if (bytes.length < 4) return { ok: false, code: 'truncated', detail: 'command header' };
    const checked = lengthCheck(bytes, 4, bytes[3] ?? 0);
    if (!checked.ok) return checked;
    return { ok: true, value: { type: 'command', opcode: (bytes[1] ?? 0) | ((bytes[2] ?? 0) << 8), parameters: bytes.slice(4) } };
  }
  if (indicator === H4PacketType.Event) {
    if (bytes.length < 3) return { ok: false, code: 'truncated', detail: 'event header' };
    const checked = lengthCheck(bytes, 3, bytes[2] ?? 0);
    if (!checked.ok) return checked;
    return { ok: true, value: { type: 'event', eventCode: bytes[1] ?? 0, parameters: bytes.slice(3) } };
  }
  if (indicator === H4PacketType.AclData) {
    if (bytes.length < 5) return { ok: false, code: 'truncated', detail: 'ACL header' };
    const handleAndFlags = (bytes[1] ?? 0) | ((bytes[2] ?? 0) << 8);
    const declared = (bytes[3] ?? 0) | ((bytes[4] ?? 0) << 8);
    if (declared > aclDataPacketLengthMax) return { ok: false, code: 'length_mismatch', detail: `ACL length ${declared} over limit` };
    const checked = lengthCheck(bytes, 5, declared);
    if (!checked.ok) return checked;
    return {
      ok: true,
      value: {
        type: 'acl',
        handle: handleAndFlags & 0x0fff,
        packetBoundaryFlag: (handleAndFlags >> 12) & 0b11,
        broadcastFlag: (handleAndFlags >> 14) & 0b11,
        data: bytes.slice(5),
      },
    };
  }
  return { ok: false, code: 'unsupported_packet_type', detail: `indicator ${String(indicator)}` };
}
