/**
 * One virtual Bluetooth LE controller: the box at the other end of one host's HCI transport.
 *
 * Why: bleno and noble speak HCI to "a controller". Each host gets its own Controller (its own
 * BD_ADDR, advertising, scanning and connection handles), and the controllers meet on a
 * LocalLink — the simulated air — exactly as Bumble's Controller/LocalLink pair. The
 * controller's host side is a two-method packet contract: `receiveFromHost(h4)` in,
 * `attachHost(sink)` out; H4 bytes both ways. Bad input from a host (malformed packets, unknown
 * handles, flow-control overruns) is counted in `stats` and answered as a real controller would,
 * never thrown.
 */
import { commandByOpcode } from '../codec/commands.ts';
import type { AnyCommandDefinition, CommandName } from '../codec/commands.ts';
import { EventCode, EventMaskBit, HciStatus, PacketBoundaryFlag } from '../codec/constants.ts';
import { encodeEventParameters, events } from '../codec/events.ts';
import type { EventName, EventParameters } from '../codec/events.ts';
import { decodeH4, encodeH4 } from '../codec/h4.ts';
import type { AclDataPacket, CommandPacket } from '../codec/h4.ts';
import { aclDataPacketLengthMax, leAclDataPacketLength, totalNumLeAclDataPackets } from '../limits.ts';
import { createRng } from '../rng.ts';
import type { Rng } from '../rng.ts';
import { commandHandlers } from './command-handlers.ts';
import type { CommandTarget, CompleteOutcome, LinkPort, StatusOutcome } from './command-handlers.ts';
import { initialControllerState, maskHasBit, totalAclInFlight } from './state.ts';
import type { ControllerBuffers, ControllerState } from './state.ts';

/** Direction of a packet on the HCI transport, as btsnoop records it. */
export type HciDirection = 'host_to_controller' | 'controller_to_host';

export type HciTap = (controller: Controller, direction: HciDirection, h4: Uint8Array) => void;

export interface ControllerStats {
  commands: number;
  unknownCommands: number;
  invalidPackets: number;
  aclFromHost: number;
  aclToHost: number;
  aclDroppedUnknownHandle: number;
  aclDroppedFlowControl: number;
  eventsMasked: number;
}

/** Num_HCI_Command_Packets we advertise in Command_Complete / Command_Status. */
const numHciCommandPackets = 1;

export class Controller implements CommandTarget {
  readonly label: string;
  publicAddress: string;
  readonly link: LinkPort;
  readonly buffers: ControllerBuffers;
  readonly zephyrVendorCommands: boolean;
  /** Deliver each L2CAP frame to the host in one ACL packet, even if longer than `buffers`
   * (real controllers do; Core allows it: the buffer size binds host→controller only). */
  readonly reassembleToHost: boolean;
  readonly #reassembly = new Map<number, Uint8Array[]>();
  readonly stats: ControllerStats = {
    commands: 0,
    unknownCommands: 0,
    invalidPackets: 0,
    aclFromHost: 0,
    aclToHost: 0,
    aclDroppedUnknownHandle: 0,
    aclDroppedFlowControl: 0,
    eventsMasked: 0,
  };
  state: ControllerState = initialControllerState();
  /** The address this controller has from the factory: a vendor Write BD_ADDR lasts until the
   * next HCI_Reset or power cycle, as on a controller that keeps it in RAM. */
  readonly #powerOnAddress: string;
  readonly #rng: Rng;
  #hostSink: ((h4: Uint8Array) => void) | null = null;
  #tap: HciTap | null;

  constructor(options: { label: string; publicAddress: string; link: LinkPort; tap?: HciTap | null; buffers?: ControllerBuffers; zephyrVendorCommands?: boolean; reassembleToHost?: boolean; rng?: Rng }) {
    this.label = options.label;
    this.publicAddress = options.publicAddress;
    this.#powerOnAddress = options.publicAddress;
    this.buffers = checkBuffers(options.buffers ?? { aclDataPacketLength: leAclDataPacketLength, totalNumAclDataPackets: totalNumLeAclDataPackets });
    this.zephyrVendorCommands = options.zephyrVendorCommands ?? false;
    this.reassembleToHost = options.reassembleToHost ?? false;
    this.link = options.link;
    this.#tap = options.tap ?? null;
    this.#rng = options.rng ?? createRng(0, `controller:${options.label}`);
  }

  randomOctets(count: number): Uint8Array {
    const octets = new Uint8Array(count);
    for (let index = 0; index < count; index += 4) {
      const value = this.#rng.nextUint32();
      for (let shift = 0; shift < 4 && index + shift < count; shift += 1) octets[index + shift] = (value >>> (8 * shift)) & 0xff;
    }
    return octets;
  }

  /** Connects the host side; packets for the host go to `sink` (null detaches). */
  attachHost(sink: ((h4: Uint8Array) => void) | null): void {
    this.#hostSink = sink;
  }

  /** Power-on state (HCI_Reset, power cycle): the factory address comes back too. */
  resetState(): void {
    this.state = initialControllerState();
    this.publicAddress = this.#powerOnAddress;
  }

