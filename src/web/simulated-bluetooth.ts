/**
 * Simulator mode (`/ik/<code>?sim=<token>`, linked from the door dashboard): a Web Bluetooth
 * implementation — the `BluetoothLike` slice the page uses — bridged over a WebSocket (`/sim/ws`,
 * src/server/routes/simulator.ts) to the server's virtual radio, for a laptop without Bluetooth.
 * The page's own `WebBluetoothTransport` runs on it unchanged, so simulator mode exercises the same
 * code path as a phone; only the radio underneath is virtual. The production page never uses this:
 * only `?sim=` selects it, and `navigator.bluetooth` is never replaced.
 *
 * What it does as a browser would:
 * - `requestDevice` is the "chooser": a scan (300 ms of virtual radio) from where the simulated phone
 *   stands, keeping latchkey locks that match the filters; the strongest is chosen. Nothing heard →
 *   NotFoundError "User cancelled the requestDevice() chooser." (what a guest closing an empty
 *   chooser produces in Chrome).
 * - A refused Write Request (an ATT error) → NotSupportedError; a lost link → NetworkError and a
 *   `gattserverdisconnected` event on the device.
 * Every radio answer carries `virtual_ms`; `radioTimeMs()` sums them (tap → answer in radio time).
 */
import { characteristicUuids, latchkeyServiceUuid, type CharacteristicName } from '../protocol/gatt.ts';
import { fromBase64Url, toBase64Url } from './base64url.ts';
import type {
  BluetoothDeviceLike,
  BluetoothLike,
  BluetoothRemoteGATTCharacteristicLike,
  BluetoothRemoteGATTServerLike,
  BluetoothRemoteGATTServiceLike,
  RequestDeviceOptionsLike,
} from './bluetooth-types.ts';
import { lockNameOf } from './lock-name.ts';

export interface SimulatedDoor {
  deviceId: string;
  name: string;
}

type Answer = { id: number; ok: boolean; virtual_ms?: number; failure?: { transport?: string; att_error?: number }; error?: { type: string; message: string } } & Record<string, unknown>;

const chooserScanMs = 300;
/** The MTU the simulated central asks for (Chrome's desktop stacks: 517; the page itself assumes 185). */
const centralMtu = 517;
const connectTimeoutMs = 8_000;

/** The server closed the simulator session (unknown token, revoked link, server restart). */
export class SimulatorUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatorUnavailable';
  }
}

export class SimulatedBluetooth implements BluetoothLike {
  private readonly socket: WebSocket;
  private readonly pending = new Map<number, { resolve(answer: Answer): void; reject(error: Error): void }>();
  private nextId = 1;
  private virtualMs = 0;
  private closed: string | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.addEventListener('message', (event) => this.onMessage(String(event.data)));
    socket.addEventListener('close', (event) => {
      this.closed = event.reason || `closed (${event.code})`;
      for (const waiting of this.pending.values()) waiting.reject(new SimulatorUnavailable(this.closed));
      this.pending.clear();
    });
  }

  /** Opens the simulator session for `token`; rejects when the server refuses it. */
  static open(token: string, origin = location.origin): Promise<SimulatedBluetooth> {
    const socket = new WebSocket(`${origin.replace(/^http/, 'ws')}/sim/ws?token=${encodeURIComponent(token)}`);
    return new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(new SimulatedBluetooth(socket)), { once: true });
      socket.addEventListener('error', () => reject(new SimulatorUnavailable('the simulator refused this link')), { once: true });
    });
  }

  /** Virtual radio time the server's radio spent on this page's operations so far. */
  radioTimeMs(): number {
    return this.virtualMs;
  }

  /** One request; answers are matched by id (the server runs them in order). */
  call(op: string, args: Record<string, unknown> = {}): Promise<Answer> {
    if (this.closed !== undefined) return Promise.reject(new SimulatorUnavailable(this.closed));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, op, ...args }));
    });
  }

  private onMessage(text: string): void {
    let answer: Answer;
    try {
      answer = JSON.parse(text) as Answer;
    } catch {
      return;
    }
    const waiting = this.pending.get(answer.id);
    if (waiting === undefined) return;
    this.pending.delete(answer.id);
    if (typeof answer.virtual_ms === 'number') this.virtualMs += answer.virtual_ms;
    if (answer.ok) waiting.resolve(answer);
    else waiting.reject(new SimulatorUnavailable(answer.error?.message ?? 'simulator error'));
  }

  async session(): Promise<{ doors: SimulatedDoor[]; standing: string | undefined }> {
    const answer = await this.call('session');
    const doors = answer['doors'] as { device_id: string; name: string }[];
    return { doors: doors.map((door) => ({ deviceId: door.device_id, name: door.name })), standing: (answer['standing'] as string | null) ?? undefined };
  }

  /** The phone walks to this virtual door (undefined: away from every door). */
  async stand(deviceId: string | undefined): Promise<void> {
    await this.call('stand', { device_id: deviceId ?? null });
  }

  async getAvailability(): Promise<boolean> {
    return this.closed === undefined;
  }

  async requestDevice(options: RequestDeviceOptionsLike): Promise<BluetoothDeviceLike> {
    const answer = await this.call('scan', { duration_ms: chooserScanMs });
    const heard = (answer['advertisements'] as { device_id: string; lock_id: string; rssi_dbm: number }[])
      .map((advert) => ({ id: advert.device_id, name: lockNameOf(fromBase64Url(advert.lock_id)), rssiDbm: advert.rssi_dbm }))
      .filter((device) => options.filters.some((filter) => matches(filter, device.name)))
      .sort((a, b) => b.rssiDbm - a.rssiDbm);
    const chosen = heard[0];
    if (chosen === undefined) throw new DOMException('User cancelled the requestDevice() chooser.', 'NotFoundError');
    return new SimulatedDevice(this, chosen.id, chosen.name);
  }
}

