/**
 * Scenario files: the shape, and a validator whose errors name the file, the line and the field
 * (`scenarios/x.yaml:12: steps[3].unlock.expect: …`). Parsing keeps the YAML node ranges so every
 * error points at the line a person has to fix.
 */
import { LineCounter, parseDocument } from 'yaml';
import { auditEvents, type AuditEvent } from '../../../firmware-model/audit.ts';
import { errorCodes, type ErrorCode } from '../../protocol/errors.ts';
import { parseDuration } from './durations.ts';
import { dirname, isAbsolute, join } from 'node:path';
import { HardwareProfileError, resolveProfile } from '../../../firmware-model/hardware/load.ts';
import type { HardwareProfile } from '../../../firmware-model/hardware/profiles.ts';

export type Expectation = { outcome: 'unlocked' } | { outcome: 'refused'; code: ErrorCode } | { outcome: 'out_of_range' | 'disconnected' | 'timeout' };

export const attackKinds = [
  'replay', 'mutate', 'reorder', 'drop_chunk', 'duplicate_chunk', 'truncate', 'reflect', 'cross_lock',
  'forged_credential', 'downgrade', 'strip_versions', 'fake_lock', 'garbage', 'concurrent', 'lockout', 'audit_flush', 'advertised_replay',
] as const;
export type AttackKind = (typeof attackKinds)[number];

export const forgeries = [
  'unknown_issuer', 'bad_signature', 'alg_not_allowed', 'alg_confusion', 'alg_unprotected', 'unknown_critical',
  'non_canonical', 'trailing_bytes', 'oversized_claim', 'wrong_transcript', 'stolen_credential',
] as const;
export type Forgery = (typeof forgeries)[number];

export interface Scenario {
  file: string;
  name: string;
  description: string;
  attack?: string;
  radio: Record<string, number | boolean>;
  /** Every door's MCU profile (`hardware:` at the top; a door's own `hardware:` wins); unset: the run's --hardware. */
  hardware?: HardwareProfile;
  doors: { id: string; position: [number, number]; config: Record<string, number | boolean>; hardware?: HardwareProfile }[];
  phones: { id: string; position: [number, number] }[];
  steps: { line: number; step: Record<string, unknown> }[];
}

export class ScenarioError extends Error {
  constructor(file: string, line: number, field: string, message: string) {
    super(`${file}:${line}: ${field}: ${message}`);
    this.name = 'ScenarioError';
  }
}

const radioKeys = ['connIntervalMs', 'packetsPerEventMax', 'llPayloadBytesMax', 'lossNumerator', 'lossDenominator', 'extraLatencyMs', 'supervisionTimeoutMs', 'centralContinuesEvent', 'rssiNoiseDb'];
const doorConfigKeys = ['unlockMs', 'challengeLifetimeMs', 'relayBoundMs', 'skewToleranceS', 'failuresMax', 'failureWindowMs', 'connectionsMax', 'ticketLifetimeS', 'lockVersions', 'clockDriftPpm', 'clockRollbackToleranceMs', 'advertiseChallenge', 'advertisedChallengeLifetimeMs'];

/** Fields each step kind takes; `true` = required. */
export const stepFields: Record<string, Record<string, boolean>> = {
  grant: { phone: true, doors: true, subject: false, from: false, until: false, supersede: false, as: false },
  unlock: { phone: true, door: true, mtu: false, resume: false, out_of_scope: false, advertised: false, walk: false, expect: true },
  advance: {},
  revoke: {},
  carry_update: { phone: true, door: true, version: false },
  maintenance_update: { door: true, time: false },
  power_cut: { door: true, at_write: true },
  power_restore: {},
  clock: { door: true, shift: true },
  move: { phone: true, to: true },
  radio: {},
  disconnect_after: { door: true, packets: true },
  attack: { kind: true, phone: false, door: false, to_door: false, chunk: false, byte: false, xor: false, forge: false, count: false, expect: true },
  expect_actuations: { door: true, count: true },
  expect_audit: { door: true, event: true, code: false },
  expect_unlinkable: { phone: true },
  forget_ticket: { phone: true },
};
const scalarSteps = ['advance', 'revoke', 'power_restore'];

