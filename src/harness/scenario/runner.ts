/**
 * Runs one parsed scenario on a fresh backend (the seeded virtual radio unless told otherwise;
 * see backend.ts). Each step either acts (grant, advance, revoke, carry an update, cut power,
 * shift a clock, move a phone, change the radio) or checks (unlock with an expected outcome, an
 * attack with an expected observation, actuation counts, audit entries, unlinkability). The first
 * failed check ends the scenario; the report carries the file line, the seed and the command that
 * replays it. A scenario the backend cannot express is not run: its result says why (`skipped`).
 */
import type { HardwareProfile } from '../../../firmware-model/hardware/profiles.ts';
import { hardwareReplayFlag } from '../../../firmware-model/hardware/load.ts';
import type { CredentialClaims } from '../../protocol/credential.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { concatBytes, toHex } from '../../protocol/bytes.ts';
import type { AttackParams, Observed } from './attacks.ts';
import type { BackendFactory, ScenarioBackend, ScenarioPhone, ScenarioTransport } from './backend.ts';
import { parseDuration } from './durations.ts';
import { parseExpectation, type Expectation, type Scenario } from './schema.ts';
import { virtualBackend } from './virtual-backend.ts';

export interface ScenarioResult {
  name: string;
  file: string;
  attack: string | undefined;
  seed: number;
  passed: boolean;
  failure: { line: number; message: string } | undefined;
  /** Present when the scenario was not run: why it does not apply to the transport. */
  skipped?: string;
  steps: number;
  checks: number;
  wallMs: number;
  virtualMs: number;
  traceDigest: string;
  replay: string;
}

class CheckFailed extends Error {}

/** Bolt relock time the runner waits after each unlock and attack (the lock's unlockMs is 5 s). */
const relockWaitMs = 6_000;

export async function runScenario(scenario: Scenario, options: { seed: number; crypto: CryptoProvider; backend?: BackendFactory; hardware?: HardwareProfile }): Promise<ScenarioResult> {
  const started = performance.now();
  const factory = options.backend ?? virtualBackend;
  const replay = replayCommand(scenario.file, options.seed, factory.transport, options.hardware) + (factory.replayFlags ?? '');
  const base = { name: scenario.name, file: scenario.file, attack: scenario.attack, seed: options.seed };
  const notApplicable = factory.notApplicable(scenario);
  if (notApplicable !== undefined) {
    return { ...base, passed: true, failure: undefined, skipped: notApplicable, steps: 0, checks: 0, wallMs: Math.round(performance.now() - started), virtualMs: 0, traceDigest: '', replay };
  }
  const backend = await factory.create(scenario, options);
  try {
    const outcome = await runSteps(scenario, backend);
    const { virtualMs, traceDigest } = backend.summary();
    return { ...base, passed: outcome.failure === undefined, failure: outcome.failure, steps: outcome.steps, checks: outcome.checks, wallMs: Math.round(performance.now() - started), virtualMs, traceDigest, replay };
  } finally {
    await backend.close();
  }
}

/** `hardware`: the run's --hardware (a file profile by its path: hardwareReplayFlag). */
export function replayCommand(file: string, seed: number, transport: ScenarioTransport, hardware?: HardwareProfile): string {
  return `npx latchkey scenario run ${file} --seed ${seed}${transport === 'virtual' ? '' : ` --transport ${transport}`}${hardwareReplayFlag(hardware)}`;
}

