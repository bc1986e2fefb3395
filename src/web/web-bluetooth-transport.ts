/**
 * `Transport` over the browser's own Web Bluetooth, so the unchanged unlock client
 * (src/phone/unlock-client.ts) runs in a page. Differences from a native central, and what this
 * file does about them:
 *
 * - No passive scan: a page may only ask the user to choose a device (`requestDevice`, inside a
 *   user gesture). `chooseLock` does that with the latchkey service filter; `scan` then reports
 *   the chosen device as the one advertisement, its lock id resolved from the device name
 *   (src/web/lock-name.ts). There is no RSSI and no advertised challenge: the client reads one.
 * - No GATT timeout: every operation races its own timer (src/web/timeout.ts).
 * - Concurrent operations on one characteristic can be answered together: operations are queued
 *   and run one at a time per connection.
 * - ATT error codes do not reach the page: a refused Write Request surfaces as NotSupportedError.
 *   It is reported as an AttError so the client reads the result, which carries the reason.
 * - No MTU is exposed: `mtu` is a fixed, conservative 185 (iOS and most Android stacks negotiate at
 *   least that; Chrome's desktop stacks 517), so every Write Without Response chunk fits.
 */
import { characteristicUuids, latchkeyServiceUuid } from '../protocol/gatt.ts';
import { AttError, TransportError, type Advertisement, type CharacteristicName, type GattConnection, type LinkStats, type Transport } from '../radio/transport.ts';
import type { BluetoothDeviceLike, BluetoothLike, BluetoothRemoteGATTCharacteristicLike } from './bluetooth-types.ts';
import type { ChooserReason } from './feedback.ts';
import { withTimeout } from './timeout.ts';

export const webMtu = 185;
/** Application-defined ATT error the lock uses for "refused" (firmware-model/lock.ts attError.refused). */
const attRefused = 0x80;
/** ATT header bytes per PDU counted in `bytesOnAir` (opcode + handle); an estimate, the browser hides the link layer. */
const attHeaderBytes = 3;

export interface WebBluetoothTimeouts {
  /** How long the user may take in the browser's device chooser. */
  chooserMs: number;
  connectMs: number;
  operationMs: number;
}

export const webBluetoothTimeoutDefaults: WebBluetoothTimeouts = { chooserMs: 120_000, connectMs: 8_000, operationMs: 4_000 };

/** Why no lock was chosen (see `chooserReasonOf`); the page shows `chooserFeedback(reason)` (src/web/feedback.ts). */
export class ChooserError extends Error {
  readonly reason: ChooserReason;
  constructor(reason: ChooserReason, message: string) {
    super(message);
    this.name = 'ChooserError';
    this.reason = reason;
  }
}

/**
 * How Chromium ends a `requestDevice` that chose nothing (messages from Blink's Web Bluetooth error
 * map; DOMException messages are not localised). Observed in Chromium 156 (test/web/bluetooth-state.test.ts):
 *
 *   SecurityError "… Access to the feature "bluetooth" is disallowed by permissions policy."  → 'policy_blocked'
 *   NotFoundError "User or their enterprise policy has disabled Web Bluetooth."  (site setting Block) → 'denied'
 *   NotFoundError "Bluetooth adapter not available."                    (no usable adapter)    → 'bluetooth_off'
 *   NotFoundError "User cancelled the requestDevice() chooser."         (chooser closed)       → 'cancelled'
 *
 * Also mapped, not reproducible here: "Web Bluetooth API globally disabled." and "User denied the
 * browser permission to scan for Bluetooth devices." (Android's Nearby devices / Location) → 'denied'.
 * `getAvailability()` is no help in telling these apart: it is false for a blocked site as well as
 * for a missing adapter. It is only the fallback for a NotFoundError with an unknown message.
 */
