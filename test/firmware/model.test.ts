/**
 * Model-based test of the lock firmware (fast-check): random sequences of connects, challenge
 * reads, honest and faulty requests (bit flips, truncation, dropped/duplicated chunks, final chunk
 * without response, replays, garbage), resume requests, signed updates, time passing and power
 * cycles are applied to a Lock driven directly and to a small reference model. After every command
 * the lock's actuations and persistent state equal the model's; the model actuates only for a fully
 * valid request (in scope, unexpired, unrevoked, not superseded, trusted issuer, holder proof over a
 * fresh challenge within the relay bound, not rate limited), and never twice for one challenge.
 * On failure fast-check prints the seed and the shrunk command list.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attError, type Lock, type LockOutput } from '../../firmware-model/lock.ts';
import { lockConfigDefaults } from '../../firmware-model/config.ts';
import { equalBytes, toHex } from '../../src/protocol/bytes.ts';
import { limits } from '../../src/protocol/limits.ts';
import { createSeededRandom } from '../../src/protocol/random.ts';
import { challengeMessageBytes, decodeChallenge, encodeChallenge } from '../../src/protocol/unlock/challenge.ts';
import { splitIntoChunks } from '../../src/protocol/unlock/chunking.ts';
import { ticketId } from '../../src/protocol/unlock/key-schedule.ts';
import { decodeRequest } from '../../src/protocol/unlock/messages.ts';
import { buildFullRequest, buildResumeRequest, openFullResult, type PendingFull, type ResumptionTicket } from '../../src/protocol/unlock/phone-exchange.ts';
import { actuations, epochMs, makeLockBench, readValue, type PoolCredential } from '../helpers/lock-bench.ts';

const bench = makeLockBench(31);
const { crypto } = bench;
const config = lockConfigDefaults;
const lockIdHex = toHex(bench.identity.lockId);

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
  | { type: 'connect'; conn: number }
  | { type: 'disconnect'; conn: number }
  | { type: 'read'; conn: number }
  | { type: 'advance'; ms: number }
  | { type: 'full'; conn: number; cred: number; hashOnly: boolean; update: number; mtu: number; fault: Fault }
  | { type: 'flow'; conn: number; cred: number; hashOnly: boolean; update: number; mtu: number; delayMs: number }
  | { type: 'resume'; conn: number; ticket: number; update: number; mtu: number; fault: Fault }
  | { type: 'resumeFlow'; conn: number; ticket: number; update: number; mtu: number }
  | { type: 'replay'; conn: number; pick: number; mtu: number }
  | { type: 'garbage'; conn: number; data: Uint8Array; withResponse: boolean }
  | { type: 'maintenance'; update: number }
  | { type: 'powerOff' }
  | { type: 'powerOn' }
  | { type: 'powerCycle'; offMs: number };

const conn = fc.integer({ min: 1, max: 3 });
const mtu = fc.constantFrom(23, 64, 247, 517);
const update = fc.integer({ min: -3, max: bench.updates.length - 1 }); // negative: no update
/** Mostly credentials that can open the door (indices 0–3), sometimes any of the pool. */
const cred = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 2, arbitrary: fc.nat() });
const fault: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.constant({ kind: 'lastWithoutResponse' as const }),
  fc.record({ kind: fc.constant('stopEarly' as const), at: fc.nat() }),
);
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ type: fc.constant('connect' as const), conn }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('disconnect' as const), conn }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('read' as const), conn }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.constantFrom(0, 10, 120, 400, 499, 501, 600, 5_000, 30_000, 61_000, 61_000, 150_000, 3_600_000) }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('full' as const), conn, cred, hashOnly: fc.boolean(), update, mtu, fault }) },
  { weight: 8, arbitrary: fc.record({ type: fc.constant('flow' as const), conn, cred, hashOnly: fc.constantFrom(false, false, false, true), update: fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, update), mtu, delayMs: fc.constantFrom(0, 0, 0, 15, 250, 500, 501, 2_000) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('resume' as const), conn, ticket: fc.nat(), update, mtu, fault }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('resumeFlow' as const), conn, ticket: fc.nat(), update: fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, update), mtu }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('replay' as const), conn, pick: fc.nat(), mtu }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('garbage' as const), conn, data: fc.uint8Array({ minLength: 0, maxLength: 40 }), withResponse: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('maintenance' as const), update: fc.nat({ max: bench.updates.length - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('powerCycle' as const), offMs: fc.constantFrom(0, 1_000, 70_000) }) },
  { weight: 1, arbitrary: fc.constantFrom({ type: 'powerOff' as const }, { type: 'powerOn' as const }) },
);

