/**
 * `ble run`: N bleno locks (one worker each) and N noble phones over the virtual HCI controller
 * (or a real adapter), M planned attempts, every outcome checked against its expectation.
 *
 * Why here and not in src/harness: it is the BLE twin of harness/demo.ts, built only from
 * layers below it (hci, phone, issuer, firmware-model via the lock peripheral). Each door has
 * its own noble central ("lane"): lanes run in parallel, a lane's attempts run in order. The run
 * is real time — locks step with Date.now(), latencies are wall-clock — so the seed fixes keys,
 * the plan and the link's loss decisions, not timings.
 */
import type { HardwareProfile } from '../../firmware-model/hardware/profiles.ts';
import { hardwareReplayFlag } from '../../firmware-model/hardware/load.ts';
import { phoneTimeoutMs } from '../../firmware-model/hardware/phone-timeout.ts';
import { ideal } from '../../firmware-model/hardware/profiles.ts';
import { performance } from 'node:perf_hooks';
import { startVirtualBle, waitForPoweredOn } from '../hci/index.ts';
import { checkRoleSpecs, checkRolesMeet, specFor } from '../hci/transport/roles.ts';
import type { ControllerSetting, HciTransportSpec, PeripheralHandle, VirtualBle } from '../hci/index.ts';
import { InMemoryIssuer } from '../issuer/in-memory-issuer.ts';
import type { ProvisionedLock } from '../issuer/in-memory-issuer.ts';
import { toHex } from '../protocol/bytes.ts';
import { createNobleProvider } from '../protocol/crypto/noble.ts';
import { createNodeProvider } from '../protocol/crypto/node.ts';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import { codeOfWire } from '../protocol/errors.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import { createSeededRandom } from '../protocol/random.ts';
import type { SeededRandom } from '../protocol/random.ts';
import { decodeResult, statusUnlocked } from '../protocol/unlock/messages.ts';
import { UnlockClient } from '../phone/unlock-client.ts';
import type { UnlockOutcome } from '../phone/unlock-client.ts';
import { softwareHolder, Wallet } from '../phone/wallet.ts';
import { RecordingTransport, replayWrites } from '../radio/recording-transport.ts';
import type { RecordedWrite } from '../radio/recording-transport.ts';
import { AttError, TransportError } from '../radio/transport.ts';
import { trustedIssuerToHex } from './lock-peripheral.ts';
import type { LockPeripheralOptions, LockPeripheralReport } from './lock-peripheral.ts';
import { NobleTransport } from './noble-transport.ts';
import type { BytesOnAirSource } from './noble-transport.ts';
import { attemptExpectations, planAttempts } from './plan.ts';
import type { AttemptKind, Expected, PlannedAttempt } from './plan.ts';

export const bleDoorsMax = 16;
export const bleAttemptsMax = 10_000;

export interface BleRunOptions {
  readonly doors: number;
  readonly attempts: number;
  readonly seed: number;
  readonly capturePath?: string | null;
  readonly controller?: ControllerSetting;
  /** Per door, the lock's controller (one spec: used by every door; tcp:/serial: need one per door). */
  readonly lockHci?: readonly HciTransportSpec[];
  /** Per door, the phone's controller (same rule). */
  readonly phoneHci?: readonly HciTransportSpec[];
  readonly provider?: 'node' | 'noble';
  readonly mtu?: number;
  /** How long each unlock scans (wall ms). Default 60: ≥ 2 advertising events at 20 ms. */
  readonly scanMs?: number;
  /** Deadline of every noble operation, ms. Default: 3,000 plus the worst compute one request can wait for on `hardware` (bleRunTimeoutMs). */
  readonly timeoutMs?: number;
  /** The lock's relay bound (challenge read → final write), wall ms. Default: the lock's 500. */
  readonly relayBoundMs?: number;
  /** The locks' MCU profile: its modelled compute is reported beside wall time (docs/HARDWARE.md). */
  readonly hardware?: HardwareProfile;
  readonly log?: { info(fields: object, message: string): void };
}