export function chooserReasonOf(error: { name: string; message: string }, available: boolean | undefined): ChooserReason | undefined {
  const { name, message } = error;
  if (name === 'SecurityError') return /permissions? policy/i.test(message) ? 'policy_blocked' : 'denied';
  if (name === 'NotAllowedError') return 'denied';
  if (name !== 'NotFoundError') return undefined;
  if (/adapter not available/i.test(message)) return 'bluetooth_off';
  if (/disabled Web Bluetooth|globally disabled|denied the browser permission/i.test(message)) return 'denied';
  if (/cancell?ed/i.test(message)) return 'cancelled';
  return available === false ? 'bluetooth_off' : 'no_device';
}

const chooserMessages: Record<ChooserReason, string> = {
  no_device: 'no lock chosen',
  cancelled: 'the chooser was closed without a lock',
  denied: 'Bluetooth permission denied',
  policy_blocked: 'this page may not use Bluetooth (permissions policy)',
  bluetooth_off: 'Bluetooth is off or unavailable',
};

export class WebBluetoothTransport implements Transport {
  private readonly bluetooth: BluetoothLike;
  private readonly timeouts: WebBluetoothTimeouts;
  private chosen: { device: BluetoothDeviceLike; lockId: Uint8Array } | undefined;

  constructor(options: { bluetooth: BluetoothLike; timeouts?: Partial<WebBluetoothTimeouts> }) {
    this.bluetooth = options.bluetooth;
    this.timeouts = { ...webBluetoothTimeoutDefaults, ...options.timeouts };
  }

  now(): number {
    return Date.now();
  }

  /**
   * Opens the browser's chooser for latchkey locks. Call it synchronously from a click or key
   * handler (a user gesture), before any other await, or the browser refuses with SecurityError.
   * `names` (src/web/lock-name.ts: the guest's doors, or the one door tapped) narrow the chooser to
   * those locks, so a neighbour's door is never listed; without, every latchkey lock in range.
   */
  async chooseLock(names?: readonly string[]): Promise<BluetoothDeviceLike> {
    const filters = names === undefined || names.length === 0 ? [{ services: [latchkeyServiceUuid] }] : names.map((name) => ({ services: [latchkeyServiceUuid], name }));
    const request = this.bluetooth.requestDevice({ filters });
    try {
      return await withTimeout(request, this.timeouts.chooserMs, 'device chooser');
    } catch (error) {
      throw await this.chooserFailure(error);
    }
  }

  private async chooserFailure(error: unknown): Promise<unknown> {
    if (!(error instanceof Error)) return error;
    // Only an unrecognised NotFoundError needs the adapter's availability (asked after the chooser, so the click's activation was already used).
    const known = chooserReasonOf(error, undefined);
    const reason = known === 'no_device' ? chooserReasonOf(error, await this.bluetooth.getAvailability().catch(() => undefined)) : known;
    return reason === undefined ? error : new ChooserError(reason, `${chooserMessages[reason]} (${error.name}: ${error.message})`);
  }

  /** The device `scan` reports next, with the lock id its name resolved to. */
  useDevice(device: BluetoothDeviceLike, lockId: Uint8Array): void {
    this.chosen = { device, lockId };
  }

  async scan(_durationMs: number): Promise<Advertisement[]> {
    if (this.chosen === undefined) return [];
    // Web Bluetooth reports no RSSI for a chosen device: the user chose it, so it is in range.
    return [{ deviceId: this.chosen.device.id, lockId: this.chosen.lockId, rssiDbm: 0 }];
  }

