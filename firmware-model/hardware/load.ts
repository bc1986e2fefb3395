/**
 * Profiles from a name or a JSON file (a firmware team's measured numbers). The file holds one
 * object with exactly the fields of HardwareProfile; anything else is refused with a stable code
 * and the field named:
 *   hardware_profile_unknown     — not a built-in name and not a path ending in .json
 *   hardware_profile_unreadable  — the file cannot be read or is not JSON
 *   hardware_profile_invalid     — a field is missing, unknown, of the wrong type or out of range
 */
import { readFileSync } from 'node:fs';
import { hardwareProfiles, profileFields, type HardwareProfile } from './profiles.ts';

export type HardwareProfileErrorCode = 'hardware_profile_unknown' | 'hardware_profile_unreadable' | 'hardware_profile_invalid';

export class HardwareProfileError extends Error {
  readonly code: HardwareProfileErrorCode;
  /** The offending field (hardware_profile_invalid), e.g. `p256EcdhMicroseconds`. */
  readonly field: string | undefined;
  constructor(code: HardwareProfileErrorCode, message: string, field?: string) {
    super(`${code}: ${message}`);
    this.name = 'HardwareProfileError';
    this.code = code;
    this.field = field;
  }
}

/** Upper bound of every numeric field: 10 s per primitive, 10 A, 10 s per visit (integers, exact nC). */
export const profileValueMax = 10_000_000;
const nameShape = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Checks an already-parsed value; returns a frozen profile or throws hardware_profile_invalid. */
export function validateProfile(value: unknown): HardwareProfile {
  const invalid = (field: string, message: string): never => {
    throw new HardwareProfileError('hardware_profile_invalid', `${field}: ${message}`, field);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('(root)', 'expected a JSON object');
  const record = value as Record<string, unknown>;
  const known = new Set<string>(['name', 'description', ...profileFields]);
  for (const key of Object.keys(record)) if (!known.has(key)) invalid(key, 'unknown field');
  if (typeof record.name !== 'string') invalid('name', 'expected a string');
  if (!nameShape.test(record.name as string)) invalid('name', 'expected 1–40 characters of a-z, 0-9 and -, starting with a letter or digit');
  if (typeof record.description !== 'string') invalid('description', 'expected a string');
  if ((record.description as string).length > 300) invalid('description', 'longer than 300 characters');
  const profile: Record<string, unknown> = { name: record.name, description: record.description };
  for (const field of profileFields) {
    const number = record[field];
    if (number === undefined) invalid(field, 'missing');
    if (typeof number !== 'number' || !Number.isInteger(number)) invalid(field, `expected an integer, got ${JSON.stringify(number)}`);
    if ((number as number) < 0 || (number as number) > profileValueMax) invalid(field, `expected 0–${profileValueMax}, got ${number}`);
    profile[field] = number;
  }
  return Object.freeze(profile as unknown as HardwareProfile);
}

export function parseProfileJson(text: string, source = 'profile'): HardwareProfile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HardwareProfileError('hardware_profile_unreadable', `${source}: not JSON (${(error as Error).message})`);
  }
  return validateProfile(parsed);
}

/** The JSON file form of a profile (what `parseProfileJson` reads back to an equal profile). */
export function profileToJson(profile: HardwareProfile): string {
  const ordered: Record<string, unknown> = { name: profile.name, description: profile.description };
  for (const field of profileFields) ordered[field] = profile[field];
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** A built-in name (`nrf52840`) or a path to a `.json` file. */
export function resolveProfile(nameOrPath: string): HardwareProfile {
  const builtIn = Object.hasOwn(hardwareProfiles, nameOrPath) ? hardwareProfiles[nameOrPath] : undefined;
  if (builtIn !== undefined) return builtIn;
  if (!nameOrPath.endsWith('.json')) throw new HardwareProfileError('hardware_profile_unknown', `"${nameOrPath}" is neither a built-in profile (${Object.keys(hardwareProfiles).join(', ')}) nor a .json file`);
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch (error) {
    throw new HardwareProfileError('hardware_profile_unreadable', `${nameOrPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseProfileJson(text, nameOrPath);
}
