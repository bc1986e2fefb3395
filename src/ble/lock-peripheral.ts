/**
 * Handler module for a bleno peripheral worker (src/hci/peripheral): a firmware-model Lock
 * behind the latchkey GATT service.
 *
 * Why: the issue asks for locks that are real BLE peripherals — bleno, unmodified, one worker
 * each — backed by the same deterministic Lock the virtual radio drives. This file is the glue,
 * the same mapping as Link.serve in src/radio/virtual-radio.ts: ATT read/write → lock.step →
 * ATT response, plus connect/disconnect. It advertises the service UUID (advertising data) and
 * the lock id (Manufacturer Specific Data, company 0xFFFF, in the scan response), and reports
 * every actuation, relock and audit record to the spawner (context.report).
 *
 * Time: a BLE run is real time. Every input is stepped with Date.now() (wall clock, ms since the
 * Unix epoch) plus a clock offset that starts at 0, not virtual time: the lock's challenge
 * lifetime and relay bound are measured on the host's clock, scheduling jitter included. The lock's
 * ephemeral keys come from the CSPRNG (the seed only with `deterministicRandom`, for tests). The spawner can move the
 * offset (a scenario's "advance: 2h"), feed lock-side inputs and inspect the lock through the
 * control messages of ./lock-control.ts.
 *
 * Options (structured clone, `spawnPeripheral(…, { options })`): LockPeripheralOptions below;
 * secrets travel as hex because they cross a thread boundary as plain data.
 */
import { validateProfile } from '../../firmware-model/hardware/load.ts';
import type { HardwareProfile } from '../../firmware-model/hardware/profiles.ts';
import { Lock } from '../../firmware-model/lock.ts';
import type { LockInput, LockOutput } from '../../firmware-model/lock.ts';
import type { LockConfig } from '../../firmware-model/config.ts';
import type { AuditRecord } from '../../firmware-model/audit.ts';
import { fromHex, toHex } from '../protocol/bytes.ts';
import { createNobleProvider } from '../protocol/crypto/noble.ts';
import { createNodeProvider } from '../protocol/crypto/node.ts';
import type { SignatureAlgorithm } from '../protocol/crypto/provider.ts';
import { challengeCharacteristics, characteristicUuids, exchangeCharacteristicUuid, latchkeyServiceUuid, lockNameOf, shortUuid, type CharacteristicName } from '../protocol/gatt.ts';
import type { TrustedIssuerKey } from '../protocol/issuer-keys.ts';
import { createSeededRandom, systemRandom } from '../protocol/random.ts';
import { AttErrorCode } from '../hci/peripheral/definition.ts';
import type { PeripheralContext, PeripheralDefinition, ReadResult, WriteResult } from '../hci/peripheral/definition.ts';
import { isLockControlMessage } from './lock-control.ts';
import type { LockControlReply, LockControlRequest, LockSnapshot } from './lock-control.ts';
import { encodeLockManufacturerData } from './manufacturer-data.ts';
import { readAnswerOf, writeAnswerOf } from '../radio/gatt-adapter.ts';

export interface TrustedIssuerKeyHex {
  readonly kidHex: string;
  readonly algorithm: SignatureAlgorithm;
  readonly publicKeyHex: string;
}

export interface LockPeripheralOptions {
  readonly lockIdHex: string;
  readonly signingSecretHex: string;
  readonly agreementSecretHex: string;
  readonly trustedIssuers: readonly TrustedIssuerKeyHex[];
  /** Lock-administration keys (absent: the trusted issuers play both roles). */
  readonly updateKeys?: readonly TrustedIssuerKeyHex[];
  readonly config?: Partial<LockConfig>;
  /** Seed of the lock's random stream (forked by label), used only with deterministicRandom. */
  readonly seed: number;
  /** Tests only: take the lock's randomness from `seed` instead of the CSPRNG. */
  readonly deterministicRandom?: boolean;
  readonly provider?: 'node' | 'noble';
  /** Complete Local Name; ≤ 15 octets so that it fits the scan response with the lock id. */
  readonly localName?: string;
  /**
   * The MCU the lock models (docs/HARDWARE.md). On bleno the lock runs at host speed: the profile
   * does not slow it down, it prices what it computes, reported as `compute` beside wall time.
   */
  readonly hardware?: HardwareProfile;
}

