/**
 * Wraps a Transport and records every GATT write a phone makes, so an attacker can replay,
 * reorder, truncate or mutate a real exchange later (demo, scenarios, fuzzer).
 */
import type { Advertisement, CharacteristicName, GattConnection, LinkStats, Transport } from './transport.ts';

export interface RecordedWrite {
  characteristic: CharacteristicName;
  data: Uint8Array;
  withResponse: boolean;
}

export class RecordingTransport implements Transport {
  readonly inner: Transport;
  /** One list of writes per connection, in order. */
  readonly sessions: RecordedWrite[][] = [];
  /** What each scan heard (device, lock, RSSI), in order: the air as the phone saw it. */
  readonly scans: Advertisement[][] = [];

  constructor(inner: Transport) {
    this.inner = inner;
  }

  now(): number {
    return this.inner.now();
  }

  async scan(durationMs: number): Promise<Advertisement[]> {
    const heard = await this.inner.scan(durationMs);
    this.scans.push(heard.map((advertisement) => ({ ...advertisement })));
    return heard;
  }

  async connect(deviceId: string, options: { mtu: number; timeoutMs: number }): Promise<GattConnection> {
    const connection = await this.inner.connect(deviceId, options);
    const writes: RecordedWrite[] = [];
    this.sessions.push(writes);
    return {
      deviceId: connection.deviceId,
      mtu: connection.mtu,
      read: (characteristic) => connection.read(characteristic),
      write: (characteristic, data, withResponse) => {
        writes.push({ characteristic, data: data.slice(), withResponse });
        return connection.write(characteristic, data, withResponse);
      },
      disconnect: () => connection.disconnect(),
      stats: () => connection.stats(),
    };
  }
}

/** Replays recorded writes on a fresh connection; returns the lock's result bytes and whether the final write was accepted. */
export async function replayWrites(transport: Transport, deviceId: string, writes: RecordedWrite[], mtu: number): Promise<{ accepted: boolean; result: Uint8Array; stats: LinkStats }> {
  const connection = await transport.connect(deviceId, { mtu, timeoutMs: 3000 });
  try {
    await connection.read('challenge'); // a fresh challenge exists; the replayed request is bound to an old one
    let accepted = true;
    for (const write of writes) {
      try {
        await connection.write(write.characteristic, write.data, write.withResponse);
      } catch {
        accepted = false;
      }
    }
    const result = await connection.read('exchange');
    return { accepted, result, stats: connection.stats() };
  } finally {
    await connection.disconnect();
  }
}
