/**
 * Model-based test of the lock firmware (fast-check), protocol v2 semantics. Random sequences of
 * connects (with and without a connection interval), challenge reads of all three forms, adverts,
 * honest and faulty requests (bit flips, truncation, dropped/duplicated chunks, final chunk without
 * response, replays, garbage), resume requests, bursts of attempts by one credential, signed updates
 * (revocation, floor, ceiling, issuer rotation), time passing and power cycles are applied to a
 * Lock driven directly and to a reference model of the lock written from its documented rules.
 *
 * On every step the lock's outputs must equal the model's prediction: which connections are
 * dropped (idle, over age, refusal budget, challenge-key budget, slots full), whether the bolt
 * actuates or relocks, the write responses, and the audit records (event, code, authenticated or
 * counted); a challenge read re-serves the outstanding challenge or makes a new one exactly when
 * the model says. After a flow the phone reads the result and checks what it discloses (plain vs
 * signed, the wire code, the lock time only to verified holders). After every command the
 * persistent state (version, floor, ceiling, revocations, trusted issuers, audit ring), the
 * credential cache and the ticket ids equal the model's. The model actuates only for a fully valid
 * request, and never twice for one challenge. On failure fast-check prints the seed and the shrunk
 * command list.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attError, ticketLookahead, type Characteristic, type Lock, type LockInput, type LockOutput } from '../../firmware-model/lock.ts';
import { lockConfigDefaults } from '../../firmware-model/config.ts';
import { equalBytes, toHex } from '../../src/protocol/bytes.ts';
import { issueCredential, type CredentialClaims } from '../../src/protocol/credential.ts';
import { isLatchkeyError, wireOf, type ErrorCode } from '../../src/protocol/errors.ts';
import type { IssuerSigningKey } from '../../src/protocol/issuer-keys.ts';
import { limits } from '../../src/protocol/limits.ts';
import { issueLockUpdate } from '../../src/protocol/lock-update.ts';
import { createSeededRandom } from '../../src/protocol/random.ts';
import { challengeForm, challengeFormForMtu, commitToEphemeral, decodeChallenge, encodeChallenge, type ChallengeForm } from '../../src/protocol/unlock/challenge.ts';
import { splitIntoChunks } from '../../src/protocol/unlock/chunking.ts';
import { ticketId } from '../../src/protocol/unlock/key-schedule.ts';
import { decodeRequest, decodeResult, type Request } from '../../src/protocol/unlock/messages.ts';
import { buildFullRequest, buildResumeRequest, openFullResult, openResumeResult, type PendingFull, type PendingResume, type ResumptionTicket } from '../../src/protocol/unlock/phone-exchange.ts';
import { supportedVersions } from '../../src/protocol/unlock/versions.ts';
import { ReassemblyModel } from '../../src/harness/fuzz/reassembly-model.ts';
import { epochS, makeIssuer, sampleClaims, seeded } from '../helpers/fixtures.ts';
import { actuations, epochMs, makeLockBench, readValue } from '../helpers/lock-bench.ts';

const bench = makeLockBench(31);
const { crypto } = bench;
const config = lockConfigDefaults;
const lockIdHex = toHex(bench.identity.lockId);

// -- the pool: the bench's credentials and updates, plus a second issuer, ceilings and rotations --

type Signer = 'issuer' | 'issuer2' | 'rogue';
const issuer2 = makeIssuer(crypto, 'EdDSA', seeded(31, 'issuer2'));
const kidOf: Record<Signer, string> = { issuer: toHex(bench.issuer.kid), issuer2: toHex(issuer2.kid), rogue: toHex(bench.issuer.kid) /* same kid, other key */ };

interface Cred {
  name: string;
  bytes: Uint8Array;
  claims: CredentialClaims;
  signer: Signer;
  holderMatches: boolean;
  hashHex: string;
  ctiHex: string;
}
const creds: Cred[] = bench.credentials.map((entry) => ({ name: entry.name, bytes: entry.bytes, claims: entry.claims, signer: entry.trustedIssuer ? 'issuer' : 'rogue', holderMatches: entry.holderMatches, hashHex: toHex(crypto.sha256(entry.bytes)), ctiHex: toHex(entry.claims.credentialId) }));
{
  const claims = sampleClaims(seeded(31, 'issuer2-cred'), bench.holder.publicKey, { subject: 'issuer2-seq4', doors: [{ lockId: bench.identity.lockId, sequence: 4 }] });
  const bytes = issueCredential(crypto, issuer2, claims);
  creds.push({ name: 'issuer2-seq4', bytes, claims, signer: 'issuer2', holderMatches: true, hashHex: toHex(crypto.sha256(bytes)), ctiHex: toHex(claims.credentialId) });
}
const credIndex = (name: string): number => creds.findIndex((entry) => entry.name === name);

interface Upd {
  name: string;
  bytes: Uint8Array;
  signer: Signer;
  lockIdHex: string;
  version: number;
  revoked: { ctiHex: string; exp: number }[];
  floor: number;
  ceiling: number | undefined;
  issuers: Signer[] | undefined;
  epoch: number;
}
const upds: Upd[] = bench.updates.map((entry) => ({
  name: entry.name,
  bytes: entry.bytes,
  signer: entry.trusted ? 'issuer' : 'rogue',
  lockIdHex: toHex(entry.lockId),
  version: entry.version,
  revoked: entry.revoked.map((revoked) => ({ ctiHex: toHex(revoked.credentialId), exp: revoked.expiresAtS })),
  floor: entry.sequenceFloor,
  ceiling: undefined,
  issuers: undefined,
  epoch: 0,
}));
const signingKeys: Record<Exclude<Signer, 'rogue'>, IssuerSigningKey> = { issuer: bench.issuer, issuer2 };
function extraUpdate(name: string, signer: 'issuer' | 'issuer2', body: { version: number; revoke?: string[]; floor?: number; ceiling?: number; issuers?: ('issuer' | 'issuer2')[]; epoch?: number }): Upd {
  const revoked = (body.revoke ?? []).map((target) => creds[credIndex(target)]!.claims).map((claims) => ({ credentialId: claims.credentialId, expiresAtS: claims.expiresAtS }));
  const bytes = issueLockUpdate(crypto, signingKeys[signer], {
    issuer: 'https://issuer.test',
    issuedAtS: epochS,
    lockId: bench.identity.lockId,
    version: body.version,
    revoked,
    sequenceFloor: body.floor ?? 0,
    ...(body.ceiling !== undefined ? { sequenceCeiling: body.ceiling } : {}),
    ...(body.issuers !== undefined ? { issuers: body.issuers.map((key) => ({ kid: signingKeys[key].kid, algorithm: signingKeys[key].algorithm, publicKey: signingKeys[key].publicKey })) } : {}),
    ...(body.epoch !== undefined ? { epoch: body.epoch } : {}),
  });
  return { name, bytes, signer, lockIdHex, version: body.version, revoked: revoked.map((entry) => ({ ctiHex: toHex(entry.credentialId), exp: entry.expiresAtS })), floor: body.floor ?? 0, ceiling: body.ceiling, issuers: body.issuers, epoch: body.epoch ?? 0 };
}
upds.push(
  extraUpdate('v1 ceiling 3', 'issuer', { version: 1, ceiling: 3 }),
  extraUpdate('v2 ceiling 2', 'issuer', { version: 2, ceiling: 2 }),
  extraUpdate('v5 ceiling 9', 'issuer', { version: 5, ceiling: 9 }),
  extraUpdate('v6 trust issuer2 too', 'issuer', { version: 6, issuers: ['issuer', 'issuer2'] }),
  extraUpdate('v7 rotate to issuer2', 'issuer', { version: 7, issuers: ['issuer2'], ceiling: 4 }),
  extraUpdate('v8 (issuer2) back to issuer', 'issuer2', { version: 8, issuers: ['issuer'] }),
  extraUpdate('v8 (issuer2) revoke issuer2-seq4', 'issuer2', { version: 8, revoke: ['issuer2-seq4'] }),
  // Resets (a new epoch): floor and ceiling are set, not raised; the revocation list is replaced.
  extraUpdate('e1 v1 reset: floor 0 ceiling 2', 'issuer', { epoch: 1, version: 1, ceiling: 2 }),
  extraUpdate('e1 v2 ceiling 6', 'issuer', { epoch: 1, version: 2, ceiling: 6 }),
  extraUpdate('e2 v1 reset (issuer2) back to issuer', 'issuer2', { epoch: 2, version: 1, issuers: ['issuer'], ceiling: 9, floor: 1 }),
);
const updIndex = (name: string): number => upds.findIndex((entry) => entry.name === name);

