/**
 * A host's link to an external controller (tcp: or serial:), handed to bleno/noble as a
 * MessagePort exactly like the in-process virtual controller.
 *
 * Why a bridge and not a socket class per transport: bleno runs in a worker thread and noble in
 * the caller's; both already speak H4 over a MessagePort to the shim (hci-socket-shim.ts). The
 * bridge owns the byte stream in this thread and does, once, what a kernel would have done
 * before a raw socket opens (bleno/noble in raw mode assume an initialised adapter):
 * - HCI_Reset on open, its Command_Complete swallowed (the controller may hold state from a
 *   previous host: advertising on, a connection up); no answer → a clear timeout error;
 * - HCI_Read_BD_ADDR: an all-zero public address (stock Bumble, Zephyr hci_uart/hci_usb without
 *   a stored address) would make two hosts indistinguishable on the air. First Zephyr's vendor
 *   command Write BD_ADDR (0xFC06, Zephyr hci_vs); if the controller refuses it, the host is
 *   moved to a random static address: LE_Set_Random_Address, Own_Address_Type rewritten to
 *   random in the host's advertising, scanning and connection commands, and Read_BD_ADDR's
 *   answer rewritten to that address (so bleno reports the address it really uses). Both are
 *   forgotten by HCI_Reset, and bleno/noble start with one: the answer to a host's Reset is
 *   held until the address is set again;
 * - HCI_LE_Read_Buffer_Size (and HCI_Read_Buffer_Size when it reports 0: no dedicated LE
 *   buffers, Vol 4, Part E, §7.8.2): a buffer under 27 octets or of 0 packets is refused here,
 *   because bleno and noble would fragment to it forever (noble loops on a 0-octet buffer);
 *   hosts read it again themselves and fragment to it;
 * - every answer is checked for length and status: a controller that answers short (a truncated
 *   Command_Complete) or refuses one of these commands is refused with hci_controller_refused;
 * - HCI_Reset again on close: a serial controller cannot tell that its host went away.
 * The addresses are derived from the run's seed and the host's label: stable per run.
 */
import { createHash } from 'node:crypto';
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { EventCode, H4PacketType, HciStatus } from '../codec/constants.ts';
import { formatBdAddr } from '../codec/fields.ts';
import { h4PacketBytesMax, leAclDataPacketLengthMin } from '../limits.ts';
import { H4StreamParser } from '../transport/h4-stream.ts';
import type { H4StreamStats } from '../transport/h4-stream.ts';
import { HciTransportError, openControllerStream } from '../transport/open-stream.ts';
import type { ControllerStream } from '../transport/open-stream.ts';
import type { HciTransportSpec } from '../transport/spec.ts';
import { formatHciTransportSpec } from '../transport/spec.ts';

export const Opcode = {
  Reset: 0x0c03,
  ReadBdAddr: 0x1009,
  ReadBufferSize: 0x1005,
  LeReadBufferSize: 0x2002,
  LeSetRandomAddress: 0x2005,
  LeSetAdvertisingParameters: 0x2006,
  LeSetScanParameters: 0x200b,
  LeCreateConnection: 0x200d,
  /** Zephyr vendor-specific Write BD_ADDR (OGF 0x3F, OCF 0x006). */
  ZephyrWriteBdAddr: 0xfc06,
} as const;

export type AddressFix = 'none' | 'zephyr_write_bd_addr' | 'random_static';

export interface ExternalControllerInfo {
  readonly spec: string;
  /** The address the host is seen with on the air. */
  readonly address: string;
  readonly addressType: 'public' | 'random';
  readonly addressFix: AddressFix;
  readonly leAclDataPacketLength: number;
  readonly totalNumLeAclDataPackets: number;
  /** Where the buffer sizes came from: LE buffers, or the shared BR/EDR ones (LE reported 0). */
  readonly aclBuffersFrom: 'LE_Read_Buffer_Size' | 'Read_Buffer_Size';
}

export interface ExternalControllerOptions {
  readonly spec: Extract<HciTransportSpec, { kind: 'tcp' | 'serial' }>;
  readonly label: string;
  readonly seed: number;
  /** Deadline for the connection and for each answer during initialisation, ms. Default 2000. */
  readonly timeoutMs?: number;
}

export interface ExternalController {
  /** Host end: give it to createPortBackend (transfer it to a worker for bleno). */
  readonly port: MessagePort;
  /** Resolves after the initialisation above; rejects with HciTransportError. */
  readonly ready: Promise<ExternalControllerInfo>;
  readonly parserStats: H4StreamStats;
  close(): void;
}

