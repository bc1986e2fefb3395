/**
 * The scenario backend on the seeded virtual radio (src/sim/world.ts): virtual time, radio
 * physics, and a trace digest that is the same for the same seed. Every scenario applies.
 */
import type { AuditRecord } from '../../../firmware-model/audit.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import type { UnlockOutcome } from '../../phone/unlock-client.ts';
import type { RadioOptions } from '../../radio/options.ts';
import { World, type WorldPhone } from '../../sim/world.ts';
import { Attacker, type AttackParams, type AttackSurface, type Observed } from './attacks.ts';
import type { BackendFactory, LockSideInput, RadioPhysics, ScenarioBackend, ScenarioPhone, UnlockRequest } from './backend.ts';
import type { Scenario } from './schema.ts';
import type { HardwareProfile } from '../../../firmware-model/hardware/profiles.ts';

export class VirtualBackend implements ScenarioBackend {
  readonly transport = 'virtual' as const;
  readonly world: World;
  readonly phones = new Map<string, ScenarioPhone>();
  readonly locks;
  readonly physics: RadioPhysics;
  readonly attacker: Attacker;

  constructor(scenario: Scenario, options: { seed: number; crypto: CryptoProvider; hardware?: HardwareProfile }) {
    const hardware = scenario.hardware ?? options.hardware;
    const world = new World({ seed: options.seed, crypto: options.crypto, radio: scenario.radio as Partial<RadioOptions>, ...(hardware ? { hardware } : {}) });
    this.world = world;
    for (const door of scenario.doors) world.addLock(door.id, door.id, { xM: door.position[0], yM: door.position[1] }, door.config, door.hardware ?? world.hardware);
    for (const phone of scenario.phones) this.phones.set(phone.id, world.addPhone(phone.id, { xM: phone.position[0], yM: phone.position[1] }));
    this.locks = new Map([...world.locks].map(([id, entry]) => [id, entry.provisioned]));
    this.physics = {
      movePhone: (phone, to) => world.movePhone(phone as WorldPhone, { xM: to[0], yM: to[1] }),
      setRadioOptions: (radio) => Object.assign(world.radio.options, radio),
      disconnectAfter: (door, packets) => world.radio.injectDisconnect(world.locks.get(door)!.deviceId, packets),
    };
    const surface: AttackSurface = {
      crypto: world.crypto,
      issuer: world.issuer,
      random: world.random,
      transport: world.radio.transportFor('attacker'),
      world,
      nowS: () => world.nowS(),
      lock: (door) => world.locks.get(door)!.provisioned,
      approach: (door) => {
        const deviceId = world.locks.get(door)!.deviceId;
        world.radio.placePhone('attacker', world.radio.lockPosition(deviceId));
        return deviceId;
      },
      victimRadio: (victim, door) => {
        world.radio.placePhone(victim.id, world.radio.lockPosition(world.locks.get(door)!.deviceId));
        return world.radio.transportFor(victim.id);
      },
      run: (work) => world.radio.runUntil(work),
    };
    this.attacker = new Attacker(surface);
  }

  get crypto(): CryptoProvider {
    return this.world.crypto;
  }
  get issuer() {
    return this.world.issuer;
  }

  nowS(): number {
    return this.world.nowS();
  }

  grant(phone: ScenarioPhone, doors: string[], options: { subject: string; fromS: number; untilS: number; supersede: boolean }) {
    return this.world.grant(phone as WorldPhone, doors, options);
  }

  unlock(phone: ScenarioPhone, door: string, request: UnlockRequest): Promise<UnlockOutcome> {
    const entry = this.world.locks.get(door)!;
    // The guest walks up to the door unless the scenario says it stays where it is.
    if (request.walk) this.world.movePhone(phone as WorldPhone, this.world.radio.lockPosition(entry.deviceId));
    return this.world.radio.runUntil(phone.client.unlock({ lockId: entry.provisioned.identity.lockId, mtu: request.mtu, allowResume: request.allowResume, presentOutOfScope: request.presentOutOfScope, useAdvertisedChallenge: request.useAdvertisedChallenge }));
  }

  attack(params: AttackParams, phoneOf: (id: string) => ScenarioPhone): Promise<Observed> {
    return this.attacker.run(params, phoneOf);
  }

  advance(durationMs: number): Promise<void> {
    return this.world.radio.advance(durationMs);
  }

  async stepLock(door: string, input: LockSideInput): Promise<void> {
    this.world.radio.stepLock(this.world.locks.get(door)!.deviceId, input);
  }

  async powerCutAtWrite(door: string, writesFromNow: number): Promise<void> {
    const lock = this.world.locks.get(door)!.lock;
    lock.nv.powerCutAtWrite = lock.nv.writeCount + writesFromNow;
  }

  async actuations(door: string): Promise<number> {
    return this.world.locks.get(door)!.lock.actuations;
  }

  async audit(door: string): Promise<readonly AuditRecord[]> {
    return this.world.locks.get(door)!.lock.audit.all();
  }

  summary(): { virtualMs: number; traceDigest: string } {
    return { virtualMs: this.world.radio.now() - this.world.radio.options.epochMs, traceDigest: this.world.radio.traceDigest };
  }

  async close(): Promise<void> {}
}

export const virtualBackend: BackendFactory = {
  transport: 'virtual',
  notApplicable: () => undefined,
  create: async (scenario, options) => new VirtualBackend(scenario, options),
};