export interface BleAttemptResult {
  readonly index: number;
  readonly door: number;
  readonly cycle: number;
  readonly kind: AttemptKind;
  readonly description: string;
  readonly expected: Expected;
  readonly actual: { readonly outcome: UnlockOutcome['outcome']; readonly code: ErrorCode | undefined };
  readonly pass: boolean;
  readonly path: UnlockOutcome['path'];
  /** Wall ms of the whole attempt: scan, connect, exchange, disconnect. */
  readonly wallMs: number;
  /** The lock compute its hardware profile models for this attempt, ms (foreground; not in wallMs). */
  readonly modelledComputeMs: number;
  /** Wall ms from connection established to the verified result (0 when none). */
  readonly verifiedMs: number;
  readonly roundTripsToDecision: number;
  readonly roundTripsTotal: number;
  readonly bytesOnAir: number;
}

export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface BleRunReport {
  readonly seed: number;
  readonly doors: number;
  readonly description: string;
  readonly startupMs: number;
  readonly elapsedMs: number;
  readonly attemptsPerSecond: number;
  readonly passed: number;
  readonly failed: number;
  /** Whole unlock() call of attempts that unlocked, wall ms (includes the scan). */
  readonly unlockLatencyMs: Distribution;
  /** Connection established → verified result, attempts that unlocked, wall ms. */
  readonly connectedToVerifiedMs: Distribution;
  /** The locks' hardware profile, and the lock compute it models per unlocked attempt (ms; not in the wall times). */
  readonly hardware: string;
  readonly modelledComputeMs: Distribution;
  readonly attRoundTrips: { readonly total: number; readonly perAttempt: number };
  readonly bytesOnAir: { readonly total: number; readonly source: BytesOnAirSource | null };
  readonly actuations: { readonly expected: number; readonly reported: number };
  /** What the phones asked of noble, summed over lanes (compare with a capture). */
  readonly phoneAtt: NobleTransport['counts'];
  readonly attempts: readonly BleAttemptResult[];
  readonly replay: string;
}

interface Phone {
  readonly wallet: Wallet;
  readonly client: UnlockClient;
  readonly recorder: RecordingTransport;
}

interface Lane {
  readonly door: number;
  readonly lock: ProvisionedLock;
  readonly transport: NobleTransport;
  deviceId: string | undefined;
  cycle: number;
  guest: Phone | undefined;
  revoked: Phone | undefined;
  recorded: RecordedWrite[] | undefined;
}

/** Nearest-rank percentiles. */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
  const round = (value: number): number => Math.round(value * 10) / 10;
  return { count: sorted.length, p50: round(rank(50)), p90: round(rank(90)), p99: round(rank(99)), max: round(sorted.at(-1) ?? 0) };
}

function checkOptions(options: BleRunOptions): void {
  if (!Number.isInteger(options.doors) || options.doors < 1 || options.doors > bleDoorsMax) throw new RangeError(`--doors must be an integer from 1 to ${bleDoorsMax}`);
  if (!Number.isInteger(options.attempts) || options.attempts < 1 || options.attempts > bleAttemptsMax) throw new RangeError(`--attempts must be an integer from 1 to ${bleAttemptsMax}`);
  for (const [flag, specs] of [['--lock-hci', options.lockHci], ['--phone-hci', options.phoneHci]] as const) checkRoleSpecs(flag, specs, { count: options.doors, per: 'door' });
  checkRolesMeet(options.lockHci, options.phoneHci);
}

/** The world of a run: issuer, provisioned locks (+ one never spawned, for wrong-door credentials). */
class BleWorld {
  readonly crypto: CryptoProvider;
  readonly random: SeededRandom;
  readonly issuer: InMemoryIssuer;
  readonly locks: ProvisionedLock[];
  readonly elsewhere: ProvisionedLock;

