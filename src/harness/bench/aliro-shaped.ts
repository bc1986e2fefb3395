/**
 * A reference exchange for the latency table: 4 ATT round trips shaped like Aliro STANDARD
 * (reader and device each send an ephemeral key, then a signature and an encrypted reply), run on
 * the same virtual radio and timing model as latchkey's own exchange. Message sizes approximate the
 * published structures (uncompressed P-256 keys, 64-byte signatures, AES-GCM tags); only sizes and
 * round trips matter here. The "lock" is a scripted GATT server, not the firmware model.
 */
import type { Lock, LockInput, LockOutput } from '../../../firmware-model/lock.ts';
import { splitIntoChunks } from '../../protocol/unlock/chunking.ts';
import { VirtualRadio } from '../../radio/virtual-radio.ts';
import type { RadioOptions } from '../../radio/options.ts';

/** lock → phone (read) and phone → lock (write) payload sizes per round trip pair. */
const lockMessagesBytes = [92, 118] as const; // AUTH0 (reader ephemeral key, transaction id); AUTH1 (reader signature)
const phoneMessagesBytes = [71, 126] as const; // AUTH0 response (device ephemeral key); AUTH1 response (sealed device signature)

function scriptedLock(): Lock {
  let reads = 0;
  const lock = {
    identity: { lockId: new Uint8Array(8) },
    config: { unlockMs: 5000 },
    isPowered: true,
    actuations: 0,
    step(input: LockInput): LockOutput[] {
      if (input.type === 'read') {
        if (input.offset === 0) reads++;
        const value = new Uint8Array(lockMessagesBytes[Math.min(reads, lockMessagesBytes.length) - 1]!);
        return [{ type: 'read_response', connectionId: input.connectionId, value: value.slice(input.offset) }];
      }
      if (input.type === 'write' && input.withResponse) return [{ type: 'write_response', connectionId: input.connectionId, attError: 0 }];
      return [];
    },
  };
  return lock as unknown as Lock;
}

export interface AliroShapedResult {
  roundTrips: number;
  decisionMs: number;
  bytesOnAir: number;
}

export async function measureAliroShaped(connIntervalMs: number, mtu: number, radioOptions: Partial<RadioOptions> = {}): Promise<AliroShapedResult> {
  const radio = new VirtualRadio({ connIntervalMs, llPayloadBytesMax: mtu <= 23 ? 27 : 251, rssiNoiseDb: 0, ...radioOptions });
  radio.addLock('reader', scriptedLock(), { xM: 0, yM: 0 });
  radio.placePhone('device', { xM: 1, yM: 0 });
  const transport = radio.transportFor('device');
  const run = async (): Promise<AliroShapedResult> => {
    const connection = await transport.connect('reader', { mtu, timeoutMs: 5000 });
    const established = radio.now();
    for (let pair = 0; pair < 2; pair++) {
      await connection.read('challenge');
      const chunks = splitIntoChunks(new Uint8Array(phoneMessagesBytes[pair]!), connection.mtu);
      for (let i = 0; i < chunks.length - 1; i++) await connection.write('exchange', chunks[i]!, false);
      await connection.write('exchange', chunks.at(-1)!, true);
    }
    const stats = connection.stats();
    const decisionMs = radio.now() - established;
    await connection.disconnect();
    return { roundTrips: stats.roundTrips, decisionMs, bytesOnAir: stats.bytesOnAir };
  };
  return radio.runUntil(run());
}