/** Every advertiser on the virtual radio is a latchkey lock, so a service filter is latchkey's or nothing. */
function matches(filter: RequestDeviceOptionsLike['filters'][number], name: string): boolean {
  if (filter.services !== undefined && !filter.services.every((uuid) => uuid.toLowerCase() === latchkeyServiceUuid.toLowerCase())) return false;
  if (filter.name !== undefined && filter.name !== name) return false;
  if (filter.namePrefix !== undefined && !name.startsWith(filter.namePrefix)) return false;
  return true;
}

class SimulatedDevice extends EventTarget implements BluetoothDeviceLike {
  readonly id: string;
  readonly name: string;
  readonly gatt: SimulatedGattServer;

  constructor(bluetooth: SimulatedBluetooth, id: string, name: string) {
    super();
    this.id = id;
    this.name = name;
    this.gatt = new SimulatedGattServer(bluetooth, this);
  }
}

class SimulatedGattServer implements BluetoothRemoteGATTServerLike {
  private readonly bluetooth: SimulatedBluetooth;
  private readonly device: SimulatedDevice;
  private connectionId: number | undefined;

  constructor(bluetooth: SimulatedBluetooth, device: SimulatedDevice) {
    this.bluetooth = bluetooth;
    this.device = device;
  }

  get connected(): boolean {
    return this.connectionId !== undefined;
  }

  async connect(): Promise<BluetoothRemoteGATTServerLike> {
    if (this.connectionId !== undefined) return this;
    const answer = await this.bluetooth.call('connect', { device_id: this.device.id, mtu: centralMtu, timeout_ms: connectTimeoutMs });
    if (answer.failure !== undefined) throw new DOMException('Connection failed for unknown reason.', 'NetworkError');
    this.connectionId = answer['connection_id'] as number;
    return this;
  }

  disconnect(): void {
    const id = this.connectionId;
    if (id === undefined) return;
    this.connectionId = undefined;
    void this.bluetooth.call('disconnect', { connection_id: id }).catch(() => undefined);
    this.device.dispatchEvent(new Event('gattserverdisconnected'));
  }

  async getPrimaryService(uuid: string): Promise<BluetoothRemoteGATTServiceLike> {
    if (this.connectionId === undefined) throw new DOMException('GATT Server is disconnected. Cannot retrieve services.', 'NetworkError');
    if (uuid.toLowerCase() !== latchkeyServiceUuid.toLowerCase()) throw new DOMException(`No Services matching UUID ${uuid} found in Device.`, 'NotFoundError');
    return { getCharacteristic: async (characteristic: string) => new SimulatedCharacteristic(this, characteristicName(characteristic)) };
  }

  /** A radio operation on this connection; a lost link ends it as the browser would. */
  async operate(op: 'read' | 'write', args: Record<string, unknown>): Promise<Answer> {
    const id = this.connectionId;
    if (id === undefined) throw new DOMException('GATT Server is disconnected. Cannot perform GATT operations.', 'NetworkError');
    const answer = await this.bluetooth.call(op, { connection_id: id, ...args });
    if (answer.failure?.att_error !== undefined) throw new DOMException('GATT operation failed for unknown reason.', 'NotSupportedError');
    if (answer.failure !== undefined) {
      if (this.connectionId === id) {
        this.connectionId = undefined;
        this.device.dispatchEvent(new Event('gattserverdisconnected'));
      }
      throw new DOMException('GATT Server is disconnected. Cannot perform GATT operations.', 'NetworkError');
    }
    return answer;
  }
}

function characteristicName(uuid: string): CharacteristicName {
  for (const [name, known] of Object.entries(characteristicUuids) as [CharacteristicName, string][]) if (uuid.toLowerCase() === known) return name;
  throw new DOMException(`No Characteristics matching UUID ${uuid} found in Service.`, 'NotFoundError');
}

class SimulatedCharacteristic implements BluetoothRemoteGATTCharacteristicLike {
  private readonly server: SimulatedGattServer;
  private readonly name: CharacteristicName;

  constructor(server: SimulatedGattServer, name: CharacteristicName) {
    this.server = server;
    this.name = name;
  }

  async readValue(): Promise<DataView> {
    const answer = await this.server.operate('read', { characteristic: this.name });
    const bytes = fromBase64Url(answer['value'] as string);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async writeValueWithResponse(value: BufferSource): Promise<void> {
    await this.server.operate('write', { characteristic: this.name, value: toBase64Url(bytesOf(value)), with_response: true });
  }

  async writeValueWithoutResponse(value: BufferSource): Promise<void> {
    await this.server.operate('write', { characteristic: this.name, value: toBase64Url(bytesOf(value)), with_response: false });
  }
}

function bytesOf(value: BufferSource): Uint8Array {
  return value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