  constructor(seed: number, doors: number, crypto: CryptoProvider) {
    this.crypto = crypto;
    this.random = createSeededRandom(seed);
    const issuerRandom = this.random.fork('issuer');
    const adminRandom = this.random.fork('issuer-admin');
    this.issuer = new InMemoryIssuer({ crypto, random: (n) => issuerRandom.bytes(n), adminRandom: (n) => adminRandom.bytes(n) });
    this.locks = Array.from({ length: doors }, (_, door) => this.issuer.provisionLock(`door-${door}`, nowS()));
    this.elsewhere = this.issuer.provisionLock('elsewhere', nowS());
  }

  /** A phone with its own wallet; with `lockId`, its scans wait for that lock (see NobleTransport.targeting). */
  phone(label: string, transport: NobleTransport, lockId?: Uint8Array): Phone {
    const phoneRandom = this.random.fork(`phone:${label}`);
    const random = (n: number): Uint8Array => phoneRandom.bytes(n);
    const wallet = new Wallet({ crypto: this.crypto, holder: softwareHolder(this.crypto, random), trustedIssuers: this.issuer.trusted, updateKeys: this.issuer.updateKeys });
    const recorder = new RecordingTransport(lockId === undefined ? transport : transport.targeting(lockId));
    return { wallet, recorder, client: new UnlockClient({ wallet, crypto: this.crypto, random, transport: recorder }) };
  }

  grant(phone: Phone, locks: ProvisionedLock[], options: { subject: string; fromS?: number; untilS?: number; supersede?: boolean }) {
    const issued = this.issuer.grant(
      {
        subject: options.subject,
        holderKey: phone.wallet.holder.publicKey,
        lockIds: locks.map((lock) => lock.identity.lockId),
        notBeforeS: options.fromS ?? nowS() - 60,
        expiresAtS: options.untilS ?? nowS() + 86_400,
        supersede: options.supersede ?? false,
      },
      nowS(),
    );
    phone.wallet.addCredential(issued.credential);
    for (const lock of locks) phone.wallet.addLockCertificate(lock.certificate, lock.identity.lockId);
    for (const update of issued.updates) phone.wallet.carryUpdate(update);
    return issued;
  }
}

function nowS(): number {
  return Math.floor(Date.now() / 1000);
}

function lockOptions(world: BleWorld, lock: ProvisionedLock, seed: number, options: BleRunOptions, provider: 'node' | 'noble'): LockPeripheralOptions {
  return {
    lockIdHex: toHex(lock.identity.lockId),
    signingSecretHex: toHex(lock.identity.signingSecret),
    agreementSecretHex: toHex(lock.identity.agreementSecret),
    trustedIssuers: world.issuer.trusted.map(trustedIssuerToHex),
    updateKeys: world.issuer.updateKeys.map(trustedIssuerToHex),
    seed,
    provider,
    // Every invalid attempt is a failure the lock counts; the run is about outcomes, not the rate
    // limiter (tested on the virtual radio), so the limit is raised above the run's attempts.
    config: { failuresMax: options.attempts + 1, ...(options.relayBoundMs === undefined ? {} : { relayBoundMs: options.relayBoundMs }) },
    ...(options.hardware ? { hardware: options.hardware } : {}),
  };
}