  /** Address this controller advertises and connects with, and its Address_Type. */
  ownAddress(ownAddressType: number): { address: string; addressType: number } {
    if ((ownAddressType & 0x01) === 1 && this.state.randomAddress !== null) return { address: this.state.randomAddress, addressType: 1 };
    return { address: this.publicAddress, addressType: 0 };
  }

  /** Host → controller: one H4 packet (a socket write). */
  receiveFromHost(h4: Uint8Array): void {
    this.#tap?.(this, 'host_to_controller', h4);
    const decoded = decodeH4(h4);
    if (!decoded.ok) {
      this.stats.invalidPackets += 1;
      return;
    }
    const packet = decoded.value;
    if (packet.type === 'command') this.#onCommand(packet);
    else if (packet.type === 'acl') this.#onAcl(packet);
    else this.stats.invalidPackets += 1; // Hosts do not send events.
  }

  /** Sends an event to the host unless the host masked it (§7.3.1, §7.8.1). */
  emit<N extends EventName>(name: N, parameters: EventParameters<N>): void {
    const definition = events[name];
    if (!this.#eventEnabled(definition.eventCode, definition.subeventCode)) {
      this.stats.eventsMasked += 1;
      return;
    }
    const body = encodeEventParameters(name, parameters);
    this.#toHost(encodeH4({ type: 'event', eventCode: definition.eventCode, parameters: body }));
  }

  /** Link → host: an ACL packet from the peer, already carrying our handle. LE controllers mark
   * the first fragment of a PDU 0b10 towards the host (§5.4.2); continuations stay 0b01. */
  deliverAcl(handle: number, packetBoundaryFlag: number, data: Uint8Array): void {
    if (this.reassembleToHost) {
      this.#reassemble(handle, packetBoundaryFlag, data);
      return;
    }
    const flag = packetBoundaryFlag === PacketBoundaryFlag.Continuing ? PacketBoundaryFlag.Continuing : PacketBoundaryFlag.FirstAutomaticallyFlushable;
    this.stats.aclToHost += 1;
    this.#toHost(encodeH4({ type: 'acl', handle, packetBoundaryFlag: flag, broadcastFlag: 0, data }));
  }

  /** Link → host: one of our host's ACL packets on `handle` has left the controller (§7.7.19). */
  completePacket(handle: number): void {
    const inFlight = this.state.aclInFlight.get(handle);
    if (inFlight === undefined || inFlight === 0) return;
    this.state.aclInFlight.set(handle, inFlight - 1);
    this.emit('HCI_Number_Of_Completed_Packets', { Num_Handles: 1, Connection_Handle: handle, Num_Completed_Packets: 1 });
  }

  /** Link → controller: connection created; `handle` is ours for it. */
  openHandle(handle: number): void {
    this.state.aclInFlight.set(handle, 0);
  }