// -- the reference model --

interface SentMessage {
  kind: 'full' | 'resume';
  commitmentHex: string;
  cred: number;
  hashOnly: boolean;
  updates: number[];
  ticketIdHex: string;
  /** For a full request: what the phone needs to open the lock's result. */
  pending?: PendingFull;
}

interface ModelTicket {
  resumption: Uint8Array;
  counter: number;
  cred: number;
  expiresAtMs: number;
}

class ModelReassembler {
  parts: Uint8Array[] = [];
  length = 0;
  push(chunk: Uint8Array): 'error' | 'pending' | Uint8Array {
    const fault = (): 'error' => {
      this.parts = [];
      this.length = 0;
      return 'error';
    };
    if (chunk.length < 1) return fault();
    if ((chunk[0]! & 0x7f) !== this.parts.length || this.parts.length >= limits.requestChunksMax) return fault();
    this.length += chunk.length - 1;
    if (this.length > limits.requestBytesMax) return fault();
    this.parts.push(chunk.slice(1));
    if ((chunk[0]! & 0x80) !== 0) return 'pending';
    const message = new Uint8Array(this.length);
    let offset = 0;
    for (const part of this.parts) {
      message.set(part, offset);
      offset += part.length;
    }
    this.parts = [];
    this.length = 0;
    return message;
  }
}

class Model {
  nowMs = epochMs;
  powered = true;
  connections = new Map<number, { challenge?: { commitmentHex: string; createdAtMs: number }; reassembler: ModelReassembler; discarding: boolean }>();
  cache = new Set<number>();
  tickets = new Map<string, ModelTicket>();
  failuresMs: number[] = [];
  version = 0;
  floor = 0;
  revoked = new Map<string, number>(); // cti hex → exp
  actuations = 0;
  resumeActuations = 0;
  actuatedChallenges = new Set<string>();

  get nowS(): number {
    return Math.floor(this.nowMs / 1000);
  }
  fail(): false {
    this.failuresMs.push(this.nowMs);
    return false;
  }
  rateLimited(): boolean {
    return this.failuresMs.filter((time) => this.nowMs - time < config.failureWindowMs).length >= config.failuresMax;
  }
  powerDown(): void {
    this.powered = false;
    this.connections.clear();
    this.cache.clear();
    this.tickets.clear();
    this.failuresMs = [];
  }
  rememberTicket(idHex: string, ticket: ModelTicket): void {
    if (this.tickets.size >= limits.ticketsMax) this.tickets.delete(this.tickets.keys().next().value!);
    this.tickets.set(idHex, ticket);
  }
  policyOk(credential: PoolCredential): boolean {
    const claims = credential.claims;
    const door = claims.doors.find((entry) => toHex(entry.lockId) === lockIdHex);
    if (door === undefined) return false;
    if (this.nowS + config.skewToleranceS < claims.notBeforeS) return false;
    if (this.nowS >= claims.expiresAtS + config.skewToleranceS) return false;
    if (this.revoked.has(toHex(claims.credentialId))) return false;
    return door.sequence >= this.floor;
  }
  applyUpdate(index: number): void {
    const update = bench.updates[index]!;
    if (!update.trusted || !equalBytes(update.lockId, bench.identity.lockId) || update.version <= this.version) return;
    const merged = new Map<string, number>();
    for (const [cti, exp] of [...this.revoked, ...update.revoked.map((entry) => [toHex(entry.credentialId), entry.expiresAtS] as const)]) {
      if (exp + config.skewToleranceS > this.nowS) merged.set(cti, exp);
    }
    this.revoked = merged;
    this.floor = Math.max(this.floor, update.sequenceFloor);
    this.version = update.version;
  }
  succeed(credential: PoolCredential, commitmentHex: string): true {
    expect(this.actuatedChallenges.has(commitmentHex), 'a challenge actuated twice').toBe(false);
    this.actuatedChallenges.add(commitmentHex);
    this.floor = Math.max(this.floor, credential.claims.doors.find((entry) => toHex(entry.lockId) === lockIdHex)!.sequence);
    this.actuations++;
    return true;
  }

