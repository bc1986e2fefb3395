/**
 * What a scenario runs on. The step language (runner.ts) is written once against this interface;
 * a backend supplies the locks, phones, clock and attacker over one transport:
 *
 * - virtual (virtual-backend.ts): the seeded World on the virtual radio — virtual time, radio
 *   physics (positions, loss, MTU, disconnects), same seed ⇒ same trace;
 * - ble (ble-backend.ts): bleno lock peripherals in worker threads and noble phones on the
 *   virtual HCI controller — wall-clock time shifted by a clock offset the backend moves.
 *
 * A backend that cannot express a scenario (a step that needs radio physics, say) says so before
 * anything starts, with the reason; the runner reports the scenario as not applicable to that
 * transport instead of running it.
 */
import type { HardwareProfile } from '../../../firmware-model/hardware/profiles.ts';
import type { AuditRecord } from '../../../firmware-model/audit.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import type { InMemoryIssuer, ProvisionedLock } from '../../issuer/in-memory-issuer.ts';
import type { UnlockOutcome } from '../../phone/unlock-client.ts';
import type { Wallet } from '../../phone/wallet.ts';
import type { UnlockClient } from '../../phone/unlock-client.ts';
import type { RecordingTransport } from '../../radio/recording-transport.ts';
import type { AttackParams, Observed } from './attacks.ts';
import type { Scenario } from './schema.ts';

export const scenarioTransports = ['virtual', 'ble'] as const;
export type ScenarioTransport = (typeof scenarioTransports)[number];

export interface ScenarioPhone {
  readonly id: string;
  readonly wallet: Wallet;
  readonly client: UnlockClient;
  /** Every write the phone made, one list per connection (replay, unlinkability). */
  readonly recorder: RecordingTransport;
}

export interface UnlockRequest {
  readonly mtu: number;
  readonly allowResume: boolean;
  readonly presentOutOfScope: boolean;
  readonly useAdvertisedChallenge: boolean;
  /** The phone walks up to the door first (false: it stays where it is). */
  readonly walk: boolean;
}

/** Lock-side inputs a scenario feeds a lock directly (not over the air). */
export type LockSideInput = { type: 'maintenance_update'; update: Uint8Array } | { type: 'power_restored' } | { type: 'clock_disturbed'; deltaMs: number };

/** Radio physics: only the virtual radio has them. */
export interface RadioPhysics {
  movePhone(phone: ScenarioPhone, to: [number, number]): void;
  setRadioOptions(options: Record<string, unknown>): void;
  disconnectAfter(door: string, packets: number): void;
}

export interface ScenarioBackend {
  readonly transport: ScenarioTransport;
  readonly crypto: CryptoProvider;
  readonly issuer: InMemoryIssuer;
  readonly phones: ReadonlyMap<string, ScenarioPhone>;
  /** Provisioned identity and certificate of each door, by scenario door id. */
  readonly locks: ReadonlyMap<string, ProvisionedLock>;
  /** Present on the virtual radio only (see notApplicable). */
  readonly physics: RadioPhysics | undefined;
  /** The scenario's "now" (issuer, phones and locks agree on it), seconds since the Unix epoch. */
  nowS(): number;
  grant(phone: ScenarioPhone, doors: string[], options: { subject: string; fromS: number; untilS: number; supersede: boolean }): ReturnType<InMemoryIssuer['grant']>;
  unlock(phone: ScenarioPhone, door: string, request: UnlockRequest): Promise<UnlockOutcome>;
  attack(params: AttackParams, phoneOf: (id: string) => ScenarioPhone): Promise<Observed>;
  /** Moves the scenario clock forward (locks, issuer and phones alike). */
  advance(durationMs: number): Promise<void>;
  stepLock(door: string, input: LockSideInput): Promise<void>;
  powerCutAtWrite(door: string, writesFromNow: number): Promise<void>;
  actuations(door: string): Promise<number>;
  audit(door: string): Promise<readonly AuditRecord[]>;
  /** What the JUnit system-out shows: elapsed scenario time and a digest of the run's trace. */
  summary(): { virtualMs: number; traceDigest: string };
  close(): Promise<void>;
}

export interface BackendFactory {
  readonly transport: ScenarioTransport;
  /** Options after `--transport` that the replay command needs to reach the same set-up (e.g. ` --lock-hci tcp:…`). */
  readonly replayFlags?: string;
  /** Why this transport cannot run the scenario (undefined: it can). */
  notApplicable(scenario: Scenario): string | undefined;
  /** hardware: the run's --hardware, for doors whose scenario names none. */
  create(scenario: Scenario, options: { seed: number; crypto: CryptoProvider; hardware?: HardwareProfile }): Promise<ScenarioBackend>;
}