  async connect(deviceId: string, options: { mtu: number; timeoutMs: number }): Promise<GattConnection> {
    const device = this.chosen?.device;
    if (device === undefined || device.id !== deviceId || device.gatt === undefined) throw new TransportError('lock_not_found', `device ${deviceId} was not chosen`);
    const gatt = device.gatt;
    const connectMs = Math.min(this.timeouts.connectMs, Math.max(options.timeoutMs, 1_000));
    try {
      const server = await withTimeout(gatt.connect(), connectMs, 'connect');
      const service = await withTimeout(server.getPrimaryService(latchkeyServiceUuid), this.timeouts.operationMs, 'service discovery');
      const found = {} as Record<CharacteristicName, BluetoothRemoteGATTCharacteristicLike>;
      for (const [name, uuid] of Object.entries(characteristicUuids) as [CharacteristicName, string][]) {
        found[name] = await withTimeout(service.getCharacteristic(uuid), this.timeouts.operationMs, `${name} characteristic`);
      }
      return new WebBluetoothConnection(device, found, this.timeouts.operationMs);
    } catch (error) {
      if (gatt.connected) gatt.disconnect();
      throw transportFailure(error, 'connect');
    }
  }
}

/** One GATT connection; operations run strictly one after another. */
class WebBluetoothConnection implements GattConnection {
  readonly deviceId: string;
  readonly mtu = webMtu;
  private readonly device: BluetoothDeviceLike;
  private readonly characteristics: Record<CharacteristicName, BluetoothRemoteGATTCharacteristicLike>;
  private readonly operationMs: number;
  private queue: Promise<unknown> = Promise.resolve();
  private connected = true;
  private readonly counters: LinkStats = { roundTrips: 0, commands: 0, bytesOnAir: 0, packets: 0 };
  private readonly onDisconnected = (): void => {
    this.connected = false;
  };

  constructor(device: BluetoothDeviceLike, characteristics: Record<CharacteristicName, BluetoothRemoteGATTCharacteristicLike>, operationMs: number) {
    this.device = device;
    this.deviceId = device.id;
    this.characteristics = characteristics;
    this.operationMs = operationMs;
    device.addEventListener('gattserverdisconnected', this.onDisconnected);
  }

  private enqueue<T>(what: string, operation: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (!this.connected) throw new TransportError('transport_disconnected', `${what}: not connected`);
      return withTimeout(operation(), this.operationMs, what);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  read(characteristic: CharacteristicName): Promise<Uint8Array> {
    return this.enqueue(`read ${characteristic}`, async () => {
      try {
        const view = await this.characteristics[characteristic].readValue();
        const value = new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
        this.count(true, value.length);
        return value;
      } catch (error) {
        throw transportFailure(error, `read ${characteristic}`);
      }
    });
  }

  write(characteristic: CharacteristicName, data: Uint8Array, withResponse: boolean): Promise<void> {
    const value = data.slice(); // never hand the caller's buffer to the browser
    return this.enqueue(`write ${characteristic}`, async () => {
      try {
        if (withResponse) await this.characteristics[characteristic].writeValueWithResponse(value);
        else await this.characteristics[characteristic].writeValueWithoutResponse(value);
        this.count(withResponse, value.length);
      } catch (error) {
        this.count(withResponse, value.length);
        // The lock refused the request (the browser hides the ATT code): the result says why.
        if (withResponse && error instanceof Error && error.name === 'NotSupportedError') throw new AttError(attRefused);
        throw transportFailure(error, `write ${characteristic}`);
      }
    });
  }

  async disconnect(): Promise<void> {
    this.device.removeEventListener('gattserverdisconnected', this.onDisconnected);
    this.connected = false;
    if (this.device.gatt?.connected) this.device.gatt.disconnect();
  }

  stats(): LinkStats {
    return { ...this.counters };
  }

  private count(roundTrip: boolean, valueBytes: number): void {
    if (roundTrip) this.counters.roundTrips++;
    else this.counters.commands++;
    this.counters.packets += roundTrip ? 2 : 1;
    this.counters.bytesOnAir += valueBytes + attHeaderBytes * (roundTrip ? 2 : 1);
  }
}

function transportFailure(error: unknown, what: string): unknown {
  if (error instanceof TransportError || error instanceof AttError) return error;
  if (error instanceof Error) return new TransportError('transport_disconnected', `${what}: ${error.name}: ${error.message}`);
  return error;
}
