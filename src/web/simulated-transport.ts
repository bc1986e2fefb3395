/**
 * Simulator mode (`/ik/<code>?sim=<token>`, linked from the door dashboard): a `Transport` over the
 * server's virtual radio (src/server/routes/simulator.ts) instead of Web Bluetooth, for a laptop
 * without Bluetooth. The page is one simulated phone; the guest "walks" to a virtual door
 * (`stand`), and the "chooser" is a scan from where the phone stands: the strongest latchkey lock
 * heard (with a name, only that door). The unchanged unlock client then scans, connects, reads and
 * writes through the server, one request at a time. Only used with `?sim=`; the production page
 * always uses the browser's own navigator.bluetooth.
 */
import { AttError, TransportError, type Advertisement, type CharacteristicName, type GattConnection, type LinkStats, type Transport } from '../radio/transport.ts';
import { fromBase64Url, toBase64Url } from './base64url.ts';
import { lockNameOf } from './lock-name.ts';
import { ChooserError } from './web-bluetooth-transport.ts';

export interface SimulatedDoor {
  deviceId: string;
  name: string;
}

/** What the chooser answered: the device id on the virtual radio and its advertised name. */
export interface SimulatedDevice {
  id: string;
  name: string;
}

type Failure = { failure?: { transport?: string; att_error?: number }; virtual_ms?: number };

const chooserScanMs = 300;

export class SimulatedTransport implements Transport {
  private readonly token: string;
  private queue: Promise<unknown> = Promise.resolve();
  private virtualMs = 0;

  constructor(token: string) {
    this.token = token;
  }

  now(): number {
    return Date.now();
  }

  /**
   * Virtual radio time the server's radio spent on this page's operations so far (scans, connection
   * set-up, link events): the difference across an unlock is tap→unlock in radio time, which the
   * wall clock (HTTP round trips to the server) says nothing about.
   */
  radioTimeMs(): number {
    return this.virtualMs;
  }

  /** One request at a time, in order (a Write Command must reach the radio before the next read). */
  call<T>(path: string, body: Record<string, unknown>): Promise<T & Failure> {
    const run = async () => {
      const response = await fetch(`/sim/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` }, body: JSON.stringify(body) });
      if (!response.ok) throw new TransportError('transport_disconnected', `simulator ${path}: HTTP ${response.status}`);
      const answer = (await response.json()) as T & Failure;
      if (typeof answer.virtual_ms === 'number') this.virtualMs += answer.virtual_ms;
      if (answer.failure?.att_error !== undefined) throw new AttError(answer.failure.att_error);
      if (answer.failure?.transport !== undefined) throw new TransportError(answer.failure.transport as ConstructorParameters<typeof TransportError>[0]);
      return answer;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async session(): Promise<{ doors: SimulatedDoor[]; standing: string | undefined }> {
    const answer = await this.call<{ doors: { device_id: string; name: string }[]; standing: string | null }>('session', {});
    return { doors: answer.doors.map((door) => ({ deviceId: door.device_id, name: door.name })), standing: answer.standing ?? undefined };
  }

  /** The phone walks to this virtual door (undefined: away from every door). */
  async stand(deviceId: string | undefined): Promise<void> {
    await this.call('stand', { device_id: deviceId ?? null });
  }

  /** The simulator's chooser: the strongest latchkey lock heard from where the phone stands. */
  async chooseLock(name?: string): Promise<SimulatedDevice> {
    const heard = (await this.scan(chooserScanMs))
      .map((advert) => ({ id: advert.deviceId, name: lockNameOf(advert.lockId), rssiDbm: advert.rssiDbm }))
      .filter((device) => name === undefined || device.name === name)
      .sort((a, b) => b.rssiDbm - a.rssiDbm);
    const device = heard[0];
    if (device === undefined) throw new ChooserError('no_device', 'no lock in range');
    return { id: device.id, name: device.name };
  }

  /** Nothing to remember: the unlock client's own scan finds the chosen lock on the virtual radio. */
  useDevice(_device: SimulatedDevice, _lockId: Uint8Array): void {}

  async scan(durationMs: number): Promise<Advertisement[]> {
    const answer = await this.call<{ advertisements: { device_id: string; lock_id: string; rssi_dbm: number; challenge?: string }[] }>('scan', { duration_ms: Math.min(Math.max(1, Math.round(durationMs)), 5_000) });
    return answer.advertisements.map((a) => ({ deviceId: a.device_id, lockId: fromBase64Url(a.lock_id), rssiDbm: a.rssi_dbm, ...(a.challenge ? { challenge: fromBase64Url(a.challenge) } : {}) }));
  }

  async connect(deviceId: string, options: { mtu: number; timeoutMs: number }): Promise<GattConnection> {
    const answer = await this.call<{ connection_id: number; mtu: number }>('connect', { device_id: deviceId, mtu: options.mtu, timeout_ms: Math.min(Math.max(1, Math.round(options.timeoutMs)), 30_000) });
    return new SimulatedConnection(this, deviceId, answer.connection_id, answer.mtu);
  }
}

class SimulatedConnection implements GattConnection {
  readonly deviceId: string;
  readonly mtu: number;
  private readonly transport: SimulatedTransport;
  private readonly id: number;
  private readonly counters: LinkStats = { roundTrips: 0, commands: 0, bytesOnAir: 0, packets: 0 };

  constructor(transport: SimulatedTransport, deviceId: string, id: number, mtu: number) {
    this.transport = transport;
    this.deviceId = deviceId;
    this.id = id;
    this.mtu = mtu;
  }

  async read(characteristic: CharacteristicName): Promise<Uint8Array> {
    const answer = await this.transport.call<{ value: string }>('read', { connection_id: this.id, characteristic });
    const value = fromBase64Url(answer.value);
    this.counters.roundTrips++;
    this.counters.packets += 2;
    this.counters.bytesOnAir += value.length;
    return value;
  }

  async write(characteristic: CharacteristicName, data: Uint8Array, withResponse: boolean): Promise<void> {
    if (withResponse) this.counters.roundTrips++;
    else this.counters.commands++;
    this.counters.packets += withResponse ? 2 : 1;
    this.counters.bytesOnAir += data.length;
    const sent = this.transport.call('write', { connection_id: this.id, characteristic, value: toBase64Url(data), with_response: withResponse });
    // A Write Command does not wait for the lock; the request queue still keeps it in order.
    if (withResponse) await sent;
    else sent.catch(() => undefined);
  }

  async disconnect(): Promise<void> {
    await this.transport.call('disconnect', { connection_id: this.id }).catch(() => undefined);
  }

  stats(): LinkStats {
    return { ...this.counters };
  }
}
