/**
 * A man-in-the-middle on the phone's own transport: it lets the real unlock client run while one
 * write is flipped, reordered, dropped, duplicated or withheld. What the lock must do with each:
 * refuse with a stable code and never actuate.
 */
import type { GattConnection, Transport } from '../../radio/transport.ts';

export type Tamper =
  | { kind: 'mutate'; chunk: number; byte: number; xor: number }
  | { kind: 'reorder'; chunk: number }
  | { kind: 'drop_chunk'; chunk: number }
  | { kind: 'duplicate_chunk'; chunk: number }
  | { kind: 'truncate' }
  | { kind: 'strip_versions' };

export class TamperingTransport implements Transport {
  readonly inner: Transport;
  readonly tamper: Tamper;
  constructor(inner: Transport, tamper: Tamper) {
    this.inner = inner;
    this.tamper = tamper;
  }
  now(): number {
    return this.inner.now();
  }
  scan(durationMs: number) {
    return this.inner.scan(durationMs).then((adverts) => adverts.map(({ challenge: _dropped, ...advert }) => advert));
  }
  async connect(deviceId: string, options: { mtu: number; timeoutMs: number }): Promise<GattConnection> {
    const connection = await this.inner.connect(deviceId, options);
    const tamper = this.tamper;
    let index = 0;
    let held: Uint8Array | undefined;
    return {
      ...connection,
      deviceId: connection.deviceId,
      mtu: connection.mtu,
      stats: () => connection.stats(),
      disconnect: () => connection.disconnect(),
      read: async (characteristic) => {
        const value = await connection.read(characteristic);
        // Downgrade attempt: hide the lock's newer versions from the phone (offer v1 only).
        if (tamper.kind === 'strip_versions' && characteristic !== 'exchange') {
          const copy = value.slice();
          copy[1] = 0x01;
          return copy;
        }
        return value;
      },
      write: async (characteristic, data, withResponse) => {
        const position = index++;
        if (tamper.kind === 'mutate' && position === tamper.chunk) {
          const copy = data.slice();
          copy[Math.min(tamper.byte, copy.length - 1)]! ^= tamper.xor;
          return connection.write(characteristic, copy, withResponse);
        }
        if (tamper.kind === 'drop_chunk' && position === tamper.chunk && !withResponse) return;
        if (tamper.kind === 'truncate' && withResponse) return; // the closing chunk never arrives
        if (tamper.kind === 'duplicate_chunk' && position === tamper.chunk) await connection.write(characteristic, data, false);
        if (tamper.kind === 'reorder' && position === tamper.chunk && !withResponse) {
          held = data;
          return;
        }
        await connection.write(characteristic, data, withResponse);
        if (held !== undefined && tamper.kind === 'reorder' && position === tamper.chunk + 1) {
          const late = held;
          held = undefined;
          await connection.write(characteristic, late, false);
        }
      },
    };
  }
}
