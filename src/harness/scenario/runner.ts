/**
 * Runs one parsed scenario in a fresh seeded world. Each step either acts (grant, advance, revoke,
 * carry an update, cut power, shift a clock, move a phone, change the radio) or checks (unlock
 * with an expected outcome, an attack with an expected observation, actuation counts, audit
 * entries, unlinkability). The first failed check ends the scenario; the report carries the file
 * line, the seed and the command that replays it.
 */
import type { CredentialClaims } from '../../protocol/credential.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { toHex } from '../../protocol/bytes.ts';
import type { RadioOptions } from '../../radio/options.ts';
import { World, type WorldPhone } from '../../sim/world.ts';
import { Attacker, type AttackParams, type Observed } from './attacks.ts';
import { parseDuration } from './durations.ts';
import { parseExpectation, type Expectation, type Scenario } from './schema.ts';

export interface ScenarioResult {
  name: string;
  file: string;
  attack: string | undefined;
  seed: number;
  passed: boolean;
  failure: { line: number; message: string } | undefined;
  steps: number;
  checks: number;
  wallMs: number;
  virtualMs: number;
  traceDigest: string;
  replay: string;
}

class CheckFailed extends Error {}

export async function runScenario(scenario: Scenario, options: { seed: number; crypto: CryptoProvider }): Promise<ScenarioResult> {
  const started = performance.now();
  const world = new World({ seed: options.seed, crypto: options.crypto, radio: scenario.radio as Partial<RadioOptions> });
  for (const door of scenario.doors) world.addLock(door.id, door.id, { xM: door.position[0], yM: door.position[1] }, door.config);
  const phones = new Map<string, WorldPhone>();
  for (const phone of scenario.phones) phones.set(phone.id, world.addPhone(phone.id, { xM: phone.position[0], yM: phone.position[1] }));
  const grants = new Map<string, CredentialClaims>();
  const attacker = new Attacker(world);
  const phoneOf = (id: string): WorldPhone => phones.get(id)!;
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
  return {
    name: scenario.name,
    file: scenario.file,
    attack: scenario.attack,
    seed: options.seed,
    passed: failure === undefined,
    failure,
    steps: stepsRun,
    checks,
    wallMs: Math.round(performance.now() - started),
    virtualMs: world.radio.now() - world.radio.options.epochMs,
    traceDigest: world.radio.traceDigest,
    replay: `npx latchkey scenario run ${scenario.file} --seed ${options.seed}`,
  };

  async function runStep(kind: string, body: Record<string, unknown> & string): Promise<void> {
    const seconds = (field: unknown): number => Math.round((parseDuration(String(field)) ?? 0) / 1000);
    switch (kind) {
      case 'grant': {
        const issued = world.grant(phoneOf(body.phone as string), body.doors as string[], {
          subject: (body.subject as string | undefined) ?? (body.phone as string),
          fromS: world.nowS() + (body.from !== undefined ? seconds(body.from) : -60),
          untilS: world.nowS() + (body.until !== undefined ? seconds(body.until) : 86400),
          supersede: body.supersede === true,
        });
        if (typeof body.as === 'string') grants.set(body.as, issued.claims);
        return;
      }
      case 'unlock': {
        const phone = phoneOf(body.phone as string);
        const door = world.locks.get(body.door as string)!;
        // The guest walks up to the door unless the scenario says it stays where it is.
        if (body.walk !== false) world.movePhone(phone, world.radio.lockPosition(door.deviceId));
        // Lock certificates are public: a wallet presenting an out-of-scope credential has the door's.
        if (body.out_of_scope === true) phone.wallet.addLockCertificate(door.provisioned.certificate, door.provisioned.identity.lockId);
        const before = door.lock.actuations;
        const outcome = await world.radio.runUntil(
          phone.client.unlock({ lockId: door.provisioned.identity.lockId, mtu: (body.mtu as number | undefined) ?? 247, allowResume: body.resume !== false, presentOutOfScope: body.out_of_scope === true, useAdvertisedChallenge: body.advertised !== false }),
        );
        expectObserved({ outcome: outcome.outcome, code: outcome.code }, expectationOf(body.expect), `unlock ${phone.id} → ${door.deviceId}`);
        check(door.lock.actuations - before === (outcome.outcome === 'unlocked' ? 1 : 0), `${door.deviceId} actuated ${door.lock.actuations - before} times for one attempt with outcome ${outcome.outcome}`);
        await world.radio.advance(6_000); // let the bolt relock before the next step
        return;
      }
      case 'attack': {
        const params = body as unknown as AttackParams;
        const doorIds = [params.door, params.to_door].filter((id): id is string => id !== undefined);
        const before = doorIds.map((id) => world.locks.get(id)!.lock.actuations);
        const observed = await attacker.run(params, phoneOf);
        const expected = expectationOf(body.expect);
        expectObserved(observed, expected, `attack ${params.kind}`);
        const actuated = doorIds.reduce((sum, id, i) => sum + world.locks.get(id)!.lock.actuations - before[i]!, 0);
        check(actuated === (expected.outcome === 'unlocked' ? 1 : 0), `attack ${params.kind}: doors actuated ${actuated} times`);
        await world.radio.advance(6_000);
        return;
      }
      case 'advance':
        await world.radio.advance(parseDuration(body)!);
        return;
      case 'revoke': {
        const claims = grants.get(body);
        check(claims !== undefined, `no grant named "${body}"`);
        world.issuer.revoke(claims!);
        return;
      }
      case 'carry_update': {
        const door = world.locks.get(body.door as string)!;
        const lockId = door.provisioned.identity.lockId;
        const update = body.version !== undefined ? world.issuer.updateFor(lockId, world.nowS(), { version: body.version as number }) : world.issuer.updateFor(lockId, world.nowS());
        phoneOf(body.phone as string).wallet.carryUpdate(update);
        return;
      }
      case 'maintenance_update': {
        const door = world.locks.get(body.door as string)!;
        const lockId = door.provisioned.identity.lockId;
        const update = body.time !== undefined ? world.issuer.timeSync(lockId, world.nowS(), world.nowS() + seconds(body.time)) : world.issuer.updateFor(lockId, world.nowS());
        world.radio.stepLock(door.deviceId, { type: 'maintenance_update', update });
        return;
      }
      case 'power_cut': {
        const lock = world.locks.get(body.door as string)!.lock;
        lock.nv.powerCutAtWrite = lock.nv.writeCount + (body.at_write as number);
        return;
      }
      case 'power_restore':
        world.radio.stepLock(world.locks.get(body)!.deviceId, { type: 'power_restored' });
        return;
      case 'clock':
        world.radio.stepLock(world.locks.get(body.door as string)!.deviceId, { type: 'clock_disturbed', deltaMs: parseDuration(body.shift as string)! });
        return;
      case 'move': {
        const to = body.to as [number, number];
        world.movePhone(phoneOf(body.phone as string), { xM: to[0], yM: to[1] });
        return;
      }
      case 'radio':
        Object.assign(world.radio.options, body);
        return;
      case 'disconnect_after':
        world.radio.injectDisconnect(world.locks.get(body.door as string)!.deviceId, body.packets as number);
        return;
      case 'forget_ticket':
        phoneOf(body.phone as string).wallet.tickets.clear();
        return;
      case 'expect_actuations': {
        const lock = world.locks.get(body.door as string)!.lock;
        check(lock.actuations === body.count, `${String(body.door)} actuated ${lock.actuations} times, expected ${String(body.count)}`);
        return;
      }
      case 'expect_audit': {
        const lock = world.locks.get(body.door as string)!.lock;
        const found = lock.audit.since(0).some((record) => record.event === body.event && (body.code === undefined || record.code === body.code));
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
function checkUnlinkable(phone: WorldPhone, check: (condition: boolean, message: string) => void): void {
  const sessions = phone.recorder.sessions.map((writes) => toHex(concat(writes.map((write) => write.data.subarray(1)))));
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

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
