/**
 * Target `lock`: a real Lock (node crypto) fed a random sequence of steps — connections, challenge
 * reads (and the odd Read Blob), requests built validly by a phone for the current challenge then
 * sent whole or mutated (bytes, chunk faults, replays, another connection's challenge), over links
 * with and without a known connection interval and challenges of all three forms, resume
 * requests from earned tickets, ticks (some past the relay bound), advertising, maintenance
 * updates, power loss and power cuts inside NV writes. The oracle is `LockOracle`. A case records
 * its steps as it goes, so a finding replays exactly from its file.
 */
import { lockConfigDefaults, type LockConfig } from '../../../firmware-model/config.ts';
import { toHex, fromHex } from '../../protocol/bytes.ts';
import { splitIntoChunks } from '../../protocol/unlock/chunking.ts';
import { ticketId } from '../../protocol/unlock/key-schedule.ts';
import { buildFullRequest, buildResumeRequest, openFullResult, type ResumptionTicket } from '../../protocol/unlock/phone-exchange.ts';
import type { SeededRandom } from '../../protocol/random.ts';
import { mutateBytes } from './byte-mutations.ts';
import { seededStream } from './case-random.ts';
import { mutateChunkStream } from './chunk-mutations.ts';
import { fuzzEpochS, newLock, type FuzzFixtures, type IssuedCredential } from './fixtures.ts';
import { LockOracle, type BuiltCredential, type LockStep, type StepFinding } from './lock-oracle.ts';
import type { CaseResult, CaseRun, FuzzTarget, TargetOptions } from './types.ts';

/** Steps per case (bounded) and connection ids used. */
export const lockStepsMax = 40;
const connectionIds = [1, 2, 3] as const;

interface LockCase {
  lockSeed: number;
  config: Partial<LockConfig>;
  steps: LockStep[];
}

function entitled(credential: IssuedCredential, lockId: Uint8Array, nowS: number): boolean {
  const { claims } = credential;
  const door = claims.doors.some((entry) => entry.lockId.length === lockId.length && entry.lockId.every((byte, i) => byte === lockId[i]));
  return door && nowS + lockConfigDefaults.skewToleranceS >= claims.notBeforeS && nowS < claims.expiresAtS + lockConfigDefaults.skewToleranceS;
}

export function createLockTarget(fixtures: FuzzFixtures, options: TargetOptions): FuzzTarget {
  const startMs = fuzzEpochS * 1000;

  function start(lockCase: LockCase): LockOracle {
    // The canary lock has a relay bound of 10 minutes while the oracle keeps the default 500 ms.
    const config = options.canary ? { ...lockCase.config, relayBoundMs: 600_000 } : lockCase.config;
    const lock = newLock(fixtures, seededStream(lockCase.lockSeed), config);
    return new LockOracle(lock, startMs, { ...lockConfigDefaults, ...lockCase.config });
  }

  async function generate(random: SeededRandom): Promise<{ lockCase: LockCase; result: CaseResult }> {
    const config: Partial<LockConfig> = { advertiseChallenge: random.chance(1, 4), ...(random.chance(1, 2) ? { failuresMax: 1000 } : {}) };
    const lockCase: LockCase = { lockSeed: random.uint32(), config, steps: [] };
    const oracle = start(lockCase);
    const phone = new Phone(fixtures, random);
    const run = (step: LockStep): ReturnType<LockOracle['apply']> => {
      lockCase.steps.push(step);
      return oracle.apply(step);
    };
    const stepCount = 4 + random.below(lockStepsMax - 4);
    for (let i = 0; i < stepCount && lockCase.steps.length < 4 * lockStepsMax; i++) {
      const finding = await randomStep(random, oracle, phone, run);
      if (finding !== undefined) return { lockCase, result: { sub: 'lock', outcome: finding.kind, finding } };
    }
    return { lockCase, result: { sub: 'lock', outcome: summary(oracle) } };
  }

  function replay(lockCase: LockCase): CaseResult {
    const oracle = start(lockCase);
    for (const step of lockCase.steps) {
      const applied = oracle.apply(step);
      if ('finding' in applied) return { sub: 'lock', outcome: applied.finding.kind, finding: applied.finding };
    }
    return { sub: 'lock', outcome: summary(oracle) };
  }

  return {
    name: 'lock',
    async runCase(random) {
      const { lockCase, result } = await generate(random);
      return { input: () => lockCase, result } satisfies CaseRun;
    },
    replay: (input) => replay(input as LockCase),
    keep() {},
  };
}