/** Six octets derived from seed and label, wire order (LSB first). */
export function derivedAddress(seed: number, label: string, kind: 'public' | 'random_static'): Uint8Array {
  const bytes = createHash('sha256').update(`latchkey-hci-address:${seed}:${label}`).digest().subarray(0, 6);
  const wire = Uint8Array.from(bytes);
  // Random static: the two most significant bits are 0b11 (Vol 6, Part B, §1.3.2.1); not all ones/zeros.
  wire[5] = kind === 'random_static' ? wire[5]! | 0xc0 : wire[5]! & 0x3f;
  return wire;
}

const hex = (value: number | null): string => (value === null ? '??' : value.toString(16).padStart(2, '0'));

function command(opcode: number, parameters: Uint8Array = new Uint8Array(0)): Uint8Array {
  return Uint8Array.of(H4PacketType.Command, opcode & 0xff, opcode >> 8, parameters.length, ...parameters);
}

/** Opcode answered by an HCI_Command_Complete / HCI_Command_Status packet, or null. */
function answeredOpcode(h4: Uint8Array): number | null {
  if (h4[0] !== H4PacketType.Event) return null;
  if (h4[1] === EventCode.CommandComplete && h4.length >= 6) return h4[4]! | (h4[5]! << 8);
  if (h4[1] === EventCode.CommandStatus && h4.length >= 7) return h4[5]! | (h4[6]! << 8);
  return null;
}

/** Byte index of Own_Address_Type inside an H4 command packet of these opcodes (header 4 octets). */
const ownAddressTypeIndex = new Map<number, number>([
  [Opcode.LeSetAdvertisingParameters, 4 + 5],
  [Opcode.LeSetScanParameters, 4 + 5],
  [Opcode.LeCreateConnection, 4 + 12],
]);