async function runSteps(scenario: Scenario, backend: ScenarioBackend): Promise<{ failure: ScenarioResult['failure']; steps: number; checks: number }> {
  const grants = new Map<string, CredentialClaims>();
  const phoneOf = (id: string): ScenarioPhone => backend.phones.get(id)!;
  let checks = 0;
  let failure: ScenarioResult['failure'];
  let stepsRun = 0;
  const check = (condition: boolean, message: string): void => {
    checks++;
    if (!condition) throw new CheckFailed(message);
  };
  for (const { line, step } of scenario.steps) {
    const [kind, body] = Object.entries(step)[0]! as [string, Record<string, unknown> & string];
    try {
      await runStep(kind, body);
      stepsRun++;
    } catch (error) {
      if (!(error instanceof CheckFailed)) throw error;
      failure = { line, message: error.message };
      break;
    }
  }
  return { failure, steps: stepsRun, checks };

  async function runStep(kind: string, body: Record<string, unknown> & string): Promise<void> {
    const seconds = (field: unknown): number => Math.round((parseDuration(String(field)) ?? 0) / 1000);
    switch (kind) {
      case 'grant': {
        const issued = backend.grant(phoneOf(body.phone as string), body.doors as string[], {
          subject: (body.subject as string | undefined) ?? (body.phone as string),
          fromS: backend.nowS() + (body.from !== undefined ? seconds(body.from) : -60),
          untilS: backend.nowS() + (body.until !== undefined ? seconds(body.until) : 86400),
          supersede: body.supersede === true,
        });
        if (typeof body.as === 'string') grants.set(body.as, issued.claims);
        return;
      }
      case 'unlock': {
        const phone = phoneOf(body.phone as string);
        const door = body.door as string;
        const lock = backend.locks.get(door)!;
        // Lock certificates are public: a wallet presenting an out-of-scope credential has the door's.
        if (body.out_of_scope === true) phone.wallet.addLockCertificate(lock.certificate, lock.identity.lockId);
        const before = await backend.actuations(door);
        const outcome = await backend.unlock(phone, door, {
          walk: body.walk !== false,
          mtu: (body.mtu as number | undefined) ?? 247,
          allowResume: body.resume !== false,
          presentOutOfScope: body.out_of_scope === true,
          useAdvertisedChallenge: body.advertised !== false,
        });
        expectObserved({ outcome: outcome.outcome, code: outcome.code }, expectationOf(body.expect), `unlock ${phone.id} → ${door}`);
        const actuated = (await backend.actuations(door)) - before;
        check(actuated === (outcome.outcome === 'unlocked' ? 1 : 0), `${door} actuated ${actuated} times for one attempt with outcome ${outcome.outcome}`);
        await backend.advance(relockWaitMs); // let the bolt relock before the next step
        return;
      }
      case 'attack': {
        const params = body as unknown as AttackParams;
        const doorIds = [params.door, params.to_door].filter((id): id is string => id !== undefined);
        const before = await Promise.all(doorIds.map((id) => backend.actuations(id)));
        const observed = await backend.attack(params, phoneOf);
        const expected = expectationOf(body.expect);
        expectObserved(observed, expected, `attack ${params.kind}`);
        const after = await Promise.all(doorIds.map((id) => backend.actuations(id)));
        const actuated = after.reduce((sum, count, i) => sum + count - before[i]!, 0);
        check(actuated === (expected.outcome === 'unlocked' ? 1 : 0), `attack ${params.kind}: doors actuated ${actuated} times`);
        await backend.advance(relockWaitMs);
        return;
      }
      case 'advance':
        await backend.advance(parseDuration(body)!);
        return;
      case 'revoke': {
        const claims = grants.get(body);
        check(claims !== undefined, `no grant named "${body}"`);
        backend.issuer.revoke(claims!);
        return;
      }
      case 'carry_update': {
        const lockId = backend.locks.get(body.door as string)!.identity.lockId;
        const update = body.version !== undefined ? backend.issuer.updateFor(lockId, backend.nowS(), { version: body.version as number }) : backend.issuer.updateFor(lockId, backend.nowS());
        phoneOf(body.phone as string).wallet.carryUpdate(update);
        return;
      }
      case 'maintenance_update': {
        const lockId = backend.locks.get(body.door as string)!.identity.lockId;
        const update = body.time !== undefined ? backend.issuer.timeSync(lockId, backend.nowS(), backend.nowS() + seconds(body.time)) : backend.issuer.updateFor(lockId, backend.nowS());
        await backend.stepLock(body.door as string, { type: 'maintenance_update', update });
        return;
      }
      case 'power_cut':
        await backend.powerCutAtWrite(body.door as string, body.at_write as number);
        return;
      case 'power_restore':
        await backend.stepLock(body, { type: 'power_restored' });
        return;
      case 'clock':
        await backend.stepLock(body.door as string, { type: 'clock_disturbed', deltaMs: parseDuration(body.shift as string)! });
        return;
      case 'move':
        physics().movePhone(phoneOf(body.phone as string), body.to as [number, number]);
        return;
      case 'radio':
        physics().setRadioOptions(body);
        return;
      case 'disconnect_after':
        physics().disconnectAfter(body.door as string, body.packets as number);
        return;
      case 'forget_ticket':
        phoneOf(body.phone as string).wallet.tickets.clear();
        return;
      case 'expect_actuations': {
        const count = await backend.actuations(body.door as string);
        check(count === body.count, `${String(body.door)} actuated ${count} times, expected ${String(body.count)}`);
        return;
      }
      case 'expect_audit': {
        const found = (await backend.audit(body.door as string)).some((record) => record.event === body.event && (body.code === undefined || record.code === body.code));
        check(found, `${String(body.door)} audit has no ${String(body.event)}${body.code ? ` ${String(body.code)}` : ''} record`);
        return;
      }
      case 'expect_unlinkable': {
        const phone = phoneOf(body.phone as string);
        checkUnlinkable(phone, check);
        return;
      }
      default:
        throw new Error(`step kind ${kind} passed validation but has no runner`);
    }
  }

  function physics() {
    if (backend.physics === undefined) throw new Error(`the ${backend.transport} backend has no radio physics (notApplicable should have said so)`);
    return backend.physics;
  }

  function expectObserved(observed: Observed, expected: Expectation, what: string): void {
    const matches = observed.outcome === expected.outcome && (expected.outcome !== 'refused' || observed.code === expected.code);
    check(matches, `${what}: expected ${describe(expected.outcome, 'code' in expected ? expected.code : undefined)}, got ${describe(observed.outcome, observed.code)}`);
  }
}