export async function runBle(options: BleRunOptions): Promise<BleRunReport> {
  checkOptions(options);
  const provider = options.provider ?? 'node';
  const crypto = provider === 'noble' ? createNobleProvider() : createNodeProvider();
  const world = new BleWorld(options.seed, options.doors, crypto);
  const plan = planAttempts({ doors: options.doors, attempts: options.attempts, random: world.random.fork('plan') });
  const ble = startVirtualBle({
    seed: options.seed,
    capturePath: options.capturePath ?? null,
    controller: options.controller ?? 'virtual',
    ...(options.lockHci ? { lockController: options.lockHci[0]! } : {}),
    ...(options.phoneHci ? { phoneController: options.phoneHci[0]! } : {}),
  });
  const transports: NobleTransport[] = [];
  const actuations = { count: 0 };
  /** Modelled lock compute per door, µs, summed as the reports arrive. */
  const computeUs: number[] = Array.from({ length: options.doors }, () => 0);
  try {
    options.log?.info({ description: ble.description, doors: options.doors, attempts: options.attempts }, 'ble run starting');
    const started = performance.now();
    const peripherals = await Promise.all(world.locks.map((lock, door) => ble.spawnPeripheral(new URL('./lock-peripheral.ts', import.meta.url), { label: `door-${door}`, options: lockOptions(world, lock, options.seed, options, provider), ...((spec) => (spec ? { controller: spec } : {}))(specFor(options.lockHci, door)) })));
    for (const [door, peripheral] of peripherals.entries()) watchLock(peripheral, actuations, computeUs, door);
    const lanes: Lane[] = [];
    for (const [door, lock] of world.locks.entries()) {
      const central = ble.createCentral(`phone-${door}`, specFor(options.phoneHci, door));
      const transport = new NobleTransport({ central, operationTimeoutMs: bleRunTimeoutMs(options) });
      transports.push(transport);
      lanes.push({ door, lock, transport, deviceId: undefined, cycle: -1, guest: undefined, revoked: undefined, recorded: undefined });
    }
    const external = await ble.hostsReady();
    if (external.length > 0) options.log?.info({ controllers: external }, 'external controllers ready');
    await Promise.all(transports.map((transport) => waitForPoweredOn(transport.noble)));
    const startupMs = performance.now() - started;
    const attemptsStarted = performance.now();
    const results = (await Promise.all(lanes.map((lane) => runLane(world, lane, plan[lane.door]!, options, computeUs)))).flat().sort((a, b) => a.index - b.index);
    const elapsedMs = performance.now() - attemptsStarted;
    await settleReports(actuations, results.filter((result) => result.expected.outcome === 'unlocked').length);
    return summarize({ options, ble, world, results, startupMs, elapsedMs, transports, actuations: actuations.count });
  } finally {
    for (const transport of transports) transport.close();
    await ble.close();
  }
}

function watchLock(peripheral: PeripheralHandle, actuations: { count: number }, computeUs: number[], door: number): void {
  peripheral.on('report', (event: { message: LockPeripheralReport }) => {
    if (event.message.type === 'actuate') actuations.count += 1;
    // Foreground only: the compute an answer waited for (idle precomputation is not in an attempt).
    if (event.message.type === 'compute') computeUs[door] = (computeUs[door] ?? 0) + event.message.foregroundMicroseconds;
  });
}

