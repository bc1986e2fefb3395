/**
 * `latchkey demo`: a virtual hotel in virtual time. An in-memory issuer grants a guest two rooms;
 * the guest unlocks them (full exchange, then the repeat path), and the lock refuses: a door not
 * granted, a replayed exchange, a revoked credential (after a staff phone carried the revocation),
 * a superseded guest (after the next guest unlocked the room) and an expired credential.
 * Every attempt states its expected outcome; the run passes only when all match.
 */
import type { HardwareProfile } from '../../firmware-model/hardware/profiles.ts';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import { decodeResult } from '../protocol/unlock/messages.ts';
import { codeOfWire, type ErrorCode } from '../protocol/errors.ts';
import type { UnlockOutcome, UnlockOptions } from '../phone/unlock-client.ts';
import { World, type WorldPhone } from '../sim/world.ts';
import type { RadioOptions } from '../radio/options.ts';
import type { LinkStats } from '../radio/transport.ts';
import { replayWrites } from '../radio/recording-transport.ts';

export interface DemoAttempt {
  step: number;
  actor: string;
  door: string;
  description: string;
  expected: { outcome: UnlockOutcome['outcome']; code?: ErrorCode };
  actual: { outcome: UnlockOutcome['outcome']; code: ErrorCode | undefined; authenticated: boolean };
  pass: boolean;
  path: UnlockOutcome['path'];
  roundTripsToDecision: number;
  roundTripsTotal: number;
  decisionMs: number;
  verifiedMs: number;
  bytesOnAir: number;
  virtualTimeMs: number;
}

export interface DemoReport {
  seed: number;
  doors: number;
  provider: string;
  radio: Pick<RadioOptions, 'connIntervalMs' | 'llPayloadBytesMax' | 'packetsPerEventMax'> & { mtu: number };
  /** The locks' hardware profile (firmware-model/hardware/profiles.ts). */
  hardware: string;
  attempts: DemoAttempt[];
  passed: number;
  failed: number;
  traceDigest: string;
}

export const demoDoorsMin = 5;