// -- commands --

type Fault =
  | { kind: 'none' }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'drop'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'lastWithoutResponse' }
  | { kind: 'stopEarly'; at: number };

type Command =
  | { type: 'connect'; conn: number; interval: number | undefined }
  | { type: 'disconnect'; conn: number }
  | { type: 'read'; conn: number; characteristic: Exclude<Characteristic, 'exchange'> }
  | { type: 'advertise' }
  | { type: 'advance'; ms: number }
  | { type: 'full'; conn: number; cred: number; hashOnly: boolean; update: number; mtu: number; fault: Fault }
  | { type: 'flow'; conn: number; cred: number; hashOnly: boolean; update: number; mtu: number; delayMs: number; viaAdvert: boolean }
  | { type: 'resume'; conn: number; ticket: number; update: number; mtu: number; fault: Fault }
  | { type: 'resumeFlow'; conn: number; ticket: number; update: number; mtu: number; delayMs: number }
  | { type: 'hammer'; cred: number; count: number; gapMs: number }
  | { type: 'rereads'; conn: number; count: number; gapMs: number; characteristic: Exclude<Characteristic, 'exchange'> }
  | { type: 'replay'; conn: number; pick: number; mtu: number }
  | { type: 'garbage'; conn: number; data: Uint8Array; withResponse: boolean }
  | { type: 'maintenance'; update: number }
  | { type: 'powerOff' }
  | { type: 'powerOn' }
  | { type: 'powerCycle'; offMs: number };

const conn = fc.integer({ min: 1, max: 3 });
const mtu = fc.constantFrom(23, 64, 247, 517);
const update = fc.integer({ min: -4, max: upds.length - 1 }); // negative: no update
/** Mostly credentials that can open the door (indices 0–3), sometimes any of the pool. */
const cred = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 2, arbitrary: fc.nat() });
const interval = fc.constantFrom(undefined, undefined, 7.5, 15, 30, 50);
const characteristic = fc.constantFrom('challenge' as const, 'challenge_key' as const, 'challenge_signed' as const);
const fault: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.constant({ kind: 'lastWithoutResponse' as const }),
  fc.record({ kind: fc.constant('stopEarly' as const), at: fc.nat() }),
);
const delay = fc.constantFrom(0, 0, 0, 15, 239, 250, 331, 500, 501, 2_000, 3_000);
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ type: fc.constant('connect' as const), conn, interval }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('disconnect' as const), conn }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('read' as const), conn, characteristic }) },
  { weight: 1, arbitrary: fc.constant({ type: 'advertise' as const }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.constantFrom(0, 10, 120, 199, 200, 400, 499, 501, 600, 2_999, 3_000, 5_000, 30_000, 61_000, 150_000, 3_600_000, 4 * 3_600_000) }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('full' as const), conn, cred, hashOnly: fc.boolean(), update, mtu, fault }) },
  { weight: 8, arbitrary: fc.record({ type: fc.constant('flow' as const), conn, cred, hashOnly: fc.constantFrom(false, false, false, true), update: fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, update), mtu, delayMs: delay, viaAdvert: fc.constantFrom(false, false, false, true) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('resume' as const), conn, ticket: fc.nat(), update, mtu, fault }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('resumeFlow' as const), conn, ticket: fc.nat(), update: fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, update), mtu, delayMs: delay }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('hammer' as const), cred: fc.nat(), count: fc.integer({ min: 3, max: 10 }), gapMs: fc.constantFrom(0, 1_000, 8_000) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('rereads' as const), conn, count: fc.integer({ min: 2, max: 8 }), gapMs: fc.constantFrom(0, 250, 501, 1_000), characteristic }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('replay' as const), conn, pick: fc.nat(), mtu }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('garbage' as const), conn, data: fc.uint8Array({ minLength: 0, maxLength: 40 }), withResponse: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('maintenance' as const), update: fc.nat({ max: upds.length - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('powerCycle' as const), offMs: fc.constantFrom(0, 1_000, 70_000) }) },
  { weight: 1, arbitrary: fc.constantFrom({ type: 'powerOff' as const }, { type: 'powerOn' as const }) },
);

// -- the reference model --

const formOf: Record<Exclude<Characteristic, 'exchange'>, ChallengeForm> = { challenge: challengeForm.commit, challenge_key: challengeForm.key, challenge_signed: challengeForm.signed };

/** A challenge's identity: the commitment to its ephemeral key (form 1 shows it; forms 2/3 give the key). */
function identityOf(bytes: Uint8Array): { id: string; form: ChallengeForm } {
  const challenge = decodeChallenge(bytes);
  return { id: toHex(challenge.form === challengeForm.commit ? challenge.commitment! : commitToEphemeral(crypto, challenge.lockEphemeralKey!)), form: challenge.form };
}

interface SentMessage {
  kind: 'full' | 'resume';
  challengeId: string;
  form: ChallengeForm;
  cred: number;
  hashOnly: boolean;
  updates: number[];
  ticketIdHex: string;
  pending?: PendingFull;
  pendingResume?: PendingResume;
}

interface ModelChallenge {
  /** undefined until the lock's answer names it (the model predicts new vs re-served, not the bytes). */
  id: string | undefined;
  form: ChallengeForm;
  createdAtMs: number;
  used: boolean;
}

interface ModelConnection {
  connectedAtMs: number;
  lastActivityMs: number;
  intervalMs: number | undefined;
  refusals: number;
  keys: number;
  discarding: boolean;
  challenge: ModelChallenge | undefined;
  reassembly: ReassemblyModel;
}

interface ModelTicket {
  /** Filled in when the phone opens the result that granted it (same command). */
  resumption: Uint8Array | undefined;
  counter: number;
  cred: number;
  kidHex: string;
  hashHex: string;
  expiresAtMs: number;
}

/** An audit record the model expects: `*` when the code is the lock's own (e.g. a forged signature's). */
interface ExpectedAudit {
  event: string;
  code: string | undefined;
  authenticated: boolean;
}