/** Lock reports travel on their own port: wait briefly for the last ones before counting. */
async function settleReports(actuations: { count: number }, expected: number): Promise<void> {
  for (let waitedMs = 0; actuations.count < expected && waitedMs < 500; waitedMs += 10) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function runLane(world: BleWorld, lane: Lane, attempts: PlannedAttempt[], options: BleRunOptions, computeUs: number[]): Promise<BleAttemptResult[]> {
  const results: BleAttemptResult[] = [];
  for (const attempt of attempts) {
    const started = performance.now();
    const computeBefore = computeUs[lane.door] ?? 0;
    const outcome = await runAttempt(world, lane, attempt, options);
    if (outcome.deviceId !== undefined) lane.deviceId = outcome.deviceId;
    const { expected, description } = attemptExpectations[attempt.kind];
    const pass = outcome.outcome === expected.outcome && (expected.code === undefined || outcome.code === expected.code);
    results.push({
      index: attempt.index,
      door: attempt.door,
      cycle: attempt.cycle,
      kind: attempt.kind,
      description,
      expected,
      actual: { outcome: outcome.outcome, code: outcome.code },
      pass,
      path: outcome.path,
      wallMs: Math.round((performance.now() - started) * 10) / 10,
      // Reports travel on their own port: a step's report may land in the next attempt (approximate per attempt).
      modelledComputeMs: ((computeUs[lane.door] ?? 0) - computeBefore) / 1000,
      verifiedMs: outcome.verifiedMs,
      roundTripsToDecision: outcome.roundTripsToDecision,
      roundTripsTotal: outcome.roundTripsTotal,
      bytesOnAir: outcome.bytesOnAir,
    });
    options.log?.info({ index: attempt.index, door: attempt.door, kind: attempt.kind, outcome: outcome.outcome, code: outcome.code, pass }, 'attempt');
  }
  return results;
}

/**
 * The phone's deadline for one operation: the caller's, else the one World phones use for the
 * locks' profile (firmware-model/hardware/phone-timeout.ts; 3,000 ms on `ideal`), so a profile
 * whose worst case exceeds 3 s is not given up on early (attack on issue 15, F2).
 */
export function bleRunTimeoutMs(options: Pick<BleRunOptions, 'timeoutMs' | 'hardware'>): number {
  return options.timeoutMs ?? phoneTimeoutMs(options.hardware ?? ideal);
}

async function runAttempt(world: BleWorld, lane: Lane, attempt: PlannedAttempt, options: BleRunOptions): Promise<UnlockOutcome> {
  const unlock = (phone: Phone, extra: { presentOutOfScope?: boolean } = {}) =>
    phone.client.unlock({ lockId: lane.lock.identity.lockId, mtu: options.mtu ?? 247, scanMs: options.scanMs ?? 60, timeoutMs: bleRunTimeoutMs(options), ...extra });
  const label = (role: string): string => `door-${lane.door}:cycle-${attempt.cycle}:${role}`;
  if (attempt.cycle !== lane.cycle) {
    lane.cycle = attempt.cycle;
    lane.guest = world.phone(label('guest'), lane.transport, lane.lock.identity.lockId);
    world.grant(lane.guest, [lane.lock], { subject: label('guest') });
  }
  const guest = lane.guest!;
  switch (attempt.kind) {
    case 'first_unlock': {
      const outcome = await unlock(guest);
      lane.recorded = guest.recorder.sessions.at(-1);
      return outcome;
    }
    case 'repeat_unlock':
    case 'superseded':
      return unlock(guest);
    case 'wrong_door': {
      const stranger = world.phone(label('stranger'), lane.transport, lane.lock.identity.lockId);
      world.grant(stranger, [world.elsewhere], { subject: label('stranger') });
      stranger.wallet.addLockCertificate(lane.lock.certificate, lane.lock.identity.lockId);
      return unlock(stranger, { presentOutOfScope: true });
    }
    case 'expired': {
      const late = world.phone(label('late'), lane.transport, lane.lock.identity.lockId);
      world.grant(late, [lane.lock], { subject: label('late'), fromS: nowS() - 7200, untilS: nowS() - 3600 });
      return unlock(late);
    }
    case 'replay':
      return replay(lane, options);
    case 'staff_carries_revocation': {
      lane.revoked = world.phone(label('revoked'), lane.transport, lane.lock.identity.lockId);
      const issued = world.grant(lane.revoked, [lane.lock], { subject: label('revoked') });
      world.issuer.revoke(issued.claims);
      const staff = world.phone(label('staff'), lane.transport, lane.lock.identity.lockId);
      world.grant(staff, [lane.lock], { subject: label('staff') });
      staff.wallet.carryUpdate(world.issuer.updateFor(lane.lock.identity.lockId, nowS()));
      return unlock(staff);
    }
    case 'revoked':
      return unlock(lane.revoked!);
    case 'next_guest_supersedes': {
      const next = world.phone(label('next-guest'), lane.transport, lane.lock.identity.lockId);
      world.grant(next, [lane.lock], { subject: label('next-guest'), supersede: true });
      return unlock(next);
    }
  }
}

/** An attacker replays the guest's recorded writes on a fresh connection (fresh challenge). */
async function replay(lane: Lane, options: BleRunOptions): Promise<UnlockOutcome> {
  const base: UnlockOutcome = { outcome: 'error', code: undefined, authenticated: false, path: 'full', deviceId: lane.deviceId, roundTripsToDecision: 0, roundTripsTotal: 0, bytesOnAir: 0, decisionMs: 0, verifiedMs: 0, setupMs: 0 };
  if (lane.deviceId === undefined || lane.recorded === undefined) return base;
  try {
    const replayed = await replayWrites(lane.transport, lane.deviceId, lane.recorded, options.mtu ?? 247);
    const result = decodeResult(replayed.result);
    const status = result.type === 0 ? undefined : result.status;
    const unlocked = replayed.accepted && status === statusUnlocked;
    return { ...base, outcome: unlocked ? 'unlocked' : 'refused', code: status === undefined || status === statusUnlocked ? undefined : codeOfWire(status), roundTripsTotal: replayed.stats.roundTrips, bytesOnAir: replayed.stats.bytesOnAir };
  } catch (error) {
    if (error instanceof TransportError) return { ...base, outcome: error.code === 'transport_timeout' ? 'timeout' : 'disconnected', code: error.code };
    if (error instanceof AttError) return { ...base, outcome: 'error' };
    throw error;
  }
}

function summarize(input: { options: BleRunOptions; ble: VirtualBle; world: BleWorld; results: BleAttemptResult[]; startupMs: number; elapsedMs: number; transports: NobleTransport[]; actuations: number }): BleRunReport {
  const { options, results } = input;
  const unlocked = results.filter((result) => result.actual.outcome === 'unlocked');
  const roundTrips = results.reduce((sum, result) => sum + result.roundTripsTotal, 0);
  const phoneAtt = { connections: 0, challengeReads: 0, exchangeReads: 0, writeRequests: 0, writeCommands: 0, writeRequestsRefused: 0 };
  for (const transport of input.transports) for (const key of Object.keys(phoneAtt) as (keyof typeof phoneAtt)[]) phoneAtt[key] += transport.counts[key];
  const passed = results.filter((result) => result.pass).length;
  const expectedActuations = results.filter((result) => result.expected.outcome === 'unlocked').length;
  const actuationsMatch = input.actuations === expectedActuations;
  return {
    seed: options.seed,
    doors: options.doors,
    description: input.ble.description,
    startupMs: Math.round(input.startupMs),
    elapsedMs: Math.round(input.elapsedMs),
    attemptsPerSecond: Math.round((results.length / (input.elapsedMs / 1000)) * 10) / 10,
    passed,
    failed: results.length - passed + (actuationsMatch ? 0 : 1),
    unlockLatencyMs: distribution(unlocked.map((result) => result.wallMs)),
    connectedToVerifiedMs: distribution(unlocked.filter((result) => result.verifiedMs > 0).map((result) => result.verifiedMs)),
    hardware: options.hardware?.name ?? 'ideal',
    modelledComputeMs: distribution(unlocked.map((result) => result.modelledComputeMs)),
    attRoundTrips: { total: roundTrips, perAttempt: Math.round((roundTrips / Math.max(1, results.length)) * 100) / 100 },
    bytesOnAir: { total: results.reduce((sum, result) => sum + result.bytesOnAir, 0), source: input.transports[0]?.bytesOnAirSource ?? null },
    actuations: { expected: expectedActuations, reported: input.actuations },
    phoneAtt,
    attempts: results,
    replay: `npx latchkey ble run --doors ${options.doors} --attempts ${options.attempts} --seed ${options.seed}${hardwareReplayFlag(options.hardware)}`,
  };
}
