/**
 * The property's locks as firmware-model instances on a virtual radio: one lock per entrance that
 * has virtual secrets, trusting the server's issuer. Locks sit 20 m apart on a line, so a phone
 * placed at a door hears that door clearly. The lock's NV state lives in memory (a restart of the
 * server is a power cycle with fresh NV); revocations reach it through phones or `maintenanceSync`.
 */
import { Lock } from '../../firmware-model/lock.ts';
import { createSeededRandom } from '../protocol/random.ts';
import { VirtualRadio, type Position } from '../radio/virtual-radio.ts';
import type { RadioOptions } from '../radio/options.ts';
import type { ServerContext } from './context.ts';

export interface VirtualDoor {
  acsEntranceId: string;
  deviceId: string;
  name: string;
  lockId: Uint8Array;
  position: Position;
  lock: Lock;
}

export interface VirtualProperty {
  radio: VirtualRadio;
  doors: Map<string, VirtualDoor>;
  /** Pushes every door's current signed update straight to its lock (the maintenance path). */
  maintenanceSync(): void;
}

export const doorSpacingM = 20;

export function startVirtualProperty(context: ServerContext, options: Partial<RadioOptions> & { seed: number }): VirtualProperty {
  const radio = new VirtualRadio(options);
  const random = createSeededRandom(options.seed);
  const doors = new Map<string, VirtualDoor>();
  context.repo.directory.allVirtualLocks().forEach((row, index) => {
    const lockRandom = random.fork(`lock:${row.acs_entrance_id}`);
    const lock = new Lock({
      identity: { lockId: row.lock_id, signingSecret: row.signing_secret, agreementSecret: row.agreement_secret },
      trustedIssuers: context.issuer.trusted,
      crypto: context.issuer.crypto,
      random: (n) => lockRandom.bytes(n),
    });
    const deviceId = `lock-${index}`;
    const position = { xM: index * doorSpacingM, yM: 0 };
    radio.addLock(deviceId, lock, position);
    doors.set(row.acs_entrance_id, { acsEntranceId: row.acs_entrance_id, deviceId, name: row.display_name, lockId: row.lock_id, position, lock });
  });
  return {
    radio,
    doors,
    maintenanceSync() {
      for (const door of doors.values()) {
        const update = context.repo.directory.entranceById(door.acsEntranceId)?.update_bytes;
        if (update) radio.stepLock(door.deviceId, { type: 'maintenance_update', update: new Uint8Array(update) });
      }
    },
  };
}