/** What the model predicts for one lock.step. */
class Expect {
  disconnects: number[] = [];
  audits: ExpectedAudit[] = [];
  actuate = 0;
  relock = 0;
  writeResponses: number[] = [];
}

/** The decision on a completed request, as the phone should see it. */
interface Decision {
  unlocked: boolean;
  code: string | undefined;
  authenticated: boolean;
  /** Result shape: plain (no seal/MAC), or signed/MAC'd. */
  protectedResult: boolean;
  type: 1 | 2;
}

const ticketIdMemo = new Map<string, string>();
function idOf(resumption: Uint8Array, counter: number): string {
  const key = `${toHex(resumption)}/${counter}`;
  let id = ticketIdMemo.get(key);
  if (id === undefined) ticketIdMemo.set(key, (id = toHex(ticketId(crypto, resumption, counter))));
  return id;
}

class Model {
  nowMs = epochMs;
  powered = true;
  readonly advertiseChallenge: boolean;
  connections = new Map<number, ModelConnection>();
  advertised: ModelChallenge | undefined;
  /** Verified credentials by hash → cred index and kid, in LRU order. */
  cache = new Map<string, { cred: number; kidHex: string }>();
  /** Tickets in filing order (oldest first out). */
  tickets: ModelTicket[] = [];
  holderFailures = new Map<string, number[]>();
  strangerFailures: number[] = [];
  epoch = 0;
  version = 0;
  floor = 0;
  ceiling = 0;
  trusted: Signer[] = ['issuer'];
  revoked = new Map<string, number>(); // cti hex → exp
  unlockedUntilMs: number | undefined;
  /** Signers whose updates are administrative (the lock's update keys). */
  adminSigners: Signer[] = ['issuer'];
  /** Authenticated audit events (the ring in RAM) and what of it is committed to NV. */
  ring: string[] = [];
  committedRing: string[] = [];
  actuations = 0;
  resumeActuations = 0;
  actuatedChallenges = new Set<string>();
  seenChallenges = new Set<string>();
  /** Coverage: codes and events the model predicted. */
  readonly seen = new Set<string>();
  expect = new Expect();

  constructor(advertiseChallenge: boolean) {
    this.advertiseChallenge = advertiseChallenge;
  }

  get nowS(): number {
    return Math.floor(this.nowMs / 1000);
  }
  relayBound(connection: ModelConnection): number {
    return connection.intervalMs === undefined ? config.relayBoundMs : Math.min(config.relayBoundMs, config.relayAllowanceMs + config.relayIntervals * connection.intervalMs);
  }
  trustedKid(kidHex: string): boolean {
    return this.trusted.some((signer) => kidOf[signer] === kidHex);
  }
  isLive(connId: number): boolean {
    const connection = this.connections.get(connId);
    return connection !== undefined && !this.isStale(connection);
  }
  private isStale(connection: ModelConnection): boolean {
    return this.nowMs - connection.lastActivityMs >= config.connectionIdleMs || this.nowMs - connection.connectedAtMs >= config.connectionLifetimeMs;
  }

  audit(event: string, code: string | undefined, authenticated: boolean): void {
    this.expect.audits.push({ event, code, authenticated });
    this.seen.add(`${event}:${code ?? ''}${authenticated ? ':auth' : ''}`);
    if (authenticated) {
      this.ring.push(`${event}:${code ?? ''}`);
      if (this.ring.length > 64) this.ring.shift();
      // The lock commits right after an unlock, a verified refusal or an applied update (with the
      // whole ring); boot and battery_low wait for the next commit.
      if (event !== 'boot' && event !== 'battery_low') this.committedRing = this.ring.slice();
    }
  }
  drop(connId: number, why: string): void {
    this.connections.delete(connId);
    this.expect.disconnects.push(connId);
    this.seen.add(`drop:${why}`);
  }

  /** Every powered step: the bolt's timer, then idle and over-age links (lock.ts step). */
  begin(): Expect {
    this.expect = new Expect();
    if (!this.powered) return this.expect;
    if (this.unlockedUntilMs !== undefined && this.nowMs >= this.unlockedUntilMs) {
      this.unlockedUntilMs = undefined;
      this.expect.relock++;
    }
    for (const [connId, connection] of this.connections) if (this.isStale(connection)) this.drop(connId, this.nowMs - connection.lastActivityMs >= config.connectionIdleMs ? 'idle' : 'age');
    return this.expect;
  }

  connect(connId: number, intervalMs: number | undefined): void {
    if (this.connections.size >= config.connectionsMax) {
      this.expect.disconnects.push(connId);
      return;
    }
    this.connections.set(connId, { connectedAtMs: this.nowMs, lastActivityMs: this.nowMs, intervalMs, refusals: 0, keys: 0, discarding: false, challenge: undefined, reassembly: new ReassemblyModel() });
  }

  /** A challenge read at offset 0: 'reserve' the outstanding one, a 'new' one, 'dropped' past the key budget, or 'none' (no link). */
  readChallenge(connId: number, characteristic: Exclude<Characteristic, 'exchange'>): 'reserve' | 'new' | 'dropped' | 'none' {
    const connection = this.connections.get(connId);
    if (!this.powered || connection === undefined) return 'none';
    connection.lastActivityMs = this.nowMs;
    const current = connection.challenge;
    let kind: 'reserve' | 'new' = 'reserve';
    if (current === undefined || current.used || this.nowMs - current.createdAtMs > this.relayBound(connection)) {
      if (connection.keys >= config.challengeKeysPerConnectionMax) {
        this.drop(connId, 'keys');
        return 'dropped';
      }
      connection.keys++;
      connection.challenge = { id: undefined, form: formOf[characteristic], createdAtMs: this.nowMs, used: false };
      kind = 'new';
    }
    connection.challenge!.form = formOf[characteristic];
    return kind;
  }

  readExchange(connId: number): boolean {
    const connection = this.connections.get(connId);
    if (!this.powered || connection === undefined) return false;
    connection.lastActivityMs = this.nowMs;
    return true;
  }

  /** The advert: 'none' without extended advertising, else the current challenge re-advertised or a new one. */
  advertise(): 'none' | 'same' | 'new' {
    if (!this.advertiseChallenge) return 'none';
    const current = this.advertised;
    if (current === undefined || current.used || this.nowMs - current.createdAtMs >= config.advertisedChallengeLifetimeMs) {
      this.advertised = { id: undefined, form: challengeForm.signed, createdAtMs: this.nowMs, used: false };
      return 'new';
    }
    return 'same';
  }

  powerDown(): void {
    this.powered = false;
    this.ring = this.committedRing.slice(); // RAM is gone: at boot the lock reloads the ring from NV
    this.connections.clear();
    this.advertised = undefined;
    this.cache.clear();
    this.tickets = [];
    this.holderFailures.clear();
    this.strangerFailures = [];
    this.unlockedUntilMs = undefined;
  }
  boot(): void {
    this.powered = true;
    this.audit('boot', undefined, true);
  }