export function parseScenario(file: string, text: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw new ScenarioError(file, lineCounter.linePos(error.pos[0]).line, '(yaml)', error.message.split('\n')[0]!);
  }
  const lineOf = (path: (string | number)[]): number => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const fallback = path.length > 0 ? lineOf(path.slice(0, -1)) : 1;
    return node?.range ? lineCounter.linePos(node.range[0]).line : fallback;
  };
  const fail = (path: (string | number)[], message: string): never => {
    throw new ScenarioError(file, lineOf(path), path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replaceAll('.[', '['), message);
  };
  const root = doc.toJS() as Record<string, unknown> | null;
  if (root === null || typeof root !== 'object' || Array.isArray(root)) fail([], 'a scenario file is a mapping');
  checkKeys(root!, ['name', 'description', 'attack', 'radio', 'hardware', 'doors', 'phones', 'steps'], [], fail);
  // A built-in profile name or a .json file (relative to the scenario file).
  const hardwareAt = (value: unknown, path: (string | number)[]): HardwareProfile | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return fail(path, 'expected a profile name or a .json file');
    try {
      return resolveProfile(value.endsWith('.json') && !isAbsolute(value) ? join(dirname(file), value) : value);
    } catch (error) {
      if (error instanceof HardwareProfileError) return fail(path, error.message);
      throw error;
    }
  };
  const hardware = hardwareAt(root!.hardware, ['hardware']);
  const name = requireString(root!.name, ['name'], fail);
  const description = typeof root!.description === 'string' ? root!.description : '';
  const radio = (root!.radio ?? {}) as Record<string, number | boolean>;
  if (typeof radio !== 'object' || Array.isArray(radio)) fail(['radio'], 'expected a mapping');
  checkKeys(radio, radioKeys, ['radio'], fail);
  for (const [key, value] of Object.entries(radio)) if (typeof value !== 'number' && typeof value !== 'boolean') fail(['radio', key], 'expected a number or boolean');
  const doors = requireList(root!.doors, ['doors'], fail).map((entry, index) => {
    const door = entry as Record<string, unknown>;
    checkKeys(door, ['id', 'position', 'config', 'hardware'], ['doors', index], fail);
    const config = (door.config ?? {}) as Record<string, number | boolean>;
    checkKeys(config, doorConfigKeys, ['doors', index, 'config'], fail);
    const doorHardware = hardwareAt(door.hardware, ['doors', index, 'hardware']);
    return { id: requireString(door.id, ['doors', index, 'id'], fail), position: requirePosition(door.position, ['doors', index, 'position'], fail), config, ...(doorHardware ? { hardware: doorHardware } : {}) };
  });
  const phones = requireList(root!.phones ?? [], ['phones'], fail).map((entry, index) => {
    const phone = entry as Record<string, unknown>;
    checkKeys(phone, ['id', 'position'], ['phones', index], fail);
    return { id: requireString(phone.id, ['phones', index, 'id'], fail), position: requirePosition(phone.position, ['phones', index, 'position'], fail) };
  });
  const doorIds = new Set(doors.map((d) => d.id));
  const phoneIds = new Set(phones.map((p) => p.id));
  const steps = requireList(root!.steps, ['steps'], fail).map((entry, index) => {
    const path = ['steps', index];
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || Object.keys(entry).length !== 1) fail(path, 'each step is a mapping with exactly one key (the step kind)');
    const [kind, body] = Object.entries(entry as Record<string, unknown>)[0]!;
    const fields = stepFields[kind];
    if (fields === undefined) fail(path, `unknown step kind "${kind}" (known: ${Object.keys(stepFields).join(', ')})`);
    if (scalarSteps.includes(kind)) {
      if (typeof body !== 'string') fail([...path, kind], 'expected a string');
      if (kind === 'advance' && parseDuration(body as string) === undefined) fail([...path, kind], 'expected a duration like 30s, 2h, 1d');
      if (kind === 'power_restore' && !doorIds.has(body as string)) fail([...path, kind], `unknown door "${String(body)}"`);
      return { line: lineOf(path), step: { [kind]: body } };
    }
    if (kind === 'radio') {
      checkKeys(body as Record<string, unknown>, radioKeys, [...path, kind], fail);
      return { line: lineOf(path), step: { [kind]: body } };
    }
    const fieldsObject = body as Record<string, unknown>;
    if (fieldsObject === null || typeof fieldsObject !== 'object' || Array.isArray(fieldsObject)) fail([...path, kind], 'expected a mapping');
    checkKeys(fieldsObject, Object.keys(fields!), [...path, kind], fail);
    for (const [field, required] of Object.entries(fields!)) if (required && !(field in fieldsObject)) fail([...path, kind], `missing required field "${field}"`);
    validateStepFields(kind, fieldsObject, [...path, kind], doorIds, phoneIds, fail);
    return { line: lineOf(path), step: { [kind]: fieldsObject } };
  });
  const scenario: Scenario = { file, name, description, radio, doors, phones, steps };
  if (typeof root!.attack === 'string') scenario.attack = root!.attack;
  if (hardware !== undefined) scenario.hardware = hardware;
  return scenario;
}

