/**
 * The BLE adapter interface a React Native or Capacitor BLE library implements so the SDK runs on
 * it (docs/SDK.md, "Your own BLE library"; an example against react-native-ble-plx's shape:
 * ./examples/react-native-ble-plx-adapter.ts). It is the least a native BLE stack offers: scan
 * with RSSI and manufacturer data, connect with an MTU request, read, write with and without
 * response, disconnect. `adapterTransport` turns it into the SDK's `Transport`:
 *
 * - scan: the adapter reports every advertisement it hears; the transport keeps, per device, the
 *   strongest RSSI in the window, and the lock id from the manufacturer data (company 0xFFFF, then
 *   the lock id) or, when the stack hides it (iOS hides nothing here, but some wrappers do), from
 *   the `lk-…` local name matched against the ids the phone holds keys for.
 * - a write the lock refuses must reject with an error carrying `attError` (the ATT code, 0x80 for
 *   the lock's refusal) when the library exposes it, else any error whose `name` is
 *   'NotSupportedError' or whose `attError` is set; the unlock client then reads the signed result.
 * - every call races a deadline (`transport_timeout`); a dropped link is `transport_disconnected`.
 */
import { toHex } from '../protocol/bytes.ts';
import { characteristicUuids, latchkeyServiceUuid, lockNameOf, manufacturerCompanyId, type CharacteristicName } from '../protocol/gatt.ts';
import { AttError, TransportError, type Advertisement, type GattConnection, type LinkStats, type Transport } from '../radio/transport.ts';

/** One advertisement as a native BLE library reports it. */
export interface AdapterAdvertisement {
  deviceId: string;
  rssi: number;
  /** Manufacturer Specific Data with the company id first (little-endian), as Android and iOS give it. */
  manufacturerData?: Uint8Array | null;
  localName?: string | null;
}

export interface BleAdapter {
  /** Starts scanning for the latchkey service; calls `onAdvertisement` for every report until `stopScan`. */
  startScan(serviceUuids: readonly string[], onAdvertisement: (advert: AdapterAdvertisement) => void): Promise<void> | void;
  stopScan(): Promise<void> | void;
  /** Connects and discovers services; resolves with the negotiated ATT MTU. */
  connect(deviceId: string, options: { mtu: number; timeoutMs: number }): Promise<{ mtu: number }>;
  read(deviceId: string, serviceUuid: string, characteristicUuid: string): Promise<Uint8Array>;
  write(deviceId: string, serviceUuid: string, characteristicUuid: string, value: Uint8Array, withResponse: boolean): Promise<void>;
  disconnect(deviceId: string): Promise<void>;
  /** Clock (ms since the epoch); default Date.now. */
  now?(): number;
  /** Waits `ms` (a scan window); default setTimeout. */
  sleep?(ms: number): Promise<void>;
}

export interface AdapterTransportOptions {
  /** Lock ids the phone holds keys for: resolve `lk-…` names when manufacturer data is hidden. */
  knownLockIds?: () => readonly Uint8Array[];
  /** Deadline of a read or write (default 4 s). */
  operationTimeoutMs?: number;
}

const attRefused = 0x80;
const attHeaderBytes = 3;

function lockIdOf(advert: AdapterAdvertisement, known: readonly Uint8Array[]): Uint8Array | undefined {
  const data = advert.manufacturerData;
  if (data && data.length >= 3 && data.length <= 18 && (data[0]! | (data[1]! << 8)) === manufacturerCompanyId) return Uint8Array.from(data.subarray(2));
  const name = advert.localName?.toLowerCase();
  return name ? known.find((id) => lockNameOf(id) === name) : undefined;
}

function deadline<T>(promise: Promise<T>, ms: number, what: string, sleep: (ms: number) => Promise<void>): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new TransportError('transport_timeout', `${what}: no answer in ${ms} ms`)))]);
}