export async function runDemo(options: { seed: number; doors: number; crypto: CryptoProvider; mtu?: number; radio?: Partial<RadioOptions>; hardware?: HardwareProfile }): Promise<DemoReport> {
  if (!Number.isInteger(options.doors) || options.doors < demoDoorsMin || options.doors > 500) throw new RangeError(`--doors must be an integer from ${demoDoorsMin} to 500`);
  const mtu = options.mtu ?? 247;
  const world = new World({ seed: options.seed, crypto: options.crypto, radio: options.radio ?? {}, ...(options.hardware ? { hardware: options.hardware } : {}) });
  const doorNames: string[] = [];
  for (let i = 0; i < options.doors; i++) {
    const floor = 1 + Math.floor(i / 20);
    const room = `room-${floor}${String((i % 20) + 1).padStart(2, '0')}`;
    doorNames.push(room);
    world.addLock(room, `Room ${room.slice(5)}`, { xM: (i % 20) * 6, yM: floor * 10 });
  }
  const [roomA, roomB, roomC, roomD, roomE] = doorNames as [string, string, string, string, string];
  const standAt = (phone: WorldPhone, door: string): void => {
    const lock = world.locks.get(door)!;
    const index = doorNames.indexOf(lock.deviceId);
    world.movePhone(phone, { xM: (index % 20) * 6 + 0.5, yM: (1 + Math.floor(index / 20)) * 10 + 0.5 });
  };

  const attempts: DemoAttempt[] = [];
  const attempt = async (phone: WorldPhone, door: string, description: string, expected: DemoAttempt['expected'], extra: Partial<UnlockOptions> = {}): Promise<void> => {
    standAt(phone, door);
    const outcome = await world.radio.runUntil(phone.client.unlock({ mtu, lockId: world.locks.get(door)!.provisioned.identity.lockId, ...extra }));
    attempts.push(toAttempt(attempts.length + 1, phone.id, door, description, expected, outcome, world.radio.now() - world.radio.options.epochMs));
    await world.radio.advance(6_000); // the bolt relocks before the next attempt
  };

  // Guest A: two rooms for three nights; the phone records its writes so they can be replayed.
  const guestAPhone = world.addPhone('guest-a', { xM: 0, yM: 10 });
  const guestA = guestAPhone;
  const recorder = guestAPhone.recorder;
  world.grant(guestAPhone, [roomA, roomB], { subject: 'guest-a', untilS: world.nowS() + 3 * 86400 });
  guestA.wallet.addLockCertificate(world.locks.get(roomC)!.provisioned.certificate, world.locks.get(roomC)!.provisioned.identity.lockId);

  await attempt(guestAPhone, roomA, 'first unlock of a granted room (full exchange)', { outcome: 'unlocked' });
  const recordedFull = recorder.sessions.at(-1)!;
  await attempt(guestAPhone, roomA, 'repeat unlock (symmetric resume path)', { outcome: 'unlocked' });
  await attempt(guestAPhone, roomB, 'second granted room', { outcome: 'unlocked' });
  await attempt(guestAPhone, roomC, 'a door not granted', { outcome: 'refused', code: 'credential_wrong_door' }, { presentOutOfScope: true });

  // An attacker who sniffed guest A's first exchange replays it on a new connection.
  const attacker = world.addPhone('attacker', { xM: 0, yM: 10 });
  standAt(attacker, roomA);
  const before = world.locks.get(roomA)!.lock.actuations;
  const replay = await world.radio.runUntil(replayWrites(world.radio.transportFor('attacker'), roomA, recordedFull, mtu));
  const replayResult = decodeResult(replay.result);
  const replayCode = replayResult.type === 0 ? undefined : codeOfWire(replayResult.status);
  const replayUnlocked = world.locks.get(roomA)!.lock.actuations !== before;
  attempts.push({
    ...toAttempt(attempts.length + 1, 'attacker', roomA, 'replay of guest A’s recorded exchange', { outcome: 'refused', code: 'decrypt_failed' }, replayOutcome(replayUnlocked ? 'unlocked' : 'refused', replayCode, replay.stats), world.radio.now() - world.radio.options.epochMs),
  });
  await world.radio.advance(6_000);

  // Guest C's key is revoked; a housekeeping phone carries the signed revocation to the door.
  const guestC = world.addPhone('guest-c', { xM: 0, yM: 10 });
  const issuedC = world.grant(guestC, [roomD], { subject: 'guest-c' });
  await attempt(guestC, roomD, 'guest C before revocation', { outcome: 'unlocked' });
  world.issuer.revoke(issuedC.claims);
  const staff = world.addPhone('housekeeping', { xM: 0, yM: 10 });
  world.grant(staff, [roomD], { subject: 'staff-1' });
  staff.wallet.carryUpdate(world.issuer.updateFor(world.locks.get(roomD)!.provisioned.identity.lockId, world.nowS()));
  await attempt(staff, roomD, 'housekeeping unlocks, carrying the revocation list', { outcome: 'unlocked' });
  await attempt(guestC, roomD, 'revoked guest C (repeat path)', { outcome: 'refused', code: 'credential_revoked' });
  guestC.wallet.tickets.clear();
  await attempt(guestC, roomD, 'revoked guest C (full exchange)', { outcome: 'refused', code: 'credential_revoked' });

  // Guest A checks out of room A; the next guest's key supersedes A's on first use.
  const guestD = world.addPhone('guest-d', { xM: 0, yM: 10 });
  world.grant(guestD, [roomA], { subject: 'guest-d', supersede: true });
  await attempt(guestD, roomA, 'next guest in room A (supersedes)', { outcome: 'unlocked' });
  await attempt(guestAPhone, roomA, 'previous guest A after the next guest checked in', { outcome: 'refused', code: 'credential_superseded' });

  // Guest E's one-hour key expires while the clock runs.
  const guestE = world.addPhone('guest-e', { xM: 0, yM: 10 });
  world.grant(guestE, [roomE], { subject: 'guest-e', untilS: world.nowS() + 3600 });
  await attempt(guestE, roomE, 'guest E within the hour', { outcome: 'unlocked' });
  await world.radio.advance(2 * 3600 * 1000);
  await attempt(guestE, roomE, 'guest E two hours later', { outcome: 'refused', code: 'credential_expired' });

  const passed = attempts.filter((entry) => entry.pass).length;
  return {
    seed: options.seed,
    doors: options.doors,
    provider: options.crypto.name,
    radio: { connIntervalMs: world.radio.options.connIntervalMs, llPayloadBytesMax: world.radio.options.llPayloadBytesMax, packetsPerEventMax: world.radio.options.packetsPerEventMax, mtu },
    hardware: world.hardware.name,
    attempts,
    passed,
    failed: attempts.length - passed,
    traceDigest: world.radio.traceDigest,
  };
}

function replayOutcome(outcome: UnlockOutcome['outcome'], code: ErrorCode | undefined, stats: LinkStats): UnlockOutcome {
  return { outcome, code, authenticated: false, path: 'full', deviceId: undefined, roundTripsToDecision: stats.roundTrips - 1, roundTripsTotal: stats.roundTrips, bytesOnAir: stats.bytesOnAir, decisionMs: 0, verifiedMs: 0, setupMs: 0 };
}

function toAttempt(step: number, actor: string, door: string, description: string, expected: DemoAttempt['expected'], outcome: UnlockOutcome, virtualTimeMs: number): DemoAttempt {
  const pass = outcome.outcome === expected.outcome && (expected.code === undefined || outcome.code === expected.code);
  return {
    step,
    actor,
    door,
    description,
    expected,
    actual: { outcome: outcome.outcome, code: outcome.code, authenticated: outcome.authenticated },
    pass,
    path: outcome.path,
    roundTripsToDecision: outcome.roundTripsToDecision,
    roundTripsTotal: outcome.roundTripsTotal,
    decisionMs: outcome.decisionMs,
    verifiedMs: outcome.verifiedMs,
    bytesOnAir: outcome.bytesOnAir,
    virtualTimeMs,
  };
}