type Fail = (path: (string | number)[], message: string) => never;

function validateStepFields(kind: string, body: Record<string, unknown>, path: (string | number)[], doors: Set<string>, phones: Set<string>, fail: Fail): void {
  for (const field of ['phone'] as const) if (field in body && !phones.has(String(body[field]))) fail([...path, field], `unknown phone "${String(body[field])}"`);
  for (const field of ['door', 'to_door'] as const) if (field in body && !doors.has(String(body[field]))) fail([...path, field], `unknown door "${String(body[field])}"`);
  if ('doors' in body) {
    if (!Array.isArray(body.doors) || body.doors.length === 0) fail([...path, 'doors'], 'expected a non-empty list of door ids');
    (body.doors as unknown[]).forEach((door, index) => {
      if (!doors.has(String(door))) fail([...path, 'doors', index], `unknown door "${String(door)}"`);
    });
  }
  for (const field of ['from', 'until', 'shift', 'time'] as const) {
    if (field in body && (typeof body[field] !== 'string' || parseDuration(body[field] as string) === undefined)) fail([...path, field], 'expected a duration like -60s, +1d, 2h');
  }
  for (const field of ['mtu', 'at_write', 'packets', 'count', 'chunk', 'byte', 'xor', 'version'] as const) {
    if (field in body && (typeof body[field] !== 'number' || !Number.isInteger(body[field]) || (body[field] as number) < 0)) fail([...path, field], 'expected a non-negative integer');
  }
  if ('mtu' in body && ((body.mtu as number) < 23 || (body.mtu as number) > 517)) fail([...path, 'mtu'], 'MTU must be 23..517');
  if (kind === 'attack' && !(attackKinds as readonly string[]).includes(String(body.kind))) fail([...path, 'kind'], `unknown attack kind "${String(body.kind)}" (known: ${attackKinds.join(', ')})`);
  if ('forge' in body && !(forgeries as readonly string[]).includes(String(body.forge))) fail([...path, 'forge'], `unknown forgery "${String(body.forge)}" (known: ${forgeries.join(', ')})`);
  if ('to' in body) requirePosition(body.to, [...path, 'to'], fail);
  if ('expect' in body) parseExpectation(body.expect, [...path, 'expect'], fail);
  if ('event' in body && !auditEvents.includes(String(body.event) as AuditEvent)) fail([...path, 'event'], `expected ${auditEvents.join(', ')}`);
  if ('code' in body && !(String(body.code) in errorCodes)) fail([...path, 'code'], `unknown error code "${String(body.code)}"`);
}

export function parseExpectation(value: unknown, path: (string | number)[], fail: Fail): Expectation {
  if (value === 'unlocked' || value === 'out_of_range' || value === 'disconnected' || value === 'timeout') return { outcome: value };
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && 'refused' in value) {
    const code = (value as { refused: unknown }).refused;
    if (typeof code !== 'string' || !(code in errorCodes)) fail([...path, 'refused'], `unknown error code "${String(code)}"`);
    return { outcome: 'refused', code: code as ErrorCode };
  }
  return fail(path, 'expected unlocked, out_of_range, disconnected, timeout or { refused: <error code> }');
}

function checkKeys(object: Record<string, unknown>, allowed: string[], path: (string | number)[], fail: Fail): void {
  for (const key of Object.keys(object)) if (!allowed.includes(key)) fail([...path, key], `unknown field (allowed: ${allowed.join(', ')})`);
}
function requireString(value: unknown, path: (string | number)[], fail: Fail): string {
  if (typeof value !== 'string' || value.length === 0) fail(path, 'expected a non-empty string');
  return value as string;
}
function requireList(value: unknown, path: (string | number)[], fail: Fail): unknown[] {
  if (!Array.isArray(value)) fail(path, 'expected a list');
  return value as unknown[];
}
function requirePosition(value: unknown, path: (string | number)[], fail: Fail): [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) fail(path, 'expected [x, y] in metres');
  return value as [number, number];
}