  rateLimited(ctiHex: string): boolean {
    return (this.holderFailures.get(ctiHex) ?? []).filter((time) => this.nowMs - time < config.failureWindowMs).length >= config.failuresMax;
  }
  recordHolderFailure(ctiHex: string): void {
    const times = (this.holderFailures.get(ctiHex) ?? []).filter((time) => this.nowMs - time < config.failureWindowMs);
    times.push(this.nowMs);
    this.holderFailures.set(ctiHex, times.slice(-config.failuresMax));
  }
  strangersExhausted(): boolean {
    return this.strangerFailures.filter((time) => this.nowMs - time < config.strangerWindowMs).length >= config.strangerFailuresMax;
  }

  policy(credential: Cred): ErrorCode | undefined {
    const claims = credential.claims;
    const door = claims.doors.find((entry) => toHex(entry.lockId) === lockIdHex);
    if (door === undefined) return 'credential_wrong_door';
    if (this.nowS + config.skewToleranceS < claims.notBeforeS) return 'credential_not_yet_valid';
    if (this.nowS >= claims.expiresAtS + config.skewToleranceS) return 'credential_expired';
    if (this.revoked.has(credential.ctiHex)) return 'credential_revoked';
    if (door.sequence < this.floor) return 'credential_superseded';
    return undefined;
  }

  /** A signed lock update (maintenance or piggybacked): applied, or counted as rejected. */
  applyUpdate(index: number): void {
    const update = upds[index]!;
    const rejected = (code: string): void => this.audit('update_rejected', code, false);
    // Lock id and (epoch, version) are checked before any signature is (they can only refuse).
    if (update.lockIdHex !== lockIdHex) return rejected('update_wrong_lock');
    if (update.epoch < this.epoch || (update.epoch === this.epoch && update.version <= this.version)) return rejected('update_rollback');
    // The administration key (the bench lock's original issuer key, which rotations of the credential
    // keys never change) signs anything; a trusted credential key signs routine updates only.
    const administrative = this.adminSigners.includes(update.signer);
    if (!administrative && (update.signer === 'rogue' || !this.trusted.includes(update.signer))) return rejected('*');
    if (!administrative) {
      const ceiling = Math.max(this.ceiling, update.ceiling ?? 0);
      if (update.issuers !== undefined || update.epoch > this.epoch || update.floor > ceiling) return rejected('update_not_authorized');
    }
    // The update's list replaces the lock's, less entries past exp + skew + rollback tolerance (a
    // clock step back must not revive one).
    const keepS = config.skewToleranceS + Math.ceil(config.clockRollbackToleranceMs / 1000);
    const live = new Map<string, number>();
    for (const entry of update.revoked) if (entry.exp + keepS > this.nowS) live.set(entry.ctiHex, entry.exp);
    this.revoked = live;
    const reset = update.epoch > this.epoch;
    this.floor = reset ? update.floor : Math.max(this.floor, update.floor);
    this.ceiling = Math.max(reset ? 0 : this.ceiling, update.ceiling ?? 0, this.floor);
    this.epoch = update.epoch;
    this.version = update.version;
    if (update.issuers !== undefined) {
      // One key set in both roles stays one set: the rotation moves the administration keys too.
      const sameRoles = [...this.adminSigners].sort().join() === [...this.trusted].sort().join();
      if (sameRoles) this.adminSigners = update.issuers.slice();
      const before = new Set(this.trusted.map((signer) => kidOf[signer]));
      this.trusted = update.issuers.slice();
      const now = new Set(this.trusted.map((signer) => kidOf[signer]));
      if (now.size !== before.size || [...now].some((kid) => !before.has(kid))) {
        // Whatever was verified under a key no longer trusted goes (cache and the tickets on it).
        for (const [hash, entry] of this.cache) if (!this.trustedKid(entry.kidHex)) this.cache.delete(hash);
        this.tickets = this.tickets.filter((ticket) => this.trustedKid(ticket.kidHex));
        this.seen.add('flush');
      }
    }
    this.audit('update_applied', undefined, true);
  }

  ticketIds(): Set<string> {
    const ids = new Set<string>();
    for (const ticket of this.tickets) {
      expect(ticket.resumption, 'a granted ticket the phone never opened').toBeDefined();
      for (let offset = 0; offset < ticketLookahead; offset++) ids.add(idOf(ticket.resumption!, ticket.counter + offset));
    }
    return ids;
  }
  private findTicket(idHex: string): { ticket: ModelTicket; counter: number } | undefined {
    for (const ticket of this.tickets) {
      for (let offset = 0; offset < ticketLookahead; offset++) if (ticket.resumption !== undefined && idOf(ticket.resumption, ticket.counter + offset) === idHex) return { ticket, counter: ticket.counter + offset };
    }
    return undefined;
  }
  private fileTicket(ticket: ModelTicket): void {
    this.tickets = this.tickets.filter((held) => held !== ticket && (held.resumption === undefined || ticket.resumption === undefined || !equalBytes(held.resumption, ticket.resumption)));
    if (this.tickets.length >= limits.ticketsMax) this.tickets.shift();
    this.tickets.push(ticket);
  }
  private lookupCache(hashHex: string): { cred: number; kidHex: string } | undefined {
    const entry = this.cache.get(hashHex);
    if (entry !== undefined) {
      this.cache.delete(hashHex); // LRU
      this.cache.set(hashHex, entry);
    }
    return entry;
  }

  /** Predicts one write on the exchange characteristic. */
  write(connId: number, chunk: Uint8Array, withResponse: boolean, sent: Map<string, SentMessage>): { kind: 'ignored' | 'dropped' | 'pending' | 'refused' | 'unlocked'; decision?: Decision; newTicket?: ModelTicket } {
    const connection = this.connections.get(connId);
    if (!this.powered || connection === undefined) return { kind: 'ignored' };
    connection.lastActivityMs = this.nowMs;
    const respond = (code: number): void => {
      if (withResponse) this.expect.writeResponses.push(code);
    };
    const header = chunk[0] ?? 0;
    if (connection.refusals >= config.connectionRefusalsMax && (header & 0x7f) === 0) {
      this.drop(connId, 'refusals');
      return { kind: 'dropped' };
    }
    if (connection.discarding) {
      if ((header & 0x7f) !== 0) {
        if ((header & 0x80) === 0) connection.discarding = false;
        respond(attError.refused);
        return { kind: 'refused' };
      }
      connection.discarding = false;
    }
    const pushed = connection.reassembly.push(chunk);
    if (pushed.kind === 'refused') {
      connection.discarding = (header & 0x80) !== 0;
      connection.refusals++;
      this.audit('refused', pushed.code, false);
      respond(attError.refused);
      return { kind: 'refused' };
    }
    if (pushed.kind === 'pending') {
      respond(attError.success);
      return { kind: 'pending' };
    }
    if (!withResponse) {
      connection.refusals++;
      this.audit('refused', 'message_malformed', false);
      return { kind: 'refused' };
    }
    let challenge = connection.challenge;
    if (challenge === undefined && this.advertised !== undefined) {
      // A link that read no challenge answers the advertised one, which this attempt consumes.
      challenge = { ...this.advertised };
      this.advertised.used = true;
    }
    connection.challenge = undefined;
    const outcome = this.decide(pushed.message, challenge, this.relayBound(connection), sent.get(toHex(pushed.message)));
    if (!outcome.decision.unlocked) connection.refusals++;
    respond(outcome.decision.unlocked ? attError.success : attError.refused);
    return { kind: outcome.decision.unlocked ? 'unlocked' : 'refused', ...outcome };
  }

