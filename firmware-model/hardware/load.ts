/**
 * Profiles from a name or a JSON file (a firmware team's measured numbers). The file holds one
 * object with exactly the fields of HardwareProfile; anything else is refused with a stable code
 * and the field named:
 *   hardware_profile_unknown     — not a built-in name and not a path ending in .json
 *   hardware_profile_unreadable  — the file cannot be read or is not JSON
 *   hardware_profile_invalid     — a field is missing, unknown, of the wrong type or out of range;
 *                                  a number that is not finite (1e400); a description with control
 *                                  characters; a file that takes a built-in profile's name (a replay
 *                                  or a report naming it would mean the built-in, not the file)
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
/** C0 and C1 controls, DEL, line/paragraph separators and bidi controls: a description goes to terminals and tables. */
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
/** Where a profile loaded from a file came from (its command-line form, for replay commands). */
const sources = new WeakMap<HardwareProfile, string>();

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
  if (controlCharacters.test(record.description as string)) invalid('description', 'contains control characters');
  const profile: Record<string, unknown> = { name: record.name, description: record.description };
  for (const field of profileFields) {
    const number = record[field];
    if (number === undefined) invalid(field, 'missing');
    // JSON.parse reads 1e400 as Infinity (JSON.stringify would print it as null).
    if (typeof number === 'number' && !Number.isFinite(number)) invalid(field, 'expected an integer, got a number that is not finite');
    if (typeof number !== 'number' || !Number.isInteger(number)) invalid(field, `expected an integer, got ${JSON.stringify(number)}`);
    if ((number as number) < 0 || (number as number) > profileValueMax) invalid(field, `expected 0–${profileValueMax}, got ${number}`);
    profile[field] = (number as number) + 0; // -0 is 0
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
  const profile = parseProfileJson(text, nameOrPath);
  if (Object.hasOwn(hardwareProfiles, profile.name)) throw new HardwareProfileError('hardware_profile_invalid', `name: "${profile.name}" is a built-in profile; a profile file must name its own (${nameOrPath})`, 'name');
  sources.set(profile, nameOrPath);
  return profile;
}

/**
 * How to name `profile` on a command line (replay commands): the path of the file it was loaded
 * from, as given, else its built-in name; quoted for a POSIX shell when it needs to be.
 * @example profileArgument(resolveProfile('boards/our-board.json')) // 'boards/our-board.json'
 */
export function profileArgument(profile: HardwareProfile): string {
  const word = sources.get(profile) ?? profile.name;
  return /^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * ` --hardware <name or file path>` for a replay command ('' for none or the built-in `ideal`): a
 * profile loaded from a file is named by its path, which resolves to it again; its name would not.
 */
export function hardwareReplayFlag(hardware: HardwareProfile | undefined): string {
  if (hardware === undefined || hardware === hardwareProfiles.ideal) return '';
  return ` --hardware ${profileArgument(hardware)}`;
}
