/**
 * A stand-in for `@abandonware/bluetooth-hci-socket`'s BluetoothHciSocket class.
 *
 * Why: bleno and noble `require()` that native module and talk raw HCI through one object
 * (`bindRaw`, `start`, `setFilter`, `write`, event `data`). This class offers the same surface
 * but moves the packets through a backend — normally a MessagePort to a virtual controller — so
 * the unmodified packages run where the kernel has no Bluetooth. Which backend the next socket
 * gets is set with `bindNextHciSocket()` before bleno/noble bind their socket, because their
 * constructors take no arguments; the socket claims it in `bindRaw`/`bindUser`, not in its
 * constructor, because bleno also opens a management socket (`bindControl`, used only to load
 * pairing keys) at require time — that one gets no backend and stays silent. The raw-socket filter (type mask, event mask, opcode) is applied as the Linux
 * kernel's hci_sock filter does, so hosts see what they would see on a real adapter.
 */
import { EventEmitter } from 'node:events';
import { EventCode } from '../codec/constants.ts';
import { createAttGuard } from './att-guard.ts';

/** The two-method packet contract between a host socket and whatever carries its packets. */
export interface HciSocketBackend {
  /** Begins delivering controller→host H4 packets to `onPacket`. */
  open(onPacket: (h4: Uint8Array) => void): void;
  /** Sends one host→controller H4 packet. */
  send(h4: Uint8Array): void;
  /** Stops delivery; the backend may be reopened. */
  pause(): void;
  /** Releases the transport for good. */
  close(): void;
}

/** Shape of one entry of getDeviceList(), as the native module returns it. */
export interface HciDevice {
  devId: number | null;
  devUp: boolean | null;
  idVendor: number | null;
  idProduct: number | null;
  busNumber: number | null;
  deviceAddress: number | null;
}

let nextBackend: HciSocketBackend | null = null;

/** The next `new BluetoothHciSocket()` in this thread will use `backend`. */
export function bindNextHciSocket(backend: HciSocketBackend): void {
  nextBackend = backend;
}

interface SocketFilter {
  readonly typeMask: number;
  readonly eventMaskLow: number;
  readonly eventMaskHigh: number;
  readonly opcode: number;
}

/** Kernel semantics (net/bluetooth/hci_sock.c, hci_sock_filter). */
function passesFilter(filter: SocketFilter | null, h4: Uint8Array): boolean {
  if (filter === null) return true;
  const type = (h4[0] ?? 0) & 0x1f;
  if ((filter.typeMask & (1 << type)) === 0) return false;
  if (type !== 0x04) return true;
  const event = (h4[1] ?? 0) & 0x3f;
  const eventMask = event < 32 ? filter.eventMaskLow : filter.eventMaskHigh;
  if ((eventMask & (1 << (event & 31))) === 0) return false;
  if (filter.opcode === 0) return true;
  if (event === EventCode.CommandComplete) return filter.opcode === ((h4[4] ?? 0) | ((h4[5] ?? 0) << 8));
  if (event === EventCode.CommandStatus) return filter.opcode === ((h4[5] ?? 0) | ((h4[6] ?? 0) << 8));
  return true;
}

/** Management-channel sockets (bindControl) carry no HCI traffic. */
const silentBackend: HciSocketBackend = { open() {}, send() {}, pause() {}, close() {} };

export class VirtualBluetoothHciSocket extends EventEmitter {
  #backend: HciSocketBackend | null = null;
  #filter: SocketFilter | null = null;
  readonly #attGuard = createAttGuard();
  #started = false;
  #deviceId = 0;

  /** The transport this socket was bound to (undefined before bindRaw/bindUser/bindControl). */
  get backend(): HciSocketBackend | undefined {
    return this.#backend ?? undefined;
  }

  getDeviceList(): HciDevice[] {
    return [{ devId: this.#deviceId, devUp: true, idVendor: null, idProduct: null, busNumber: null, deviceAddress: null }];
  }

  isDevUp(): boolean {
    return true;
  }

  bindRaw(deviceId?: number): number {
    if (this.#backend === null) {
      if (nextBackend === null) {
        throw new Error('latchkey hci: no virtual HCI backend bound; create bleno/noble through src/hci (bindNextHciSocket)');
      }
      this.#backend = nextBackend;
      nextBackend = null;
    }
    this.#deviceId = deviceId ?? 0;
    return this.#deviceId;
  }

  bindUser(deviceId?: number): number {
    return this.bindRaw(deviceId);
  }

  bindControl(): number {
    this.#backend ??= silentBackend;
    return 0;
  }

  setFilter(filter: Buffer): void {
    if (filter.length < 14) throw new RangeError('HCI filter: expected 14+ octets');
    this.#filter = {
      typeMask: filter.readUInt32LE(0),
      eventMaskLow: filter.readUInt32LE(4),
      eventMaskHigh: filter.readUInt32LE(8),
      opcode: filter.readUInt16LE(12),
    };
  }

  start(): void {
    if (this.#started || this.#backend === null) return;
    this.#started = true;
    this.#backend.open((h4) => {
      if (!passesFilter(this.#filter, h4)) return;
      if (!this.#attGuard.admit(h4)) return; // a malformed ATT PDU would crash bleno (att-guard.ts)
      this.emit('data', Buffer.from(h4.buffer, h4.byteOffset, h4.byteLength));
    });
  }

  stop(): void {
    if (!this.#started) return;
    this.#started = false;
    this.#backend?.pause();
  }

  reset(): void {
    // The native module re-opens the device; the virtual controller needs nothing.
  }

  write(data: Buffer): void {
    this.#backend?.send(Uint8Array.from(data));
  }

  cleanup(): void {
    // Native module: forget half-open connections. Nothing to do here.
  }
}