  private decide(message: Uint8Array, challenge: ModelChallenge | undefined, relayBoundMs: number, meta: SentMessage | undefined): { decision: Decision; newTicket?: ModelTicket } {
    const refuse = (type: 1 | 2, code: string, options: { authenticated?: boolean; protectedResult?: boolean; costly?: boolean; auditCode?: string; ctiHex?: string } = {}): { decision: Decision } => {
      const authenticated = options.authenticated ?? false;
      if (!authenticated && options.costly) this.strangerFailures.push(this.nowMs);
      if (authenticated) {
        // The ring gets a credential's first refusal in a window (not for another door); the rest are counted.
        const first = !(this.holderFailures.get(options.ctiHex!) ?? []).some((time) => this.nowMs - time < config.failureWindowMs);
        if (code !== 'rate_limited') this.recordHolderFailure(options.ctiHex!);
        this.audit('refused', code, first && code !== 'credential_wrong_door');
      } else this.audit('refused', options.auditCode ?? code, false);
      return { decision: { unlocked: false, code, authenticated, protectedResult: options.protectedResult ?? false, type } };
    };
    let request: Request;
    try {
      request = decodeRequest(message);
    } catch (error) {
      if (!isLatchkeyError(error)) throw error;
      return refuse(1, error.code);
    }
    const type = request.type === 1 ? 1 : 2;
    // The gate: no crypto, nothing learned.
    if (challenge === undefined) return refuse(type, 'challenge_missing');
    if (challenge.used) return refuse(type, 'challenge_used');
    const ageMs = this.nowMs - challenge.createdAtMs;
    if (ageMs > config.challengeLifetimeMs) return refuse(type, 'challenge_expired');
    if (ageMs > relayBoundMs) return refuse(type, 'relay_suspected');
    const common = supportedVersions & request.phoneVersions & 0xff;
    if (common === 0) return refuse(type, 'version_unsupported');
    if (request.version !== 1 << (31 - Math.clz32(common))) return refuse(type, 'version_downgrade');
    const matches = meta !== undefined && meta.kind === (type === 1 ? 'full' : 'resume') && meta.challengeId === challenge.id && meta.form === challenge.form;
    if (type === 1) {
      // Bytes we did not build (or built for another challenge or form) do not open: an invalid point or an AEAD failure.
      if (!matches) return refuse(1, meta === undefined ? '*' : 'decrypt_failed', { costly: true });
      // Decrypted: refusals are signed while the stranger budget lasts (plain after), always costly.
      const stranger = (code: string, auditCode?: string): { decision: Decision } => refuse(1, code, { protectedResult: !this.strangersExhausted(), costly: true, ...(auditCode ? { auditCode } : {}) });
      for (const index of meta.updates) this.applyUpdate(index);
      const credential = creds[meta.cred]!;
      const cached = this.lookupCache(credential.hashHex);
      let kidHex: string;
      if (cached !== undefined && this.trustedKid(cached.kidHex)) kidHex = cached.kidHex;
      else if (meta.hashOnly) return stranger('credential_unknown');
      else if (credential.signer === 'rogue' || !this.trusted.includes(credential.signer)) return stranger('access_denied', '*');
      else kidHex = kidOf[credential.signer];
      // A hash-only request with a bad proof looks like an unknown hash (no cache oracle).
      if (!credential.holderMatches) return stranger(meta.hashOnly ? 'credential_unknown' : 'holder_proof_invalid');
      // Authenticated from here: specific codes, the lock time, the holder's own budget.
      if (this.rateLimited(credential.ctiHex)) return refuse(1, 'rate_limited', { authenticated: true, protectedResult: true, ctiHex: credential.ctiHex });
      const policy = this.policy(credential);
      if (policy !== undefined) return refuse(1, policy, { authenticated: true, protectedResult: true, ctiHex: credential.ctiHex });
      if (this.cache.size >= limits.credentialCacheMax && !this.cache.has(credential.hashHex)) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(credential.hashHex, { cred: meta.cred, kidHex });
      const newTicket: ModelTicket = { resumption: undefined, counter: 0, cred: meta.cred, kidHex, hashHex: credential.hashHex, expiresAtMs: Math.min(this.nowMs + config.ticketLifetimeS * 1000, credential.claims.expiresAtS * 1000) };
      this.fileTicket(newTicket);
      this.succeed(credential, challenge.id!);
      return { decision: { unlocked: true, code: undefined, authenticated: true, protectedResult: true, type: 1 }, newTicket };
    }
    // Resume: the ticket (still under a trusted kid, unexpired), then the MAC.
    const found = meta !== undefined && meta.kind === 'resume' ? this.findTicket(meta.ticketIdHex) : undefined;
    if (meta === undefined) return refuse(2, '*');
    if (found === undefined || this.nowMs >= found.ticket.expiresAtMs || !this.trustedKid(found.ticket.kidHex)) return refuse(2, 'ticket_unknown');
    if (!matches) return refuse(2, 'holder_proof_invalid');
    const ticket = found.ticket;
    ticket.counter = found.counter + 1; // one use per id: filed again under the next ids
    this.fileTicket(ticket);
    const mac = (code: string, authenticated: boolean, ctiHex?: string): { decision: Decision } => refuse(2, code, { authenticated, protectedResult: true, ...(ctiHex ? { ctiHex } : {}) });
    for (const index of meta.updates) this.applyUpdate(index);
    const cached = this.lookupCache(ticket.hashHex);
    if (cached === undefined || !this.trustedKid(cached.kidHex)) return mac('credential_unknown', false);
    const credential = creds[cached.cred]!;
    if (this.rateLimited(credential.ctiHex)) return mac('rate_limited', true, credential.ctiHex);
    const policy = this.policy(credential);
    if (policy !== undefined) return mac(policy, true, credential.ctiHex);
    this.resumeActuations++;
    this.succeed(credential, challenge.id!);
    return { decision: { unlocked: true, code: undefined, authenticated: true, protectedResult: true, type: 2 } };
  }

  private succeed(credential: Cred, challengeId: string): void {
    expect(this.actuatedChallenges.has(challengeId), 'a challenge actuated twice').toBe(false);
    this.actuatedChallenges.add(challengeId);
    // The floor rises with the door sequence, but only up to the issuer-signed ceiling.
    const target = Math.min(credential.claims.doors.find((entry) => toHex(entry.lockId) === lockIdHex)!.sequence, this.ceiling);
    if (target > this.floor) {
      this.floor = target;
      this.seen.add('floor_raised');
    }
    this.audit('unlocked', undefined, true);
    this.unlockedUntilMs = this.nowMs + config.unlockMs;
    this.expect.actuate++;
    this.actuations++;
  }
}

// -- the runner --

interface PhoneTicket {
  ticket: ResumptionTicket;
  cred: number;
}

class Run {
  readonly lock: Lock;
  readonly model: Model;
  readonly sent = new Map<string, SentMessage>();
  readonly messages: Uint8Array[] = [];
  readonly phoneChallenges = new Map<number, Uint8Array>();
  lastAdvert: Uint8Array | undefined;
  lastChallenge: Uint8Array = encodeChallenge({ form: challengeForm.commit, lockVersions: supportedVersions, commitment: new Uint8Array(19) });
  readonly phoneTickets: PhoneTicket[] = [];
  readonly random = createSeededRandom(5).fork('phone');
  stats = { unlocked: 0, viaAdvert: 0 };