export function connectExternalController(options: ExternalControllerOptions): ExternalController {
  const name = formatHciTransportSpec(options.spec);
  const timeoutMs = options.timeoutMs ?? 2000;
  const { port1: bridgePort, port2: hostPort } = new MessageChannel();
  let stream: ControllerStream | null = null;
  let closed = false;
  /** Answers to our own commands are swallowed; the waiter gets the packet. */
  const waiters = new Map<number, (h4: Uint8Array) => void>();
  let forwarding = false;
  let randomAddress: Uint8Array | null = null;
  /** The public address written with Zephyr's Write BD_ADDR (lost by every HCI_Reset). */
  let writtenAddress: Uint8Array | null = null;
  let addressFix: AddressFix = 'none';

  const toHost = (h4: Uint8Array): void => {
    const opcode = answeredOpcode(h4);
    if (opcode !== null) {
      const waiter = waiters.get(opcode);
      if (waiter !== undefined) {
        waiters.delete(opcode);
        waiter(h4);
        return;
      }
    }
    if (!forwarding) return; // Stale traffic from before our Reset.
    if (randomAddress !== null && opcode === Opcode.ReadBdAddr && h4[1] === EventCode.CommandComplete && h4.length >= 13) {
      h4 = h4.slice();
      h4.set(randomAddress, 7);
    }
    bridgePort.postMessage(h4);
  };
  const parser = new H4StreamParser('host', toHost);

  const ask = (opcode: number, parameters?: Uint8Array): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      if (stream === null || closed) return reject(new HciTransportError('hci_controller_closed', `${name}: closed`));
      const timer = setTimeout(() => {
        waiters.delete(opcode);
        reject(new HciTransportError('hci_controller_timeout', `${name}: no answer to HCI command 0x${opcode.toString(16).padStart(4, '0')} within ${timeoutMs} ms (controller absent, wrong baud rate, or not an H4 controller?)`));
      }, timeoutMs);
      waiters.set(opcode, (h4) => {
        clearTimeout(timer);
        resolve(h4);
      });
      stream.write(command(opcode, parameters));
    });
  /** Status octet of a Command_Complete (first return parameter) or Command_Status; null if absent. */
  const statusOf = (h4: Uint8Array): number | null => (h4[1] === EventCode.CommandComplete ? h4[6] : h4[3]) ?? null;
  const refused = (message: string): HciTransportError => new HciTransportError('hci_controller_refused', `${name}: ${message}`);
  /** Return parameters of our command's Command_Complete: at least `length` octets, Status success. */
  const returned = (h4: Uint8Array, command: string, length: number): Uint8Array => {
    if (h4[1] !== EventCode.CommandComplete) throw refused(`${command} answered with Command_Status 0x${hex(statusOf(h4))}, not Command_Complete`);
    const parameters = h4.subarray(6);
    // An error answer may carry the Status alone (Unknown HCI Command does): Status first.
    if (parameters.length > 0 && parameters[0] !== HciStatus.Success) throw refused(`${command} status 0x${hex(parameters[0]!)}`);
    if (parameters.length < length) throw refused(`${command} answered with ${parameters.length} octets of return parameters, ${length} expected (truncated Command_Complete)`);
    return parameters;
  };

  const fromHost = (message: unknown): void => {
    if (!(message instanceof Uint8Array) || message.length > h4PacketBytesMax || stream === null) return;
    let h4 = message;
    const opcode = h4[0] === H4PacketType.Command && h4.length >= 4 ? h4[1]! | (h4[2]! << 8) : null;
    if (randomAddress !== null && opcode !== null) {
      const index = ownAddressTypeIndex.get(opcode);
      if (index !== undefined && h4.length > index) {
        h4 = h4.slice();
        h4[index] = h4[index]! | 0x01; // public → random, RPA-from-public → RPA-from-random
      }
    }
    if (opcode === Opcode.Reset && (randomAddress !== null || writtenAddress !== null)) {
      // A host's own Reset makes the controller forget the address the bridge set (the random
      // address; a Zephyr controller's written BD_ADDR). Hold the Reset's answer, set the address
      // again, then let the host see the answer: its next command finds the address in place.
      waiters.set(Opcode.Reset, (answer) => {
        const again = writtenAddress !== null ? ask(Opcode.ZephyrWriteBdAddr, writtenAddress) : ask(Opcode.LeSetRandomAddress, randomAddress!);
        void again.catch(() => undefined).then(() => closed || bridgePort.postMessage(answer));
      });
    }
    stream.write(h4);
  };

  /** LE buffers, or the BR/EDR ones when LE reports none; refused unless ≥ 27 octets × ≥ 1 packet. */
  const readBuffers = async (): Promise<Pick<ExternalControllerInfo, 'leAclDataPacketLength' | 'totalNumLeAclDataPackets' | 'aclBuffersFrom'>> => {
    const le = returned(await ask(Opcode.LeReadBufferSize), 'HCI_LE_Read_Buffer_Size', 4);
    let length = le[1]! | (le[2]! << 8);
    let count = le[3]!;
    let from: ExternalControllerInfo['aclBuffersFrom'] = 'LE_Read_Buffer_Size';
    if (length === 0 && count === 0) {
      const shared = returned(await ask(Opcode.ReadBufferSize), 'HCI_Read_Buffer_Size', 8);
      length = shared[1]! | (shared[2]! << 8);
      count = shared[4]! | (shared[5]! << 8);
      from = 'Read_Buffer_Size';
    }
    if (length < leAclDataPacketLengthMin || count === 0) {
      throw refused(`HCI_${from} reports ACL buffers of ${length} octets × ${count} packets; a host needs at least ${leAclDataPacketLengthMin} octets × 1 packet (bleno and noble would never send ACL)`);
    }
    return { leAclDataPacketLength: length, totalNumLeAclDataPackets: count, aclBuffersFrom: from };
  };

  const ready = (async (): Promise<ExternalControllerInfo> => {
    stream = await openControllerStream(options.spec, timeoutMs);
    if (closed) {
      stream.close();
      throw new HciTransportError('hci_controller_closed', `${name}: closed while opening`);
    }
    stream.onData((chunk) => parser.push(chunk));
    stream.onClose(() => {
      // The controller went away: the host's port closes (its pending commands never complete).
      if (!closed) bridgePort.close();
    });
    returned(await ask(Opcode.Reset), 'HCI_Reset', 1);
    let wire: Uint8Array = returned(await ask(Opcode.ReadBdAddr), 'HCI_Read_BD_ADDR', 7).slice(1, 7);
    let addressType: 'public' | 'random' = 'public';
    if (wire.every((octet) => octet === 0)) {
      const wanted = derivedAddress(options.seed, options.label, 'public');
      const written = await ask(Opcode.ZephyrWriteBdAddr, wanted);
      if (written[1] === EventCode.CommandComplete && statusOf(written) === HciStatus.Success) {
        wire = returned(await ask(Opcode.ReadBdAddr), 'HCI_Read_BD_ADDR', 7).slice(1, 7);
        writtenAddress = wanted;
        addressFix = 'zephyr_write_bd_addr';
      } else {
        const random = derivedAddress(options.seed, options.label, 'random_static');
        returned(await ask(Opcode.LeSetRandomAddress, random), 'all-zero BD_ADDR and HCI_LE_Set_Random_Address', 1);
        randomAddress = random;
        wire = random;
        addressType = 'random';
        addressFix = 'random_static';
      }
    }
    const buffers = await readBuffers();
    forwarding = true;
    bridgePort.on('message', fromHost);
    return { spec: name, address: formatBdAddr(wire), addressType, addressFix, ...buffers };
  })();
  ready.catch(() => undefined); // Observed by the caller.

  return {
    port: hostPort,
    ready,
    parserStats: parser.stats,
    close(): void {
      if (closed) return;
      closed = true;
      bridgePort.off('message', fromHost);
      bridgePort.close();
      // A UART (or pty) has no "peer closed": a controller left advertising or connected would
      // stay on the air as a ghost. Reset it on the way out, as the kernel does on hciconfig down.
      stream?.close(forwarding ? command(Opcode.Reset) : undefined);
    },
  };
}