/** The outcome of a case without a finding: unlocked, or the last refusal code. */
function summary(oracle: LockOracle): string {
  if (oracle.actuations > 0) return 'unlocked';
  return oracle.codes.at(-1) ?? 'no_decision';
}

type Run = (step: LockStep) => ReturnType<LockOracle['apply']>;

/** The phone side: builds valid requests, keeps what it sent, earns and spends tickets. */
class Phone {
  readonly sent: Uint8Array[] = [];
  ticket: ResumptionTicket | undefined;
  /** The credential the ticket was granted for. */
  ticketCredential: BuiltCredential | undefined;
  private readonly fixtures: FuzzFixtures;
  private readonly random: SeededRandom;
  constructor(fixtures: FuzzFixtures, random: SeededRandom) {
    this.fixtures = fixtures;
    this.random = random;
  }

  /** One of the fixtures' signed updates. */
  update(): Uint8Array {
    return this.fixtures.updates[this.random.below(this.fixtures.updates.length)]!.bytes;
  }

  /** A valid request for `challengeHex`: full (any fixture credential) or resume (with a ticket). */
  async build(challengeHex: string, nowMs: number): Promise<{ message: Uint8Array; entitled: boolean; ticketHex?: string; credential?: BuiltCredential; open?: (result: Uint8Array) => void }> {
    const { fixtures, random } = this;
    const challenge = fromHex(challengeHex);
    if (this.ticket !== undefined && random.chance(1, 2)) {
      const { message, pending } = buildResumeRequest(fixtures.crypto, this.ticket, challenge, []);
      const ticketHex = toHex(ticketId(fixtures.crypto, this.ticket.resumption, this.ticket.counter));
      this.ticket = pending.ticket;
      return { message, entitled: true, ticketHex, ...(this.ticketCredential ? { credential: this.ticketCredential } : {}) };
    }
    const credential = fixtures.credentials[random.below(fixtures.credentials.length)]!;
    const lockId = fixtures.identity.lockId;
    const door = credential.claims.doors.find((entry) => toHex(entry.lockId) === toHex(lockId));
    const built: BuiltCredential = { ctiHex: toHex(credential.claims.credentialId), kidHex: toHex(credential.issuer.kid), sequence: door?.sequence ?? 0 };
    const updates = random.chance(1, 8) ? [fixtures.updates[random.below(fixtures.updates.length)]!.bytes] : [];
    const { message, pending } = await buildFullRequest({ crypto: fixtures.crypto, random: (n) => random.bytes(n), lock: fixtures.certificate, challengeBytes: challenge, credential: credential.bytes, sendHashOnly: random.chance(1, 4), holder: fixtures.holder, updates });
    const open = (result: Uint8Array): void => {
      try {
        const outcome = openFullResult(fixtures.crypto, pending, fixtures.certificate, result, Math.floor(nowMs / 1000));
        if (outcome.ticket !== undefined) {
          this.ticket = outcome.ticket;
          this.ticketCredential = built;
        }
      } catch {
        // A refusal the phone cannot authenticate: no ticket.
      }
    };
    return { message, entitled: entitled(credential, lockId, Math.floor(nowMs / 1000)), credential: built, open };
  }
}

