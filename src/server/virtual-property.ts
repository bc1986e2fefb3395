/**
 * The property's locks as firmware-model instances on a virtual radio: one lock per entrance that
 * has virtual secrets, trusting the server's issuer. Locks sit 20 m apart on a line, so a phone
 * placed at a door hears that door clearly. The lock's NV state lives in memory (a restart of the
 * server is a power cycle with fresh NV); revocations reach it through phones or `maintenanceSync`.
 *
 * Batteries: the locks were "installed at different times", so each starts at a state of charge
 * drawn from the property seed per door name (40–100 %), except the gym's, which is due for
 * replacement (12 %: below the low threshold, above the cut-off, so the dashboard shows the warning
 * and the door still opens). `lockConfigOf` overrides this (and any other lock setting) per door.
 */
import type { HardwareProfile } from '../../firmware-model/hardware/profiles.ts';
import type { LockConfig } from '../../firmware-model/config.ts';
import { Lock } from '../../firmware-model/lock.ts';
import { createSeededRandom, type SeededRandom } from '../protocol/random.ts';
import { VirtualRadio, type Position } from '../radio/virtual-radio.ts';
import type { RadioOptions } from '../radio/options.ts';
import { doorUpdates } from './services/revocation.ts';
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

/** The demo property's door whose batteries are low, and their charge (see the file comment). */
export const demoLowBatteryDoor = { name: 'Gym', percent: 12 } as const;

/** Each door's lock settings by default: only its starting charge, from the seed (see the file comment). */
export function demoLockConfig(random: SeededRandom, door: { name: string }): Partial<LockConfig> {
  if (door.name === demoLowBatteryDoor.name) return { batteryInitialPercent: demoLowBatteryDoor.percent };
  return { batteryInitialPercent: 40 + random.fork(`battery:${door.name}`).below(61) };
}

export interface VirtualPropertyOptions extends Partial<RadioOptions> {
  seed: number;
  /** Lock settings per door (default `demoLockConfig`: starting battery charge). */
  lockConfigOf?: (door: { name: string; acsEntranceId: string; index: number }) => Partial<LockConfig>;
  /** Each door's MCU profile (default: `ideal`, zero-time compute; docs/HARDWARE.md). */
  hardwareOf?: (door: { name: string; acsEntranceId: string; index: number }) => HardwareProfile;
  /** Where each door's lock stands (default: on a line, `doorSpacingM` apart); e.g. a corridor floor plan for the tap tests. */
  positionOf?: (door: { name: string; acsEntranceId: string; index: number }) => Position | undefined;
}

export async function startVirtualProperty(context: ServerContext, options: VirtualPropertyOptions): Promise<VirtualProperty> {
  const { lockConfigOf, hardwareOf, positionOf, ...radioOptions } = options;
  const radio = new VirtualRadio(radioOptions);
  const random = createSeededRandom(options.seed);
  const doors = new Map<string, VirtualDoor>();
  (await context.repo.directory.allVirtualLocks()).forEach((row, index) => {
    const lockRandom = random.fork(`lock:${row.acs_entrance_id}`);
    const lock = new Lock({
      identity: { lockId: row.lock_id, signingSecret: row.signing_secret, agreementSecret: row.agreement_secret },
      trustedIssuers: context.issuer.trusted,
      // Updates the server signs (issuer key) are routine for the lock; time, key changes and resets need the offline administration key.
      updateKeys: [context.secrets.lockAdmin],
      crypto: context.issuer.crypto,
      random: (n) => lockRandom.bytes(n),
      config: lockConfigOf ? lockConfigOf({ name: row.display_name, acsEntranceId: row.acs_entrance_id, index }) : demoLockConfig(random, { name: row.display_name }),
      ...(hardwareOf ? { hardware: hardwareOf({ name: row.display_name, acsEntranceId: row.acs_entrance_id, index }) } : {}),
    });
    const deviceId = `lock-${index}`;
    const position = positionOf?.({ name: row.display_name, acsEntranceId: row.acs_entrance_id, index }) ?? { xM: index * doorSpacingM, yM: 0 };
    radio.addLock(deviceId, lock, position);
    doors.set(row.acs_entrance_id, { acsEntranceId: row.acs_entrance_id, deviceId, name: row.display_name, lockId: row.lock_id, position, lock });
  });
  return {
    radio,
    doors,
    async maintenanceSync() {
      for (const door of doors.values()) {
        const entrance = await context.repo.directory.entranceById(door.acsEntranceId);
        // A reset the lock missed goes first: the routine update of its epoch is refused before it.
        for (const update of entrance ? doorUpdates(entrance) : []) radio.stepLock(door.deviceId, { type: 'maintenance_update', update });
      }
    },
  };
}