  /** Collects the fragments of one L2CAP frame (its Length field, Vol 3, Part A, §3.1) and
   * delivers them as one ACL packet; a frame over the H4 limit goes out as it came. */
  #reassemble(handle: number, packetBoundaryFlag: number, data: Uint8Array): void {
    const continuing = packetBoundaryFlag === PacketBoundaryFlag.Continuing;
    const parts = continuing ? this.#reassembly.get(handle) : [];
    if (parts === undefined) {
      this.stats.aclToHost += 1; // A continuation without a start: pass it on, as a controller would.
      this.#toHost(encodeH4({ type: 'acl', handle, packetBoundaryFlag: PacketBoundaryFlag.Continuing, broadcastFlag: 0, data }));
      return;
    }
    parts.push(data);
    const frame = parts.length === 1 ? data : Uint8Array.from(parts.flatMap((part) => [...part]));
    const declared = frame.length >= 2 ? 4 + (frame[0]! | (frame[1]! << 8)) : Infinity;
    if (frame.length < declared && frame.length < aclDataPacketLengthMax) {
      this.#reassembly.set(handle, parts);
      return;
    }
    this.#reassembly.delete(handle);
    if (frame.length > aclDataPacketLengthMax) {
      for (const [index, part] of parts.entries()) {
        this.stats.aclToHost += 1;
        this.#toHost(encodeH4({ type: 'acl', handle, packetBoundaryFlag: index === 0 ? PacketBoundaryFlag.FirstAutomaticallyFlushable : PacketBoundaryFlag.Continuing, broadcastFlag: 0, data: part }));
      }
      return;
    }
    this.stats.aclToHost += 1;
    this.#toHost(encodeH4({ type: 'acl', handle, packetBoundaryFlag: PacketBoundaryFlag.FirstAutomaticallyFlushable, broadcastFlag: 0, data: frame }));
  }

  /** Link → controller: connection gone; buffers for it are freed (§7.7.5). */
  closeHandle(handle: number): void {
    this.state.aclInFlight.delete(handle);
    this.#reassembly.delete(handle);
  }

  #toHost(h4: Uint8Array): void {
    this.#tap?.(this, 'controller_to_host', h4);
    this.#hostSink?.(h4);
  }

  #eventEnabled(eventCode: number, subeventCode: number | null): boolean {
    if (eventCode === EventCode.DisconnectionComplete) return maskHasBit(this.state.eventMask, EventMaskBit.DisconnectionComplete);
    if (eventCode !== EventCode.LeMeta || subeventCode === null) return true; // Command_Complete/Status, NOCP: not maskable.
    return maskHasBit(this.state.eventMask, EventMaskBit.LeMeta) && maskHasBit(this.state.leEventMask, subeventCode - 1);
  }

  #onCommand(packet: CommandPacket): void {
    this.stats.commands += 1;
    const definition = commandByOpcode(packet.opcode);
    if (definition === undefined) {
      // §4.5 / Vol 1 Part F §2.1: unknown opcodes get Command_Complete with Unknown HCI Command.
      this.stats.unknownCommands += 1;
      this.#commandComplete(packet.opcode, Uint8Array.of(HciStatus.UnknownHciCommand));
      return;
    }
    const parameters = definition.parameters.decode(packet.parameters);
    if (!parameters.ok) {
      this.stats.invalidPackets += 1;
      this.#answer(definition, HciStatus.InvalidHciCommandParameters);
      return;
    }
    const handler = commandHandlers[definition.name as CommandName] as (target: CommandTarget, p: unknown) => StatusOutcome | CompleteOutcome<CommandName>;
    const outcome = handler(this, parameters.value);
    if ('status' in outcome) {
      this.emit('HCI_Command_Status', { Status: outcome.status, Num_HCI_Command_Packets: numHciCommandPackets, Command_Opcode: definition.opcode });
    } else {
      this.#commandComplete(definition.opcode, definition.returnParameters.encode(outcome.returnParameters));
    }
    outcome.after?.();
  }

  /** Answers a command that failed before its handler ran, in the form the command expects. */
  #answer(definition: AnyCommandDefinition, status: number): void {
    if (definition.completion === 'status') {
      this.emit('HCI_Command_Status', { Status: status, Num_HCI_Command_Packets: numHciCommandPackets, Command_Opcode: definition.opcode });
      return;
    }
    const returned = new Uint8Array(definition.returnParameters.encode(zeroReturnParameters(definition)).length);
    returned[0] = status;
    this.#commandComplete(definition.opcode, returned);
  }

  #commandComplete(opcode: number, returnParameters: Uint8Array): void {
    this.emit('HCI_Command_Complete', { Num_HCI_Command_Packets: numHciCommandPackets, Command_Opcode: opcode, Return_Parameters: returnParameters });
  }

  #onAcl(packet: AclDataPacket): void {
    this.stats.aclFromHost += 1;
    const inFlight = this.state.aclInFlight.get(packet.handle);
    const flagValid = packet.packetBoundaryFlag !== 0b11 && packet.broadcastFlag === 0;
    if (inFlight === undefined || !flagValid || packet.data.length > this.buffers.aclDataPacketLength) {
      this.stats.aclDroppedUnknownHandle += 1;
      return;
    }
    if (totalAclInFlight(this.state) >= this.buffers.totalNumAclDataPackets) {
      this.stats.aclDroppedFlowControl += 1; // Host overran Total_Num_LE_ACL_Data_Packets.
      return;
    }
    if (!this.link.sendAcl(this, packet.handle, packet.packetBoundaryFlag, packet.data)) {
      this.stats.aclDroppedUnknownHandle += 1;
      return;
    }
    this.state.aclInFlight.set(packet.handle, inFlight + 1);
  }
}

/** Buffer sizes within what the spec allows and the H4 decoder accepts. */
export function checkBuffers(buffers: ControllerBuffers): ControllerBuffers {
  const { aclDataPacketLength, totalNumAclDataPackets } = buffers;
  if (!Number.isInteger(aclDataPacketLength) || aclDataPacketLength < 27 || aclDataPacketLength > Math.min(0xffff, aclDataPacketLengthMax)) {
    throw new RangeError(`LE_ACL_Data_Packet_Length must be 27..${aclDataPacketLengthMax}, got ${aclDataPacketLength}`);
  }
  if (!Number.isInteger(totalNumAclDataPackets) || totalNumAclDataPackets < 1 || totalNumAclDataPackets > 0xff) {
    throw new RangeError(`Total_Num_LE_ACL_Data_Packets must be 1..255, got ${totalNumAclDataPackets}`);
  }
  return Object.freeze({ aclDataPacketLength, totalNumAclDataPackets });
}

/** A return-parameter value with every field zero, used to size an error answer. */
function zeroReturnParameters(definition: AnyCommandDefinition): Record<string, string | number | Uint8Array> {
  const value: Record<string, string | number | Uint8Array> = {};
  for (const [name, kind] of definition.returnParameters.fields as readonly (readonly [string, string])[]) {
    if (kind === 'bdAddr') value[name] = '00:00:00:00:00:00';
    else if (kind.startsWith('bytes:')) value[name] = new Uint8Array(Number(kind.slice(6)));
    else if (kind === 'rest' || kind.startsWith('len:')) value[name] = new Uint8Array(0);
    else value[name] = 0;
  }
  return value;
}