function describe(outcome: string, code: string | undefined): string {
  return code ? `${outcome} (${code})` : outcome;
}

function expectationOf(value: unknown): Expectation {
  return parseExpectation(value, [], (_path, message) => {
    throw new Error(message);
  });
}

/**
 * Privacy: a listener must not be able to link two exchanges of one phone, nor read who it is.
 * No 8-byte window of one exchange's writes recurs in another, and neither the subject nor the
 * credential id appears in any write.
 */
function checkUnlinkable(phone: ScenarioPhone, check: (condition: boolean, message: string) => void): void {
  const sessions = phone.recorder.sessions.map((writes) => toHex(concatBytes(...writes.map((write) => write.data.subarray(1)))));
  check(sessions.length >= 2, `expect_unlinkable needs at least two exchanges of ${phone.id}`);
  const windowHex = 16;
  const seen = new Map<string, number>();
  sessions.forEach((hex, index) => {
    for (let i = 0; i + windowHex <= hex.length; i += 2) {
      const window = hex.slice(i, i + windowHex);
      const first = seen.get(window);
      if (first !== undefined && first !== index) check(false, `exchanges ${first} and ${index} of ${phone.id} share the bytes ${window}`);
      if (first === undefined) seen.set(window, index);
    }
  });
  for (const credential of phone.wallet.credentials) {
    const idHex = toHex(credential.claims.credentialId);
    const subjectHex = toHex(new TextEncoder().encode(credential.claims.subject));
    for (const hex of sessions) check(!hex.includes(idHex) && !hex.includes(subjectHex), `${phone.id}'s credential id or subject is readable on air`);
  }
}