/** What the worker posts to its spawner (the PeripheralHandle 'report' event's `message`). */
export type LockPeripheralReport =
  /** unlockUntilMs on the lock's tick clock (atMs's clock); relockDelayMs = unlockUntilMs − atMs (the lock's unlockMs). */
  | { readonly type: 'actuate'; readonly atMs: number; readonly unlockUntilMs: number; readonly relockDelayMs: number }
  | { readonly type: 'relock'; readonly atMs: number }
  | { readonly type: 'audit'; readonly atMs: number; readonly record: AuditRecord }
  /** A step's modelled compute on the lock's hardware profile (only when not zero). */
  | { readonly type: 'compute'; readonly atMs: number; readonly foregroundMicroseconds: number; readonly backgroundMicroseconds: number }
  | LockControlReply;

export function trustedIssuerToHex(key: TrustedIssuerKey): TrustedIssuerKeyHex {
  return { kidHex: toHex(key.kid), algorithm: key.algorithm, publicKeyHex: toHex(key.publicKey) };
}

function trustedIssuerFromHex(key: TrustedIssuerKeyHex): TrustedIssuerKey {
  return { kid: fromHex(key.kidHex), algorithm: key.algorithm, publicKey: fromHex(key.publicKeyHex) };
}

/** ATT error codes the worker can send; anything else the lock emits becomes Unlikely Error. */
function attErrorOf(code: number): AttErrorCode {
  const known = Object.values(AttErrorCode) as number[];
  return (known.includes(code) ? code : AttErrorCode.UnlikelyError) as AttErrorCode;
}

function parseOptions(raw: unknown): LockPeripheralOptions {
  const options = raw as Partial<LockPeripheralOptions> | null;
  if (options === null || typeof options !== 'object') throw new TypeError('lock peripheral: options missing');
  for (const field of ['lockIdHex', 'signingSecretHex', 'agreementSecretHex'] as const) {
    if (typeof options[field] !== 'string' || !/^([0-9a-f]{2})+$/.test(options[field])) throw new TypeError(`lock peripheral: ${field} must be lower-case hex`);
  }
  if (!Array.isArray(options.trustedIssuers) || options.trustedIssuers.length === 0) throw new TypeError('lock peripheral: trustedIssuers must be a non-empty array');
  if (options.updateKeys !== undefined && (!Array.isArray(options.updateKeys) || options.updateKeys.length === 0)) throw new TypeError('lock peripheral: updateKeys must be a non-empty array when given');
  if (!Number.isInteger(options.seed)) throw new TypeError('lock peripheral: seed must be an integer');
  if (options.hardware !== undefined) return { ...options, hardware: validateProfile(options.hardware) } as LockPeripheralOptions;
  return options as LockPeripheralOptions;
}