  /** Predicts one write: ignored (no link or no power), reassembly still pending, refused, or unlocked. */
  write(connId: number, chunk: Uint8Array, withResponse: boolean, sent: Map<string, SentMessage>): 'ignored' | 'pending' | 'refused' | 'unlocked' {
    const connection = this.connections.get(connId);
    if (!this.powered || connection === undefined) return 'ignored';
    const header = chunk[0] ?? 0;
    if (connection.discarding) {
      // After a refused chunk the rest of that message is dropped without counting more failures.
      if ((header & 0x7f) !== 0) {
        if ((header & 0x80) === 0) connection.discarding = false;
        return 'refused';
      }
      connection.discarding = false;
    }
    const pushed = connection.reassembler.push(chunk);
    if (pushed === 'error') {
      connection.discarding = (header & 0x80) !== 0;
      return this.fail() || 'refused';
    }
    if (pushed === 'pending') return 'pending';
    if (!withResponse) return this.fail() || 'refused';
    const challenge = connection.challenge;
    connection.challenge = undefined;
    return this.decide(pushed, challenge, sent.get(toHex(pushed))) ? 'unlocked' : 'refused';
  }

  private decide(message: Uint8Array, challenge: { commitmentHex: string; createdAtMs: number } | undefined, meta: SentMessage | undefined): boolean {
    try {
      decodeRequest(message);
    } catch {
      return this.fail();
    }
    if (this.rateLimited()) return false; // refused rate_limited: not counted as a new failure
    if (meta === undefined || challenge === undefined) return this.fail();
    const ageMs = this.nowMs - challenge.createdAtMs;
    if (ageMs > config.challengeLifetimeMs || ageMs > config.relayBoundMs) return this.fail();
    if (meta.commitmentHex !== challenge.commitmentHex) return this.fail(); // AEAD / MAC bound to another challenge
    if (meta.kind === 'full') {
      for (const index of meta.updates) this.applyUpdate(index);
      const credential = bench.credentials[meta.cred]!;
      if (!this.cache.has(meta.cred)) {
        if (meta.hashOnly || !this.policyOk(credential) || !credential.trustedIssuer) return this.fail();
      }
      if (!this.policyOk(credential) || !credential.holderMatches) return this.fail();
      this.cache.add(meta.cred);
      return this.succeed(credential, challenge.commitmentHex);
    }
    const ticket = this.tickets.get(meta.ticketIdHex);
    if (ticket === undefined || this.nowMs >= ticket.expiresAtMs) return this.fail();
    this.tickets.delete(meta.ticketIdHex);
    const next = { ...ticket, counter: ticket.counter + 1 };
    this.rememberTicket(toHex(ticketId(crypto, ticket.resumption, next.counter)), next);
    for (const index of meta.updates) this.applyUpdate(index);
    const credential = bench.credentials[ticket.cred]!;
    if (!this.cache.has(ticket.cred) || !this.policyOk(credential)) return this.fail();
    this.resumeActuations++;
    return this.succeed(credential, challenge.commitmentHex);
  }
}

// -- the runner --

interface PhoneTicket {
  ticket: ResumptionTicket;
  cred: number;
}