  constructor(advertiseChallenge = false) {
    // The model does not model the challenge key budget (test/hardware/key-budget.test.ts and
    // advertised-budget.test.ts do): a bucket no sequence can empty, no reserve, so that the
    // advertiser's renewals (which draw from it) are never refused here.
    this.lock = bench.makeLock({ config: { advertiseChallenge, challengeKeysBurstMax: 1_000_000, challengeKeysReservedForReads: 0 } });
    this.model = new Model(advertiseChallenge);
  }

  /** One lock.step: `predict` runs the model for this input; every output must be the predicted one. */
  step(input: LockInput, predict: (model: Model) => void = () => {}): LockOutput[] {
    const model = this.model;
    const wasPowered = model.powered;
    const expected = model.begin();
    if (wasPowered) predict(model);
    else if (input.type === 'power_restored') model.boot();
    const outputs = this.lock.step(input, model.nowMs);
    const what = `${input.type}${'connectionId' in input ? ` on ${input.connectionId}` : ''} at +${model.nowMs - epochMs} ms`;
    if (!wasPowered && input.type !== 'power_restored') expect(outputs, what).toEqual([]);
    expect(outputs.filter((output) => output.type === 'disconnect').map((output) => output.connectionId).sort(), `${what}: dropped links`).toEqual(expected.disconnects.slice().sort());
    expect(actuations(outputs), `${what}: actuations`).toBe(expected.actuate);
    expect(outputs.filter((output) => output.type === 'relock').length, `${what}: relock`).toBe(expected.relock);
    expect(outputs.flatMap((output) => (output.type === 'write_response' ? [output.attError] : [])), `${what}: write responses`).toEqual(expected.writeResponses);
    const audits = outputs.flatMap((output) => (output.type === 'audit' ? [output.record] : []));
    const got = audits.map((record, index) => ({ event: record.event, code: expected.audits[index]?.code === '*' && record.code !== undefined ? '*' : record.code, authenticated: record.sequence > 0 }));
    expect(got, `${what}: audit records`).toEqual(expected.audits);
    return outputs;
  }

  async run(command: Command): Promise<void> {
    const model = this.model;
    switch (command.type) {
      case 'connect':
        return this.connect(command.conn, command.interval);
      case 'disconnect':
        this.step({ type: 'disconnect', connectionId: command.conn }, (m) => void m.connections.delete(command.conn));
        this.phoneChallenges.delete(command.conn);
        return;
      case 'read':
        return this.read(command.conn, command.characteristic);
      case 'advertise':
        return this.advertise();
      case 'advance':
        model.nowMs += command.ms;
        this.step({ type: 'tick' });
        return;
      case 'full':
        return this.sendFull(command.conn, command.cred, command.hashOnly, command.update, command.mtu, command.fault);
      case 'flow': {
        if (!model.powered) return;
        if (command.viaAdvert && model.advertiseChallenge) {
          // A native phone: the challenge from the advert, no read (1 round trip).
          if (model.connections.get(command.conn)?.challenge !== undefined) await this.run({ type: 'disconnect', conn: command.conn });
          this.advertise();
          if (!model.isLive(command.conn)) this.connect(command.conn, undefined);
          this.phoneChallenges.delete(command.conn);
          model.nowMs += command.delayMs;
          const before = this.stats.unlocked;
          await this.sendFull(command.conn, command.cred, command.hashOnly, command.update, command.mtu, { kind: 'none' }, true);
          if (this.stats.unlocked > before) this.stats.viaAdvert++;
          return;
        }
        if (!model.isLive(command.conn)) this.connect(command.conn, undefined);
        this.read(command.conn, characteristicFor(command.mtu));
        model.nowMs += command.delayMs;
        return this.sendFull(command.conn, command.cred, command.hashOnly, command.update, command.mtu, { kind: 'none' }, true);
      }
      case 'resume':
        return this.sendResume(command.conn, command.ticket, command.update, command.mtu, command.fault);
      case 'resumeFlow':
        if (!model.powered) return;
        if (!model.isLive(command.conn)) this.connect(command.conn, undefined);
        this.read(command.conn, characteristicFor(command.mtu));
        model.nowMs += command.delayMs;
        return this.sendResume(command.conn, command.ticket, command.update, command.mtu, { kind: 'none' }, true);
      case 'hammer': {
        // One credential tries again and again, each on a new link (its own budget, the strangers').
        for (let i = 0; i < command.count && model.powered; i++) {
          await this.run({ type: 'disconnect', conn: 3 });
          this.connect(3, 15);
          this.read(3, 'challenge_key');
          await this.sendFull(3, command.cred, false, -1, 247, { kind: 'none' }, true);
          model.nowMs += command.gapMs;
        }
        return;
      }
      case 'rereads':
        // Repeated challenge reads: re-served while unused and inside the link's bound, else a new key, up to the budget.
        for (let i = 0; i < command.count; i++) {
          this.read(command.conn, command.characteristic);
          model.nowMs += command.gapMs;
        }
        return;
      case 'replay': {
        if (this.messages.length === 0) return;
        const message = this.messages[command.pick % this.messages.length]!;
        // A replay can be the first complete delivery (its earlier send was faulty) and then succeed.
        const delivered = this.deliver(command.conn, splitIntoChunks(message, command.mtu), true);
        if (delivered.unlocked) this.collectTicket(command.conn, message, delivered.newTicket);
        return;
      }
      case 'garbage':
        this.deliver(command.conn, [command.data], command.withResponse);
        return;
      case 'maintenance':
        this.step({ type: 'maintenance_update', update: upds[command.update]!.bytes }, (m) => m.applyUpdate(command.update));
        return;
      case 'powerOff':
        this.step({ type: 'power_lost' }, (m) => m.powerDown());
        this.phoneChallenges.clear();
        return;
      case 'powerOn':
        this.step({ type: 'power_restored' });
        return;
      case 'powerCycle':
        await this.run({ type: 'powerOff' });
        model.nowMs += command.offMs;
        return this.run({ type: 'powerOn' });
    }
  }

  connect(connId: number, intervalMs: number | undefined): void {
    if (this.model.isLive(connId)) return; // a live link is not connected twice
    this.step({ type: 'connect', connectionId: connId, ...(intervalMs !== undefined ? { connIntervalMs: intervalMs } : {}) }, (m) => m.connect(connId, intervalMs));
    this.phoneChallenges.delete(connId);
  }

  read(connId: number, characteristic: Exclude<Characteristic, 'exchange'>): void {
    let predicted: ReturnType<Model['readChallenge']> = 'none';
    const value = readValue(this.step({ type: 'read', connectionId: connId, characteristic, offset: 0 }, (m) => void (predicted = m.readChallenge(connId, characteristic))));
    if (predicted === 'none' || predicted === 'dropped') {
      expect(value).toBeUndefined();
      return;
    }
    expect(value).toBeDefined();
    const { id, form } = identityOf(value!);
    expect(form).toBe(formOf[characteristic]);
    const challenge = this.model.connections.get(connId)!.challenge!;
    if (predicted === 'new') {
      expect(this.model.seenChallenges.has(id), 'a new challenge must have a new ephemeral key').toBe(false);
      this.model.seenChallenges.add(id);
      challenge.id = id;
    } else {
      expect(id, 're-served challenge').toBe(challenge.id);
      this.model.seen.add('reserved');
    }
    this.phoneChallenges.set(connId, value!);
    this.lastChallenge = value!;
  }