async function randomStep(random: SeededRandom, oracle: LockOracle, phone: Phone, run: Run): Promise<StepFinding | undefined> {
  const connection = connectionIds[random.below(connectionIds.length)]!;
  const choice = random.below(32);
  let applied: ReturnType<Run>;
  if (choice < 3) applied = run({ op: 'connect', connection, ...(random.chance(1, 2) ? { connIntervalMs: [7.5, 15, 30, 50][random.below(4)]! } : {}) });
  else if (choice < 4) applied = run({ op: 'disconnect', connection });
  else if (choice < 9) {
    // Mostly a plain read; rarely a Read Blob (offset > 0), as a hostile central may send.
    const offset = random.chance(1, 40) ? 1 + random.below(24) : 0;
    const characteristic = random.chance(1, 8) ? 'exchange' : (['challenge', 'challenge_key', 'challenge_signed'] as const)[random.below(3)]!;
    applied = run({ op: 'read', connection, characteristic, offset });
  } else if (choice < 20) return sendRequest(random, oracle, phone, run, connection);
  else if (choice < 25) applied = run({ op: 'tick', ms: random.chance(1, 4) ? 400 + random.below(800) : random.chance(1, 8) ? 5_000 + random.below(60_000) : random.below(200) });
  else if (choice < 27) applied = run({ op: 'advertise' });
  else if (choice < 28) applied = run({ op: oracle.lock.isPowered ? 'power_lost' : 'power_restored' });
  else if (choice < 29) applied = run({ op: 'power_cut', afterWrites: random.below(6) });
  else if (choice < 30) {
    const update = phone.sent.length > 0 && random.chance(1, 4) ? phone.sent[random.below(phone.sent.length)]! : random.chance(1, 2) ? mutateBytes(phone.update(), random, phone.update()) : phone.update();
    applied = run({ op: 'maintenance_update', hex: toHex(update) });
  } else applied = run({ op: oracle.lock.isPowered ? 'tick' : 'power_restored', ms: 0 } as LockStep);
  return 'finding' in applied ? applied.finding : undefined;
}

/** Builds a valid request for some challenge, maybe spoils it, and writes it in chunks. */
async function sendRequest(random: SeededRandom, oracle: LockOracle, phone: Phone, run: Run, connection: number): Promise<StepFinding | undefined> {
  if (!oracle.isConnected(connection) && random.chance(3, 4)) {
    const connected = run({ op: 'connect', connection });
    if ('finding' in connected) return connected.finding;
  }
  if (oracle.challengeOf(connection) === undefined && oracle.advertisedHex === undefined && random.chance(3, 4)) {
    const read = run({ op: 'read', connection, characteristic: (['challenge', 'challenge_key', 'challenge_signed'] as const)[random.below(3)]!, offset: 0 });
    if ('finding' in read) return read.finding;
  }
  // Answer this connection's challenge, the advertised one, or (an attack) another connection's.
  const other = connectionIds.map((id) => oracle.challengeOf(id)).filter((hex): hex is string => hex !== undefined);
  const challengeHex = random.chance(1, 8) && other.length > 0 ? other[random.below(other.length)]! : (oracle.challengeOf(connection) ?? oracle.advertisedHex ?? other[0]);
  let message: Uint8Array;
  let open: ((result: Uint8Array) => void) | undefined;
  if (challengeHex === undefined || random.chance(1, 16)) message = phone.sent.length > 0 ? phone.sent[random.below(phone.sent.length)]! : random.bytes(1 + random.below(300));
  else {
    const built = await phone.build(challengeHex, oracle.nowMs);
    run({ op: 'built', hex: toHex(built.message), challengeHex, entitled: built.entitled, ...(built.ticketHex ? { ticketHex: built.ticketHex } : {}), ...(built.credential ? { credential: built.credential } : {}) });
    message = built.message;
    open = built.open;
    phone.sent.push(message);
  }
  if (random.chance(1, 6)) {
    const delay = run({ op: 'tick', ms: random.chance(1, 2) ? 300 + random.below(400) : random.below(100) });
    if ('finding' in delay) return delay.finding;
  }
  const spoil = random.below(8);
  if (spoil === 0) message = mutateBytes(message, random, phone.sent[0] ?? message);
  const mtu = random.chance(1, 2) ? 23 : 23 + random.below(495);
  let chunks = message.length <= 2048 ? splitIntoChunks(message, Math.max(mtu, Math.ceil(message.length / 120) + 4)) : [message];
  if (spoil === 1) chunks = mutateChunkStream(chunks, random);
  const finalWithResponse = !random.chance(1, 16);
  for (const [index, chunk] of chunks.entries()) {
    const last = index === chunks.length - 1;
    const written = run({ op: 'write', connection, characteristic: random.chance(1, 64) ? 'challenge' : 'exchange', hex: toHex(chunk), withResponse: last ? finalWithResponse : random.chance(1, 16) });
    if ('finding' in written) return written.finding;
  }
  if (open !== undefined && random.chance(3, 4)) {
    const read = run({ op: 'read', connection, characteristic: 'exchange', offset: 0 });
    if ('finding' in read) return read.finding;
    const response = read.outputs.find((output) => output.type === 'read_response');
    if (response?.type === 'read_response') open(response.value);
  }
  return undefined;
}