class Run {
  readonly lock: Lock = bench.makeLock();
  readonly model = new Model();
  readonly sent = new Map<string, SentMessage>();
  readonly messages: Uint8Array[] = [];
  readonly phoneChallenges = new Map<number, Uint8Array>();
  lastChallenge: Uint8Array = encodeChallenge({ lockVersions: 1, commitment: new Uint8Array(challengeMessageBytes - 2) });
  readonly phoneTickets: PhoneTicket[] = [];
  readonly random = createSeededRandom(5).fork('phone');
  stats = { unlocked: 0, refusedValidLooking: 0 };

  step(input: Parameters<Lock['step']>[0]): LockOutput[] {
    const outputs = this.lock.step(input, this.model.nowMs);
    if (!this.model.powered && input.type !== 'power_restored') expect(outputs).toEqual([]);
    return outputs;
  }

  async run(command: Command): Promise<void> {
    const model = this.model;
    switch (command.type) {
      case 'connect': {
        if (model.connections.has(command.conn)) return;
        const outputs = this.step({ type: 'connect', connectionId: command.conn });
        if (!model.powered) return;
        const refused = model.connections.size >= config.connectionsMax;
        expect(outputs.some((output) => output.type === 'disconnect')).toBe(refused);
        if (!refused) model.connections.set(command.conn, { reassembler: new ModelReassembler(), discarding: false });
        return;
      }
      case 'disconnect':
        this.step({ type: 'disconnect', connectionId: command.conn });
        if (model.powered) model.connections.delete(command.conn);
        this.phoneChallenges.delete(command.conn);
        return;
      case 'read':
        return this.read(command.conn);
      case 'advance':
        model.nowMs += command.ms;
        expect(actuations(this.step({ type: 'tick' }))).toBe(0);
        return;
      case 'full':
        return this.sendFull(command.conn, command.cred, command.hashOnly, command.update, command.mtu, command.fault);
      case 'flow':
        if (!model.powered) return;
        if (!model.connections.has(command.conn)) await this.run({ type: 'connect', conn: command.conn });
        this.read(command.conn);
        model.nowMs += command.delayMs;
        return this.sendFull(command.conn, command.cred, command.hashOnly, command.update, command.mtu, { kind: 'none' });
      case 'resume':
        return this.sendResume(command.conn, command.ticket, command.update, command.mtu, command.fault);
      case 'resumeFlow':
        if (!model.powered) return;
        if (!model.connections.has(command.conn)) await this.run({ type: 'connect', conn: command.conn });
        this.read(command.conn);
        return this.sendResume(command.conn, command.ticket, command.update, command.mtu, { kind: 'none' });
      case 'replay': {
        if (this.messages.length === 0) return;
        const message = this.messages[command.pick % this.messages.length]!;
        // A replay can be the first complete delivery (its earlier send was faulty) and then succeed.
        if (this.deliver(command.conn, splitIntoChunks(message, command.mtu), true)) this.collectTicket(command.conn, message);
        return;
      }
      case 'garbage':
        this.deliver(command.conn, [command.data], command.withResponse);
        return;
      case 'maintenance': {
        const outputs = this.step({ type: 'maintenance_update', update: bench.updates[command.update]!.bytes });
        if (model.powered) model.applyUpdate(command.update);
        expect(actuations(outputs)).toBe(0);
        return;
      }
      case 'powerOff':
        this.step({ type: 'power_lost' });
        if (model.powered) model.powerDown();
        this.phoneChallenges.clear();
        return;
      case 'powerOn':
        this.step({ type: 'power_restored' });
        model.powered = true;
        return;
      case 'powerCycle':
        await this.run({ type: 'powerOff' });
        model.nowMs += command.offMs;
        return this.run({ type: 'powerOn' });
    }
  }