function failure(error: unknown, what: string): unknown {
  if (error instanceof TransportError || error instanceof AttError) return error;
  const attError = (error as { attError?: unknown } | null)?.attError;
  if (typeof attError === 'number') return new AttError(attError);
  if (error instanceof Error && error.name === 'NotSupportedError') return new AttError(attRefused);
  return new TransportError('transport_disconnected', `${what}: ${error instanceof Error ? error.message : String(error)}`);
}

export function adapterTransport(adapter: BleAdapter, options: AdapterTransportOptions = {}): Transport {
  const now = () => adapter.now?.() ?? Date.now();
  const sleep = (ms: number) => adapter.sleep?.(ms) ?? new Promise<void>((resolve) => setTimeout(resolve, ms));
  const operationMs = options.operationTimeoutMs ?? 4_000;
  return {
    now,
    async scan(durationMs) {
      const heard = new Map<string, Advertisement>();
      const known = options.knownLockIds?.() ?? [];
      try {
        await adapter.startScan([latchkeyServiceUuid], (advert) => {
          const lockId = lockIdOf(advert, known);
          if (lockId === undefined || !Number.isFinite(advert.rssi)) return; // not a latchkey lock
          const previous = heard.get(advert.deviceId);
          if (previous === undefined || advert.rssi > previous.rssiDbm) heard.set(advert.deviceId, { deviceId: advert.deviceId, lockId, rssiDbm: advert.rssi });
        });
      } catch (error) {
        throw new TransportError('transport_unsupported', `scan: ${error instanceof Error ? error.message : String(error)}`);
      }
      try {
        await sleep(durationMs);
      } finally {
        await adapter.stopScan();
      }
      return [...heard.values()].sort((a, b) => b.rssiDbm - a.rssiDbm || (toHex(a.lockId) < toHex(b.lockId) ? -1 : 1));
    },
    async connect(deviceId, connectOptions) {
      let mtu: number;
      try {
        ({ mtu } = await deadline(adapter.connect(deviceId, connectOptions), connectOptions.timeoutMs, 'connect', sleep));
      } catch (error) {
        await adapter.disconnect(deviceId).catch(() => undefined);
        throw failure(error, 'connect');
      }
      return new AdapterConnection(adapter, deviceId, Math.min(mtu, connectOptions.mtu), operationMs, sleep);
    },
  };
}

class AdapterConnection implements GattConnection {
  readonly deviceId: string;
  readonly mtu: number;
  private readonly adapter: BleAdapter;
  private readonly operationMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly counters: LinkStats = { roundTrips: 0, commands: 0, bytesOnAir: 0, packets: 0 };

  constructor(adapter: BleAdapter, deviceId: string, mtu: number, operationMs: number, sleep: (ms: number) => Promise<void>) {
    this.adapter = adapter;
    this.deviceId = deviceId;
    this.mtu = mtu;
    this.operationMs = operationMs;
    this.sleep = sleep;
  }

  /** One operation at a time: ATT allows one outstanding request per bearer. */
  private enqueue<T>(what: string, operation: () => Promise<T>): Promise<T> {
    const run = () => deadline(operation(), this.operationMs, what, this.sleep).catch((error: unknown) => Promise.reject(failure(error, what)));
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  read(characteristic: CharacteristicName): Promise<Uint8Array> {
    return this.enqueue(`read ${characteristic}`, async () => {
      const value = await this.adapter.read(this.deviceId, latchkeyServiceUuid, characteristicUuids[characteristic]);
      this.count(true, value.length);
      return value;
    });
  }

  write(characteristic: CharacteristicName, data: Uint8Array, withResponse: boolean): Promise<void> {
    const value = data.slice();
    return this.enqueue(`write ${characteristic}`, async () => {
      this.count(withResponse, value.length);
      await this.adapter.write(this.deviceId, latchkeyServiceUuid, characteristicUuids[characteristic], value, withResponse);
    });
  }

  async disconnect(): Promise<void> {
    await this.adapter.disconnect(this.deviceId).catch(() => undefined);
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