  advertise(): void {
    let predicted: ReturnType<Model['advertise']> = 'none';
    const outputs = this.step({ type: 'advertise' }, (m) => void (predicted = m.advertise()));
    if (!this.model.powered) return;
    const advert = outputs.find((output) => output.type === 'advertisement');
    expect(advert).toBeDefined();
    if (advert?.type !== 'advertisement') return;
    if (predicted === 'none') {
      expect(advert.challenge).toBeUndefined();
      return;
    }
    const { id, form } = identityOf(advert.challenge!);
    expect(form).toBe(challengeForm.signed);
    if (predicted === 'new') {
      expect(this.model.seenChallenges.has(id)).toBe(false);
      this.model.seenChallenges.add(id);
      this.model.advertised!.id = id;
    } else expect(id).toBe(this.model.advertised!.id);
    this.lastAdvert = advert.challenge!;
  }

  private challengeFor(connId: number): Uint8Array {
    return this.phoneChallenges.get(connId) ?? this.lastAdvert ?? this.lastChallenge;
  }

  private updatesOf(index: number): number[] {
    return index >= 0 ? [index % upds.length] : [];
  }

  async sendFull(connId: number, credIndexIn: number, hashOnly: boolean, updateIndex: number, mtu: number, fault: Fault, readResult = false): Promise<void> {
    const cred = credIndexIn % creds.length;
    const credential = creds[cred]!;
    const challengeBytes = this.challengeFor(connId);
    const updates = this.updatesOf(updateIndex);
    const { message, pending } = await buildFullRequest({
      crypto,
      random: (n) => this.random.bytes(n),
      lock: bench.cert,
      challengeBytes,
      credential: credential.bytes,
      sendHashOnly: hashOnly,
      holder: bench.holder,
      updates: updates.map((index) => upds[index]!.bytes),
    });
    const { id, form } = identityOf(challengeBytes);
    this.remember(message, { kind: 'full', challengeId: id, form, cred, hashOnly, updates, ticketIdHex: '', pending });
    const delivered = this.deliverWithFault(connId, message, mtu, fault);
    if (delivered.unlocked) this.collectTicket(connId, message, delivered.newTicket);
    else if (readResult && delivered.decision !== undefined) this.checkResult(connId, delivered.decision, (result) => openFullResult(crypto, pending, bench.cert, result, this.model.nowS));
  }

  /** After a full unlock: read and open the result as the phone would, and keep the ticket granted. */
  private collectTicket(connId: number, message: Uint8Array, granted: ModelTicket | undefined): void {
    const meta = this.sent.get(toHex(message))!;
    if (meta.kind !== 'full') return;
    expect(this.model.readExchange(connId)).toBe(true);
    const result = readValue(this.step({ type: 'read', connectionId: connId, characteristic: 'exchange', offset: 0 }))!;
    const status = openFullResult(crypto, meta.pending!, bench.cert, result, this.model.nowS);
    expect(status.status).toBe('unlocked');
    expect(status.lockTimeS).toBe(this.model.nowS);
    expect(status.ticket).toBeDefined();
    const ticket = status.ticket!;
    expect(ticket.expiresAtS).toBe(this.model.nowS + config.ticketLifetimeS);
    this.phoneTickets.push({ ticket, cred: meta.cred });
    expect(granted).toBeDefined();
    granted!.resumption = ticket.resumption;
  }

  /** Reads the decision's result as the phone would: its shape, code, and what it discloses. */
  private checkResult(connId: number, decision: Decision, open: (result: Uint8Array) => { status: string; code: ErrorCode | undefined; authenticated: boolean; lockTimeS?: number }): void {
    let readable = false;
    const value = readValue(this.step({ type: 'read', connectionId: connId, characteristic: 'exchange', offset: 0 }, (m) => void (readable = m.readExchange(connId))));
    if (!readable) return;
    const result = decodeResult(value!);
    expect(result.type).toBe(decision.type);
    if (result.type === 0) return;
    if (decision.code !== '*') expect(result.status, `result status for ${decision.code}`).toBe(decision.code === undefined ? 0 : wireOf(decision.code as ErrorCode));
    const isProtected = result.type === 1 ? result.sealed !== undefined : result.type === 2 && result.mac !== undefined;
    expect(isProtected, `${decision.code}: signed/MAC'd result`).toBe(decision.protectedResult);
    if (!decision.protectedResult) return;
    const opened = open(value!);
    expect(opened.authenticated).toBe(true);
    expect(opened.status).toBe(decision.unlocked ? 'unlocked' : 'refused');
    if (decision.code !== '*') expect(opened.code).toBe(decision.code);
    // The lock's time only for a verified holder.
    if (result.type === 1) expect(opened.lockTimeS, JSON.stringify(decision)).toBe(decision.authenticated ? this.model.nowS : undefined);
    this.model.seen.add(`result:${decision.code}:${decision.authenticated ? 'holder' : 'stranger'}`);
  }

  async sendResume(connId: number, ticketIndex: number, updateIndex: number, mtu: number, fault: Fault, readResult = false): Promise<void> {
    if (this.phoneTickets.length === 0) return;
    const held = this.phoneTickets[ticketIndex % this.phoneTickets.length]!;
    const challengeBytes = this.challengeFor(connId);
    const updates = this.updatesOf(updateIndex);
    const { message, pending } = buildResumeRequest(crypto, held.ticket, challengeBytes, updates.map((index) => upds[index]!.bytes));
    const idHex = toHex(ticketId(crypto, held.ticket.resumption, held.ticket.counter));
    held.ticket = pending.ticket; // the phone moves its ticket on when it sends, as the client does
    const { id, form } = identityOf(challengeBytes);
    this.remember(message, { kind: 'resume', challengeId: id, form, cred: held.cred, hashOnly: false, updates, ticketIdHex: idHex, pendingResume: pending });
    const delivered = this.deliverWithFault(connId, message, mtu, fault);
    if (readResult && delivered.decision !== undefined) this.checkResult(connId, delivered.decision, (result) => openResumeResult(crypto, pending, result));
  }

  private remember(message: Uint8Array, meta: SentMessage): void {
    this.sent.set(toHex(message), meta);
    this.messages.push(message);
  }

  private deliverWithFault(connId: number, message: Uint8Array, mtu: number, fault: Fault): ReturnType<Run['deliver']> {
    let bytes = message;
    if (fault.kind === 'truncate') bytes = message.slice(0, fault.at % message.length);
    let chunks = splitIntoChunks(bytes, mtu);
    let finalWithResponse = true;
    switch (fault.kind) {
      case 'flip': {
        const index = fault.at % chunks.length;
        const chunk = chunks[index]!.slice();
        const at = Math.floor(fault.at / chunks.length) % chunk.length;
        chunk[at] = chunk[at]! ^ (1 << fault.bit);
        chunks[index] = chunk;
        break;
      }
      case 'drop':
        if (chunks.length > 1) chunks.splice(fault.at % chunks.length, 1);
        else chunks = [];
        break;
      case 'duplicate':
        chunks.splice(fault.at % chunks.length, 0, chunks[fault.at % chunks.length]!);
        break;
      case 'lastWithoutResponse':
        finalWithResponse = false;
        break;
      case 'stopEarly':
        chunks = chunks.slice(0, fault.at % chunks.length);
        break;
      default:
        break;
    }
    return this.deliver(connId, chunks, finalWithResponse);
  }

