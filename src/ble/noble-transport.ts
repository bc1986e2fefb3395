/**
 * The phone-side `Transport` (src/radio/transport.ts) over an unmodified noble instance — on the
 * virtual HCI controller or a real adapter — so the unchanged UnlockClient runs on real stacks.
 *
 * Why each piece:
 * - scan: noble scans actively with the latchkey service UUID as filter; the lock id comes from
 *   Manufacturer Specific Data (company 0xFFFF) in the scan response, RSSI from the report.
 * - connect: noble has no connect timeout and always requests ATT_MTU 256 itself right after the
 *   connection (Gatt._desired_mtu in 1.9.2-26; there is no option). The effective MTU is
 *   min(requested, negotiated): the caller's `mtu` caps the chunking above, the air carries 256.
 *   Service and characteristic discovery follow, every step under the caller's deadline.
 * - read/write: noble calls a write answered by an ATT Error Response never back and a failed
 *   read back with an empty buffer. An ATT tap (src/hci/central/att-tap.ts) sees the Error
 *   Response first and rejects with AttError(code), at once — so the lock's refusal (0x80) costs
 *   no timeout, and the UnlockClient goes on to read the signed result from the exchange
 *   characteristic. A deadline still guards every call (TransportError 'transport_timeout').
 * - stats: round trips = ATT requests noble sent on this connection after discovery (Read Blobs
 *   included), commands = Write Commands; bytes on air and packets come from the virtual link's
 *   per-connection counters (LL data PDUs, retransmissions included; empty PDUs are not modelled).
 *   With a real adapter there are none: the transport then estimates 14 octets of LL + L2CAP
 *   overhead per ATT PDU each way and says so in `bytesOnAirSource`.
 */
import type { Characteristic, Peripheral } from '@abandonware/noble';
import { AttOpcode, CentralTimeoutError, connectionHandleOf, connectPeripheral, disconnectPeripheral, discoverCharacteristics, isAttRequest, parseAttErrorResponse, tapAtt, withDeadline } from '../hci/index.ts';
import type { AirStats, CentralHandle, Noble } from '../hci/index.ts';
import { characteristicUuids as gattUuids, latchkeyServiceUuid, shortUuid } from '../protocol/gatt.ts';
import { AttError, TransportError } from '../radio/transport.ts';
import type { Advertisement, CharacteristicName, GattConnection, LinkStats, Transport } from '../radio/transport.ts';
import { decodeLockManufacturerData } from './manufacturer-data.ts';

const serviceUuid = shortUuid(latchkeyServiceUuid);
const characteristicUuids = Object.fromEntries(Object.entries(gattUuids).map(([name, uuid]) => [name, shortUuid(uuid)])) as Record<CharacteristicName, string>;
/** ATT default MTU (Vol 3, Part F, §3.2.8). */
const attMtuDefault = 23;
/** Estimated per-PDU overhead without link counters: L2CAP header 4 + LL 10. */
const estimatedOverheadOctets = 14;

export interface NobleTransportOptions {
  readonly central: CentralHandle;
  /** Deadline for operations the caller gives none (scan start, disconnect). Default 3000 ms. */
  readonly operationTimeoutMs?: number;
}

export type BytesOnAirSource = 'virtual_link' | 'estimated_from_att';

/** Per-connection bookkeeping the ATT tap feeds. */
interface ConnectionState {
  counting: boolean;
  roundTrips: number;
  commands: number;
  attOctets: number;
  attPdus: number;
  /** Rejects the one outstanding request (ATT allows one per bearer, §3.3.2). */
  failPending: ((error: Error) => void) | null;
}

export class NobleTransport implements Transport {
  readonly central: CentralHandle;
  readonly noble: Noble;
  readonly operationTimeoutMs: number;
  readonly #peripherals = new Map<string, Peripheral>();
  readonly #connections = new Map<number, ConnectionState>();
  readonly #untap: () => void;
  /** What the phone asked of the stack, for checking a capture against (see test/ble). */
  readonly counts = { connections: 0, challengeReads: 0, exchangeReads: 0, writeRequests: 0, writeCommands: 0, writeRequestsRefused: 0 };
  /** Where `stats().bytesOnAir` of the last connection came from (null before any). */
  bytesOnAirSource: BytesOnAirSource | null = null;