export function createPeripheral(context: PeripheralContext): PeripheralDefinition {
  const options = parseOptions(context.options);
  // A lock on a real (or virtual) HCI stack runs on wall-clock time and is never a replayable
  // simulation: its ephemeral keys come from the CSPRNG, never from the 32-bit run seed (a seeded
  // generator would make its challenges predictable). `deterministicRandom` is for tests only.
  const seeded = createSeededRandom(options.seed >>> 0).fork(`ble-lock:${context.label}`);
  const random = options.deterministicRandom === true ? (lengthBytes: number) => seeded.bytes(lengthBytes) : systemRandom;
  const lock = new Lock({
    identity: { lockId: fromHex(options.lockIdHex), signingSecret: fromHex(options.signingSecretHex), agreementSecret: fromHex(options.agreementSecretHex) },
    trustedIssuers: options.trustedIssuers.map(trustedIssuerFromHex),
    ...(options.updateKeys !== undefined ? { updateKeys: options.updateKeys.map(trustedIssuerFromHex) } : {}),
    crypto: options.provider === 'noble' ? createNobleProvider() : createNodeProvider(),
    random,
    config: options.config ?? {},
    ...(options.hardware ? { hardware: options.hardware } : {}),
    // A real stack answers at once: the modelled compute is reported, never waited for, so it must not widen the relay bound.
    computeDelaysResponses: false,
  });
  let connectionId = 0;
  let relockTimer: NodeJS.Timeout | undefined;
  let clockOffsetMs = 0;
  const now = (): number => Date.now() + clockOffsetMs;

  /**
   * The relock timer runs on the clock `step` is given (the lock's monotonic tick, here `now()`),
   * never the lock's RTC: the bolt's deadline is on the tick, and subtracting the drifting,
   * settable RTC fired the timer an hour early (found nothing due, never re-armed: the door stayed
   * open) or an hour late. Re-armed after every step while the bolt is open; the delay after an
   * actuation is `relockDelayMs`, the lock's own unlockMs (options.config or the default).
   */
  const armRelock = (): void => {
    clearTimeout(relockTimer);
    relockTimer = undefined;
    const relockAtMs = lock.relockAtMs;
    if (relockAtMs === undefined) return;
    relockTimer = setTimeout(() => step({ type: 'tick' }), Math.max(0, relockAtMs - now()) + 1);
    relockTimer.unref?.();
  };

  const step = (input: LockInput): LockOutput[] => {
    const atMs = now();
    const outputs = lock.step(input, atMs);
    const { foregroundMicroseconds, backgroundMicroseconds } = lock.lastStepCompute;
    if (foregroundMicroseconds + backgroundMicroseconds > 0) context.report({ type: 'compute', atMs, foregroundMicroseconds, backgroundMicroseconds } satisfies LockPeripheralReport);
    for (const output of outputs) {
      if (output.type === 'actuate') {
        context.report({ type: 'actuate', atMs, unlockUntilMs: output.unlockUntilMs, relockDelayMs: output.unlockUntilMs - atMs } satisfies LockPeripheralReport);
      } else if (output.type === 'relock') context.report({ type: 'relock', atMs } satisfies LockPeripheralReport);
      else if (output.type === 'audit') context.report({ type: 'audit', atMs, record: output.record } satisfies LockPeripheralReport);
    }
    armRelock();
    return outputs;
  };

  const control = (request: LockControlRequest): void => {
    switch (request.type) {
      case 'advance_clock':
        if (!Number.isSafeInteger(request.deltaMs) || request.deltaMs < 0) throw new RangeError(`advance_clock: deltaMs must be a non-negative integer, got ${request.deltaMs}`);
        clockOffsetMs += request.deltaMs;
        step({ type: 'tick' });
        return;
      case 'step':
        step(request.input);
        return;
      case 'power_cut_at_write':
        lock.nv.powerCutAtWrite = lock.nv.writeCount + request.writesFromNow;
        return;
      case 'inspect':
        return;
    }
  };
  const snapshot = (): LockSnapshot => ({ clockOffsetMs, powered: lock.isPowered, actuations: lock.actuations, audit: lock.audit.all() });
  context.onControl((message) => {
    if (!isLockControlMessage(message)) return;
    try {
      control(message.request);
      context.report({ type: 'control_done', id: message.id, snapshot: snapshot() } satisfies LockPeripheralReport);
    } catch (error) {
      context.report({ type: 'control_failed', id: message.id, message: error instanceof Error ? error.message : String(error) } satisfies LockPeripheralReport);
    }
  });

  const read = async (characteristic: CharacteristicName): Promise<ReadResult> => {
    const answer = readAnswerOf(step({ type: 'read', connectionId, characteristic, offset: 0 }));
    if (answer === null) return { ok: false, attErrorCode: AttErrorCode.UnlikelyError }; // no connection known to the lock
    return answer.ok ? { ok: true, value: answer.value } : { ok: false, attErrorCode: attErrorOf(answer.attError) };
  };

  const write = async (characteristic: CharacteristicName, data: Uint8Array, withResponse: boolean): Promise<WriteResult> => {
    const outputs = step({ type: 'write', connectionId, characteristic, data, withResponse });
    if (!withResponse) return { ok: true };
    const answer = writeAnswerOf(outputs);
    if (answer === null) return { ok: false, attErrorCode: AttErrorCode.UnlikelyError };
    return answer.ok ? { ok: true } : { ok: false, attErrorCode: attErrorOf(answer.attError) };
  };

  return {
    // The name the Instant Key web page recognises (src/protocol/gatt.ts lockNameOf).
    localName: (options.localName ?? lockNameOf(lock.identity.lockId)).slice(0, 15),
    serviceUuid: shortUuid(latchkeyServiceUuid),
    manufacturerData: encodeLockManufacturerData(lock.identity.lockId),
    characteristics: [
      ...challengeCharacteristics.map((name) => ({ uuid: shortUuid(characteristicUuids[name]), properties: ['read' as const], onRead: () => read(name) })),
      {
        uuid: shortUuid(exchangeCharacteristicUuid),
        properties: ['read', 'write', 'writeWithoutResponse'],
        onRead: () => read('exchange'),
        // bleno serves one central at a time; the lock sees one connection id per link.
        onWrite: (request) => write('exchange', request.value, !request.withoutResponse),
      },
    ],
    onConnect: () => {
      connectionId += 1;
      step({ type: 'connect', connectionId });
    },
    onDisconnect: () => {
      step({ type: 'disconnect', connectionId });
    },
  };
}