  read(connId: number): void {
    const value = readValue(this.step({ type: 'read', connectionId: connId, characteristic: 'challenge', offset: 0 }));
    const connection = this.model.connections.get(connId);
    if (!this.model.powered || connection === undefined) {
      expect(value).toBeUndefined();
      return;
    }
    expect(value).toBeDefined();
    const challenge = decodeChallenge(value!);
    connection.challenge = { commitmentHex: toHex(challenge.commitment), createdAtMs: this.model.nowMs };
    this.phoneChallenges.set(connId, value!);
    this.lastChallenge = value!;
  }

  private updatesOf(index: number): number[] {
    return index >= 0 ? [index] : [];
  }

  async sendFull(connId: number, credIndex: number, hashOnly: boolean, updateIndex: number, mtu: number, fault: Fault): Promise<void> {
    const cred = credIndex % bench.credentials.length;
    const credential = bench.credentials[cred]!;
    const challengeBytes = this.phoneChallenges.get(connId) ?? this.lastChallenge;
    const updates = this.updatesOf(updateIndex);
    const { message, pending } = await buildFullRequest({
      crypto,
      random: (n) => this.random.bytes(n),
      lock: bench.cert,
      challengeBytes,
      credential: credential.bytes,
      sendHashOnly: hashOnly,
      holder: bench.holder,
      updates: updates.map((index) => bench.updates[index]!.bytes),
    });
    this.remember(message, { kind: 'full', commitmentHex: toHex(decodeChallenge(challengeBytes).commitment), cred, hashOnly, updates, ticketIdHex: '', pending });
    if (this.deliverWithFault(connId, message, mtu, fault)) this.collectTicket(connId, message);
  }

  /** After a full unlock: read and open the result as the phone would, and keep the ticket granted. */
  private collectTicket(connId: number, message: Uint8Array): void {
    const meta = this.sent.get(toHex(message))!;
    if (meta.kind !== 'full') return;
    const cred = meta.cred;
    const credential = bench.credentials[cred]!;
    {
      const result = readValue(this.step({ type: 'read', connectionId: connId, characteristic: 'exchange', offset: 0 }))!;
      const status = openFullResult(crypto, meta.pending!, bench.cert, result, this.model.nowS);
      expect(status.status).toBe('unlocked');
      expect(status.ticket).toBeDefined();
      const ticket = status.ticket!;
      this.phoneTickets.push({ ticket, cred });
      // A ticket never outlives its credential.
      const expiresAtMs = Math.min(this.model.nowMs + config.ticketLifetimeS * 1000, credential.claims.expiresAtS * 1000);
      this.model.rememberTicket(toHex(ticketId(crypto, ticket.resumption, 0)), { resumption: ticket.resumption, counter: 0, cred, expiresAtMs });
    }
  }

  sendResume(connId: number, ticketIndex: number, updateIndex: number, mtu: number, fault: Fault): void {
    if (this.phoneTickets.length === 0) return;
    const held = this.phoneTickets[ticketIndex % this.phoneTickets.length]!;
    const challengeBytes = this.phoneChallenges.get(connId) ?? this.lastChallenge;
    const updates = this.updatesOf(updateIndex);
    const { message, pending } = buildResumeRequest(crypto, held.ticket, challengeBytes, updates.map((index) => bench.updates[index]!.bytes));
    const idHex = toHex(ticketId(crypto, held.ticket.resumption, held.ticket.counter));
    held.ticket = pending.ticket; // the phone moves its ticket on when it sends, as the client does
    this.remember(message, { kind: 'resume', commitmentHex: toHex(decodeChallenge(challengeBytes).commitment), cred: held.cred, hashOnly: false, updates, ticketIdHex: idHex });
    this.deliverWithFault(connId, message, mtu, fault);
  }

  private remember(message: Uint8Array, meta: SentMessage): void {
    this.sent.set(toHex(message), meta);
    this.messages.push(message);
  }