  constructor(options: NobleTransportOptions) {
    this.central = options.central;
    this.noble = options.central.noble;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 3000;
    this.#untap = tapAtt(this.noble, {
      onSend: (handle, pdu) => this.#onAtt(handle, pdu, 'send'),
      onReceive: (handle, pdu) => this.#onAtt(handle, pdu, 'receive'),
    });
  }

  /** Wall clock: a BLE run happens in real time. */
  now(): number {
    return Date.now();
  }

  /** Removes the ATT tap (the noble instance itself is closed by its CentralHandle). */
  close(): void {
    this.#untap();
  }

  #onAtt(handle: number, pdu: Uint8Array, direction: 'send' | 'receive'): void {
    const state = this.#connections.get(handle);
    if (state === undefined || !state.counting || pdu.length === 0) return;
    state.attOctets += pdu.length;
    state.attPdus += 1;
    if (direction === 'send') {
      if (isAttRequest(pdu[0]!)) state.roundTrips += 1;
      else if (pdu[0] === AttOpcode.WriteCommand) state.commands += 1;
      return;
    }
    const error = parseAttErrorResponse(pdu);
    if (error !== null) state.failPending?.(new AttError(error.errorCode));
  }

  scan(durationMs: number): Promise<Advertisement[]> {
    return this.scanUntil(durationMs, () => true, 0);
  }

  /**
   * A view of this transport whose scan lasts at least `durationMs` and then goes on until the
   * lock `lockId` was heard, for at most `extendMsMax` more — what a phone app does when it
   * knows the door it wants. Over a real-time virtual link a lock that just dropped a
   * connection may be a few advertising events late (its bleno worker restarts advertising when
   * its thread next runs), and a fixed short scan would then report "not found".
   */
  targeting(lockId: Uint8Array, extendMsMax = this.operationTimeoutMs): Transport {
    const wanted = Buffer.from(lockId).toString('hex');
    return {
      now: () => this.now(),
      scan: (durationMs) => this.scanUntil(durationMs, (heard) => heard.some((advert) => Buffer.from(advert.lockId).toString('hex') === wanted), extendMsMax),
      connect: (deviceId, options) => this.connect(deviceId, options),
    };
  }

  async scanUntil(durationMs: number, enough: (heard: Advertisement[]) => boolean, extendMsMax: number): Promise<Advertisement[]> {
    const heard = new Map<string, Advertisement>();
    let wake: (() => void) | null = null;
    const onDiscover = (peripheral: Peripheral): void => {
      const lockId = decodeLockManufacturerData(peripheral.advertisement.manufacturerData);
      if (lockId === null || !peripheral.connectable) return;
      this.#peripherals.set(peripheral.id, peripheral);
      const previous = heard.get(peripheral.id);
      if (previous === undefined || peripheral.rssi > previous.rssiDbm) heard.set(peripheral.id, { deviceId: peripheral.id, lockId, rssiDbm: peripheral.rssi });
      wake?.();
    };
    this.noble.on('discover', onDiscover);
    try {
      await withDeadline<void>('scan start', this.operationTimeoutMs, (resolve, reject) => {
        this.noble.startScanning([serviceUuid], false, (error?: Error) => (error ? reject(error) : resolve()));
      });
      await sleep(durationMs);
      if (!enough([...heard.values()]) && extendMsMax > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, extendMsMax);
          wake = () => {
            if (!enough([...heard.values()])) return;
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } catch (error) {
      throw this.#transportError(error);
    } finally {
      this.noble.removeListener('discover', onDiscover);
      this.noble.stopScanning();
    }
    return [...heard.values()];
  }

  async connect(deviceId: string, options: { mtu: number; timeoutMs: number }): Promise<GattConnection> {
    const peripheral = this.#peripherals.get(deviceId);
    if (peripheral === undefined) throw new TransportError('lock_not_found', `${deviceId} not heard in a scan`);
    try {
      await connectPeripheral(peripheral, options.timeoutMs);
      const characteristics = await discoverCharacteristics(peripheral, [serviceUuid], Object.values(characteristicUuids), options.timeoutMs);
      const byName = (name: CharacteristicName): Characteristic => {
        const found = characteristics.find((characteristic) => characteristic.uuid === characteristicUuids[name]);
        if (found === undefined) throw new TransportError('transport_unsupported', `${deviceId} has no ${name} characteristic`);
        return found;
      };
      const handle = connectionHandleOf(this.noble, peripheral.id);
      if (handle === null) throw new TransportError('transport_disconnected', `${deviceId} has no connection handle`);
      return this.#open(peripheral, handle, { challenge: byName('challenge'), challenge_key: byName('challenge_key'), challenge_signed: byName('challenge_signed'), exchange: byName('exchange') }, Math.min(options.mtu, peripheral.mtu ?? attMtuDefault), options.timeoutMs);
    } catch (error) {
      await disconnectPeripheral(peripheral, this.operationTimeoutMs).catch(() => undefined);
      throw this.#transportError(error);
    }
  }

  #open(peripheral: Peripheral, handle: number, characteristics: Record<CharacteristicName, Characteristic>, mtu: number, timeoutMs: number): GattConnection {
    this.counts.connections += 1;
    const state: ConnectionState = { counting: true, roundTrips: 0, commands: 0, attOctets: 0, attPdus: 0, failPending: null };
    this.#connections.set(handle, state);
    const air: Readonly<AirStats> | null = this.central.airStatsOf(handle);
    const airBaseline = air === null ? null : { ...air };
    this.bytesOnAirSource = air === null ? 'estimated_from_att' : 'virtual_link';
    let connected = true;
    const onDisconnect = (): void => {
      connected = false;
      state.failPending?.(new TransportError('transport_disconnected', `${peripheral.id} disconnected`));
    };
    peripheral.once('disconnect', onDisconnect);
    const operate = <T>(operation: string, start: (resolve: (value: T) => void, reject: (error: unknown) => void) => void): Promise<T> => {
      if (!connected) return Promise.reject(new TransportError('transport_disconnected', `${peripheral.id} disconnected`));
      return withDeadline<T>(operation, timeoutMs, (resolve, reject) => {
        state.failPending = reject;
        start(resolve, reject);
      })
        .catch((error: unknown) => {
          throw this.#transportError(error);
        })
        .finally(() => {
          state.failPending = null;
        });
    };
    const stats = (): LinkStats => {
      const counted = { roundTrips: state.roundTrips, commands: state.commands };
      if (air !== null && airBaseline !== null) return { ...counted, bytesOnAir: air.bytesOnAir - airBaseline.bytesOnAir, packets: air.packets - airBaseline.packets };
      return { ...counted, bytesOnAir: state.attOctets + state.attPdus * estimatedOverheadOctets, packets: state.attPdus };
    };
    return {
      deviceId: peripheral.id,
      mtu,
      read: (name) => {
        if (name !== 'exchange') this.counts.challengeReads += 1;
        else this.counts.exchangeReads += 1;
        return operate<Uint8Array>(`read ${name}`, (resolve, reject) =>
          characteristics[name].read((error, data) => (error ? reject(error) : resolve(Uint8Array.from(data ?? [])))),
        );
      },
      write: (name, data, withResponse) => {
        if (data.length > mtu - 3) return Promise.reject(new RangeError(`write of ${data.length} bytes over MTU ${mtu}`));
        if (withResponse) this.counts.writeRequests += 1;
        else this.counts.writeCommands += 1;
        return operate<void>(`write ${name}`, (resolve, reject) => characteristics[name].write(Buffer.from(data), !withResponse, (error) => (error ? reject(error) : resolve()))).catch((error: unknown) => {
          if (withResponse && error instanceof AttError) this.counts.writeRequestsRefused += 1;
          throw error;
        });
      },
      disconnect: async () => {
        state.counting = false;
        peripheral.removeListener('disconnect', onDisconnect);
        this.#connections.delete(handle);
        connected = false;
        await disconnectPeripheral(peripheral, this.operationTimeoutMs).catch(() => undefined);
      },
      stats,
    };
  }

  #transportError(error: unknown): Error {
    if (error instanceof AttError || error instanceof TransportError || error instanceof RangeError) return error;
    if (error instanceof CentralTimeoutError) return new TransportError('transport_timeout', error.message);
    return new TransportError('transport_disconnected', error instanceof Error ? error.message : String(error));
  }
}

function sleep(durationMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, durationMs));
}