  /** Sends chunks (all but the last without response); each write is checked against the model in step. */
  private deliver(connId: number, chunks: Uint8Array[], finalWithResponse: boolean): { unlocked: boolean; decision?: Decision; newTicket?: ModelTicket } {
    let unlocked = false;
    let decision: Decision | undefined;
    let newTicket: ModelTicket | undefined;
    chunks.forEach((chunk, index) => {
      const withResponse = index === chunks.length - 1 ? finalWithResponse : false;
      this.step({ type: 'write', connectionId: connId, characteristic: 'exchange', data: chunk, withResponse }, (m) => {
        const predicted = m.write(connId, chunk, withResponse, this.sent);
        if (predicted.decision !== undefined) decision = predicted.decision;
        if (predicted.newTicket !== undefined) newTicket = predicted.newTicket;
        unlocked ||= predicted.kind === 'unlocked';
      });
    });
    if (unlocked) this.stats.unlocked++;
    return { unlocked, ...(decision ? { decision } : {}), ...(newTicket ? { newTicket } : {}) };
  }

  checkInvariants(): void {
    const { lock, model } = this;
    expect(lock.actuations).toBe(model.actuations);
    expect(lock.isPowered).toBe(model.powered);
    expect(lock.batteryDepleted).toBe(false);
    expect([lock.state.updateEpoch, lock.state.updateVersion]).toEqual([model.epoch, model.version]);
    expect(lock.state.sequenceFloor).toBe(model.floor);
    expect(lock.state.sequenceCeiling).toBe(model.ceiling);
    expect(new Set(lock.state.revoked.map((entry) => toHex(entry.credentialId)))).toEqual(new Set(model.revoked.keys()));
    expect(lock.state.trustedIssuers.map((key) => toHex(key.kid))).toEqual(model.trusted.map((signer) => kidOf[signer]));
    expect(lock.audit.since(0).map((record) => `${record.event}:${record.code ?? ''}`)).toEqual(model.ring);
    if (!model.powered) return;
    expect(lock.isUnlocked).toBe(model.unlockedUntilMs !== undefined);
    expect(new Set(lock.credentialCache.keys())).toEqual(new Set(model.cache.keys()));
    expect(new Set(lock.tickets.keys())).toEqual(model.ticketIds());
  }
}

function characteristicFor(mtu: number): Exclude<Characteristic, 'exchange'> {
  const form = challengeFormForMtu(mtu);
  return form === challengeForm.signed ? 'challenge_signed' : form === challengeForm.key ? 'challenge_key' : 'challenge';
}

describe('lock model-based test', () => {
  const totals = { runs: 0, unlocked: 0, resumed: 0, viaAdvert: 0, commands: 0 };
  const seen = new Set<string>();

  it('over random event sequences the lock does exactly what the model predicts, and actuates only for fully valid requests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(command, { minLength: 5, maxLength: 60, size: 'large' }), async (advertiseChallenge, commands) => {
        const run = new Run(advertiseChallenge);
        for (const entry of commands) {
          await run.run(entry);
          run.checkInvariants();
        }
        totals.runs++;
        totals.unlocked += run.stats.unlocked;
        totals.viaAdvert += run.stats.viaAdvert;
        totals.commands += commands.length;
        totals.resumed += run.model.resumeActuations;
        for (const entry of run.model.seen) seen.add(entry);
      }),
      { numRuns: 200 },
    );
    // Guard against a vacuous model: plenty of real unlocks happened, and the new rules were reached.
    console.info(`model test: ${totals.runs} runs, ${totals.commands} commands, ${totals.unlocked} unlocks (${totals.resumed} on the repeat path, ${totals.viaAdvert} on an advertised challenge)`);
    console.info(`model test reached: ${[...seen].sort().join(' ')}`);
    expect(totals.unlocked).toBeGreaterThan(totals.runs / 2);
    expect(totals.resumed).toBeGreaterThan(0);
    expect(totals.viaAdvert).toBeGreaterThan(0);
    for (const reached of [
      // A rate-limited credential was refused moments before: its refusal is counted, not in the ring.
      'refused:rate_limited',
      'refused:credential_expired:auth',
      'refused:credential_superseded:auth',
      'refused:credential_revoked:auth',
      'refused:holder_proof_invalid',
      'refused:credential_unknown',
      'refused:relay_suspected',
      'result:holder_proof_invalid:stranger',
      'result:credential_expired:holder',
      'drop:idle',
      'drop:refusals',
      'drop:keys',
      'reserved',
      'flush',
      'floor_raised',
    ]) {
      expect(seen, reached).toContain(reached);
    }
  }, 240_000);

  it('regression (seed 375235803): a revocation piggybacked on a request counts for that same request', async () => {
    const run = new Run();
    await run.run({ type: 'flow', conn: 1, cred: credIndex('valid-seq3-short'), hashOnly: false, update: updIndex('v2 revoke short'), mtu: 23, delayMs: 0, viaAdvert: false });
    run.checkInvariants();
    expect(run.lock.state.updateVersion).toBe(2);
    expect(run.lock.actuations).toBe(0);
  });

  it('an unlock raises the floor only up to the issuer-signed ceiling', async () => {
    const run = new Run();
    const seq2 = credIndex('valid-seq2');
    await run.run({ type: 'flow', conn: 1, cred: seq2, hashOnly: false, update: -1, mtu: 247, delayMs: 0, viaAdvert: false });
    expect(run.lock.state.sequenceFloor).toBe(0); // ceiling 0: no raise
    await run.run({ type: 'maintenance', update: updIndex('v1 ceiling 3') });
    await run.run({ type: 'flow', conn: 2, cred: credIndex('issuer2-seq4'), hashOnly: false, update: updIndex('v6 trust issuer2 too'), mtu: 247, delayMs: 0, viaAdvert: false });
    run.checkInvariants();
    expect(run.lock.actuations).toBe(2);
    expect(run.lock.state.sequenceFloor).toBe(3); // sequence 4, ceiling 3
  });

  it('a full valid flow unlocks, and mutating any single byte of its request never does', async () => {
    const run = new Run();
    await run.run({ type: 'flow', conn: 1, cred: 0, hashOnly: false, update: -1, mtu: 247, delayMs: 0, viaAdvert: false });
    expect(run.lock.actuations).toBe(1);
    const honest = run.messages.at(-1)!;
    for (let at = 0; at < honest.length; at++) {
      run.model.nowMs += 61_000; // past the idle limit and every budget window
      run.connect(1, undefined);
      run.read(1, 'challenge_signed');
      await run.sendFull(1, 0, false, -1, 517, { kind: 'flip', at, bit: at % 8 }); // one chunk at MTU 517: byte `at` of it
      run.checkInvariants();
    }
    expect(run.model.actuations).toBe(1);
    expect(run.lock.actuations).toBe(1);
  });
});
