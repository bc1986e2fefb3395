/**
 * A `Transport` on a latchkey server's virtual radio (`latchkey up`: its locks are firmware models
 * on the server), through the simulator socket `/sim/ws?token=…` (src/server/routes/simulator.ts).
 * For developing and testing an app without Bluetooth or hardware: the phone stands at a virtual
 * door (`stand`) and scans, connects, reads and writes there with the real RSSI model, so
 * `unlockWithTap` ranks real advertisements. A simulator token comes from `GET /sim/links` (API key
 * or the dashboard's "Try in simulator"); it places one simulated phone on the air, the keys are the
 * SDK's own. Works wherever a WebSocket does (pass `WebSocket` from the `ws` package on Node < 22).
 */
import { fromBase64Url, toBase64Url } from '../web/base64url.ts';
import { AttError, TransportError, type Advertisement, type CharacteristicName, type GattConnection, type LinkStats, type Transport } from '../radio/transport.ts';
import { PhoneError } from './errors.ts';

interface WebSocketLike {
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'error' | 'close' | 'message', listener: (event: { data?: unknown; reason?: string; code?: number }) => void, options?: { once?: boolean }): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

type Answer = { id: number; ok: boolean; virtual_ms?: number; failure?: { transport?: string; att_error?: number }; error?: { type: string; message: string } } & Record<string, unknown>;

export interface SimulatorTransport extends Transport {
  /** The virtual doors of the workspace, by name. */
  doors(): Promise<{ deviceId: string; name: string }[]>;
  /** Walks the simulated phone to the door named `name` (or its device id); undefined: away from every door. `touch`: held to the lock (a tap). */
  stand(nameOrDeviceId: string | undefined, options?: { touch?: boolean }): Promise<void>;
  close(): void;
}

const transportCodes = new Set(['transport_timeout', 'transport_disconnected', 'transport_unsupported', 'lock_not_found', 'lock_busy']);