  private deliverWithFault(connId: number, message: Uint8Array, mtu: number, fault: Fault): boolean {
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

  /** Sends chunks (all but the last without response) and checks each write against the model. */
  private deliver(connId: number, chunks: Uint8Array[], finalWithResponse: boolean): boolean {
    let actuated = false;
    chunks.forEach((chunk, index) => {
      const withResponse = index === chunks.length - 1 ? finalWithResponse : false;
      const expected = this.model.write(connId, chunk, withResponse, this.sent);
      const outputs = this.step({ type: 'write', connectionId: connId, characteristic: 'exchange', data: chunk, withResponse });
      const title = `write ${index + 1}/${chunks.length} on connection ${connId}`;
      expect(actuations(outputs), title).toBe(expected === 'unlocked' ? 1 : 0);
      const responses = outputs.flatMap((output) => (output.type === 'write_response' ? [output.attError] : []));
      if (expected === 'ignored' || !withResponse) expect(responses, title).toEqual([]);
      else expect(responses, title).toEqual([expected === 'refused' ? attError.refused : attError.success]);
      actuated ||= expected === 'unlocked';
    });
    if (actuated) this.stats.unlocked++;
    return actuated;
  }

  checkInvariants(): void {
    expect(this.lock.actuations).toBe(this.model.actuations);
    expect(this.lock.isPowered).toBe(this.model.powered);
    if (!this.model.powered) return;
    expect(this.lock.state.updateVersion).toBe(this.model.version);
    expect(this.lock.state.sequenceFloor).toBe(this.model.floor);
    expect(new Set(this.lock.state.revoked.map((entry) => toHex(entry.credentialId)))).toEqual(new Set(this.model.revoked.keys()));
    expect(new Set(this.lock.tickets.keys())).toEqual(new Set(this.model.tickets.keys()));
  }
}

describe('lock model-based test', () => {
  const totals = { runs: 0, unlocked: 0, resumed: 0, commands: 0 };

  it('over random event sequences the lock actuates exactly when the model says the request is fully valid', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 60, size: 'large' }), async (commands) => {
        const run = new Run();
        for (const entry of commands) {
          await run.run(entry);
          run.checkInvariants();
        }
        totals.runs++;
        totals.unlocked += run.stats.unlocked;
        totals.commands += commands.length;
        totals.resumed += run.model.resumeActuations;
      }),
      { numRuns: 250 },
    );
    // Guard against a vacuous model: plenty of real unlocks happened.
    console.info(`model test: ${totals.runs} runs, ${totals.commands} commands, ${totals.unlocked} unlocks (${totals.resumed} on the repeat path)`);
    expect(totals.unlocked).toBeGreaterThan(totals.runs / 2);
    expect(totals.resumed).toBeGreaterThan(0);
  });

  it('regression (seed 375235803): a revocation piggybacked on a request counts for that same request', async () => {
    const run = new Run();
    const short = bench.credentials.findIndex((entry) => entry.name === 'valid-seq3-short');
    const revokeShort = bench.updates.findIndex((entry) => entry.name === 'v2 revoke short');
    await run.run({ type: 'flow', conn: 1, cred: short, hashOnly: false, update: revokeShort, mtu: 23, delayMs: 0 });
    run.checkInvariants();
    expect(run.lock.state.updateVersion).toBe(2);
    expect(run.lock.actuations).toBe(0);
  });

  it('a full valid flow unlocks, and mutating any single byte of its request never does', async () => {
    const run = new Run();
    await run.run({ type: 'connect', conn: 1 });
    await run.run({ type: 'flow', conn: 1, cred: 0, hashOnly: false, update: -1, mtu: 247, delayMs: 0 });
    expect(run.lock.actuations).toBe(1);
    const honest = run.messages.at(-1)!;
    for (let at = 0; at < honest.length; at++) {
      run.model.nowMs += 61_000; // keep clear of the rate limit window
      run.read(1);
      await run.sendFull(1, 0, false, -1, 517, { kind: 'flip', at, bit: at % 8 }); // one chunk at MTU 517: byte `at` of it
      run.checkInvariants();
    }
    expect(run.model.actuations).toBe(1);
    expect(run.lock.actuations).toBe(1);
  });
});