/** Opens the socket; rejects with PhoneError `unauthorized` when the server refuses the token. */
export async function simulatorTransport(options: { endpoint: string; simulatorToken: string; WebSocket?: WebSocketConstructor }): Promise<SimulatorTransport> {
  const Impl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (Impl === undefined) throw new PhoneError('transport_unsupported', 'no WebSocket on this platform: pass options.WebSocket');
  const url = `${options.endpoint.replace(/\/+$/, '').replace(/^http/i, 'ws')}/sim/ws?token=${encodeURIComponent(options.simulatorToken)}`;
  const socket = new Impl(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new PhoneError('unauthorized', 'the simulator refused this token (unknown, revoked link, or the server restarted)')), { once: true });
  });
  const pending = new Map<number, { resolve(answer: Answer): void; reject(error: Error): void }>();
  let closed: string | undefined;
  let nextId = 1;
  let clockMs = Date.now();
  socket.addEventListener('message', (event) => {
    let answer: Answer;
    try {
      answer = JSON.parse(String(event.data)) as Answer;
    } catch {
      return;
    }
    const waiting = pending.get(answer.id);
    if (waiting === undefined) return;
    pending.delete(answer.id);
    // Radio time moves on by what the operation took on the server's virtual radio (never back).
    clockMs = Math.max(Date.now(), clockMs + (typeof answer.virtual_ms === 'number' ? answer.virtual_ms : 0));
    if (answer.ok) waiting.resolve(answer);
    else waiting.reject(new PhoneError('invalid_input', answer.error?.message ?? 'simulator error'));
  });
  socket.addEventListener('close', (event) => {
    closed = event.reason || `closed (${event.code ?? '?'})`;
    for (const waiting of pending.values()) waiting.reject(new TransportError('transport_disconnected', `simulator: ${closed}`));
    pending.clear();
  });
  const call = (op: string, args: Record<string, unknown> = {}): Promise<Answer> => {
    if (closed !== undefined) return Promise.reject(new TransportError('transport_disconnected', `simulator: ${closed}`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, op, ...args }));
    });
  };
  const radioFailure = (answer: Answer): Error | undefined => {
    if (answer.failure?.att_error !== undefined) return new AttError(answer.failure.att_error);
    const code = answer.failure?.transport;
    if (code !== undefined) return new TransportError((transportCodes.has(code) ? code : 'transport_disconnected') as 'transport_disconnected', `simulator: ${code}`);
    return undefined;
  };
  const doors = async () => ((await call('session'))['doors'] as { device_id: string; name: string }[]).map((door) => ({ deviceId: door.device_id, name: door.name }));

  return {
    now: () => Math.max(clockMs, Date.now()),
    doors,
    async stand(nameOrDeviceId, standOptions = {}) {
      if (nameOrDeviceId === undefined) {
        await call('stand', { device_id: null });
        return;
      }
      const door = (await doors()).find((d) => d.name === nameOrDeviceId || d.deviceId === nameOrDeviceId);
      if (door === undefined) throw new PhoneError('acs_entrance_not_found', `no virtual door named ${JSON.stringify(nameOrDeviceId)}`);
      await call('stand', { device_id: door.deviceId, ...(standOptions.touch ? { touch: true } : {}) });
    },
    async scan(durationMs) {
      const answer = await call('scan', { duration_ms: Math.max(1, Math.min(5_000, Math.round(durationMs))) });
      return (answer['advertisements'] as { device_id: string; lock_id: string; rssi_dbm: number }[]).map((advert): Advertisement => ({ deviceId: advert.device_id, lockId: fromBase64Url(advert.lock_id), rssiDbm: advert.rssi_dbm }));
    },
    async connect(deviceId, connectOptions) {
      const answer = await call('connect', { device_id: deviceId, mtu: connectOptions.mtu, timeout_ms: connectOptions.timeoutMs });
      const failed = radioFailure(answer);
      if (failed !== undefined) throw failed;
      return new SimulatedConnection(call, radioFailure, deviceId, answer['connection_id'] as number, answer['mtu'] as number);
    },
    close: () => socket.close(),
  };
}

class SimulatedConnection implements GattConnection {
  readonly deviceId: string;
  readonly mtu: number;
  private readonly call: (op: string, args: Record<string, unknown>) => Promise<Answer>;
  private readonly radioFailure: (answer: Answer) => Error | undefined;
  private readonly connectionId: number;
  private readonly counters: LinkStats = { roundTrips: 0, commands: 0, bytesOnAir: 0, packets: 0 };

  constructor(call: SimulatedConnection['call'], radioFailure: SimulatedConnection['radioFailure'], deviceId: string, connectionId: number, mtu: number) {
    this.call = call;
    this.radioFailure = radioFailure;
    this.deviceId = deviceId;
    this.connectionId = connectionId;
    this.mtu = mtu;
  }

  async read(characteristic: CharacteristicName): Promise<Uint8Array> {
    const answer = await this.call('read', { connection_id: this.connectionId, characteristic });
    const failed = this.radioFailure(answer);
    if (failed !== undefined) throw failed;
    const value = fromBase64Url(answer['value'] as string);
    this.counters.roundTrips++;
    this.counters.bytesOnAir += value.length;
    return value;
  }

  async write(characteristic: CharacteristicName, data: Uint8Array, withResponse: boolean): Promise<void> {
    const answer = await this.call('write', { connection_id: this.connectionId, characteristic, value: toBase64Url(data), with_response: withResponse });
    if (withResponse) this.counters.roundTrips++;
    else this.counters.commands++;
    this.counters.bytesOnAir += data.length;
    const failed = this.radioFailure(answer);
    if (failed !== undefined) throw failed;
  }

  async disconnect(): Promise<void> {
    await this.call('disconnect', { connection_id: this.connectionId }).catch(() => undefined);
  }

  stats(): LinkStats {
    return { ...this.counters };
  }
}
