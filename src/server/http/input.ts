/**
 * Request input checked against a small declarative spec, in a handler. On a Seam endpoint the
 * request already passed its schema (generated from the Seam spec, enforced by Fastify before the
 * handler: http/request-schema.ts), which also typed a GET query; what is left here there is
 * semantic: ids that must be UUIDs where the spec types a plain string, ISO-8601 dates between 1970
 * and 2099 (normalised), E.164 phones and email addresses, latchkey's tighter lengths and ranges,
 * and the typed, deduplicated values handlers read. latchkey's own endpoints (api_keys/*, the
 * Instant Key app, audit upload) have no Seam schema and rely on this alone.
 * Every problem is collected as a `validation_errors` entry naming the field; nothing is written
 * before input passed. Unknown fields are ignored (the SDK may send fields we do not implement).
 */
import { invalidInput, type ValidationError } from './errors.ts';

export type FieldKind = 'uuid' | 'string' | 'email' | 'phone' | 'datetime' | 'int' | 'bool' | 'uuid_array' | 'string_array' | 'object' | 'object_array';

export interface FieldSpec {
  kind: FieldKind;
  required?: boolean;
  nullable?: boolean;
  /** string: length; int: value; arrays: items. */
  min?: number;
  max?: number;
}

export type InputSpec = Record<string, FieldSpec>;

interface KindTypes {
  uuid: string;
  string: string;
  email: string;
  phone: string;
  datetime: string;
  int: number;
  bool: boolean;
  uuid_array: string[];
  string_array: string[];
  object: Record<string, unknown>;
  object_array: Record<string, unknown>[];
}

type FieldType<F extends FieldSpec> = KindTypes[F['kind']] | (F extends { nullable: true } ? null : never);
export type Input<S extends InputSpec> = { [K in keyof S]: S[K] extends { required: true } ? FieldType<S[K]> : FieldType<S[K]> | undefined };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const emailPattern = /^[^\s@]{1,64}@[^\s@]{1,253}\.[^\s@]{2,63}$/;
/** E.164: a plus, 8 to 15 digits, no leading zero. */
const phonePattern = /^\+[1-9][0-9]{7,14}$/;
/** RFC 3339 date-time (seconds optional): year, month, day, hour, minute, second, fraction, offset hours, offset minutes. */
const datetimePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
export const stringBytesMax = 1000;
/** Credential times are CBOR uints the protocol keeps within 32 bits (year 2106): stay well inside. */
export const datetimeYearMax = 2099;
export const arrayItemsMax = 100;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuidPattern.test(value);
}

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Normalises an accepted ISO-8601 timestamp to `YYYY-MM-DDTHH:mm:ss.sssZ`; undefined if invalid.
 * Every field must exist on the calendar and the clock: `Date.parse` rolls `2026-02-30` over to
 * March 2nd and `T24:00` to the next day, so the fields are checked first (no day 30 in February,
 * no hour 24, no second 60, offsets within ±23:59).
 */
export function normaliseDatetime(value: string): string | undefined {
  const match = datetimePattern.exec(value);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second, , offsetHour, offsetMinute] = match.slice(1).map((field) => (field === undefined ? 0 : Number(field)));
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(year!, month!)) return undefined;
  if (hour! > 23 || minute! > 59 || second! > 59 || offsetHour! > 23 || offsetMinute! > 59) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  if (date.getUTCFullYear() < 1970 || date.getUTCFullYear() > datetimeYearMax) return undefined;
  return date.toISOString();
}

function checkField(name: string, value: unknown, spec: FieldSpec, errors: ValidationError[]): unknown {
  const fail = (message: string): undefined => {
    errors.push({ path: name, message });
    return undefined;
  };
  if (value === null) return spec.nullable ? null : fail('must not be null');
  switch (spec.kind) {
    case 'uuid':
      return isUuid(value) ? value.toLowerCase() : fail('must be a UUID');
    case 'string':
    case 'email':
    case 'phone': {
      if (typeof value !== 'string') return fail('must be a string');
      const min = spec.min ?? 0;
      if (value.length < min || value.length > (spec.max ?? stringBytesMax)) return fail(`length must be between ${min} and ${spec.max ?? stringBytesMax}`);
      if (spec.kind === 'email' && !emailPattern.test(value)) return fail('must be an email address');
      if (spec.kind === 'phone' && !phonePattern.test(value)) return fail('must be a phone number in E.164 format (+15555550100)');
      return value;
    }
    case 'datetime':
      return typeof value === 'string' ? (normaliseDatetime(value) ?? fail(`must be an ISO-8601 date-time between 1970 and ${datetimeYearMax}`)) : fail('must be an ISO-8601 date-time string');
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail('must be an integer');
      if (value < (spec.min ?? 0) || value > (spec.max ?? Number.MAX_SAFE_INTEGER)) return fail(`must be between ${spec.min ?? 0} and ${spec.max ?? Number.MAX_SAFE_INTEGER}`);
      return value;
    case 'bool':
      return typeof value === 'boolean' ? value : fail('must be a boolean');
    case 'object':
      return isPlainObject(value) ? value : fail('must be an object');
    case 'string_array':
      if (!Array.isArray(value)) return fail('must be an array');
      if (value.length < (spec.min ?? 0) || value.length > (spec.max ?? arrayItemsMax)) return fail(`must have between ${spec.min ?? 0} and ${spec.max ?? arrayItemsMax} items`);
      if (!value.every((item) => typeof item === 'string' && item.length >= 1 && item.length <= 200)) return fail('items must be strings of 1 to 200 characters');
      return [...new Set(value as string[])];
    case 'uuid_array':
    case 'object_array': {
      if (!Array.isArray(value)) return fail('must be an array');
      if (value.length < (spec.min ?? 0) || value.length > (spec.max ?? arrayItemsMax)) return fail(`must have between ${spec.min ?? 0} and ${spec.max ?? arrayItemsMax} items`);
      const good = spec.kind === 'uuid_array' ? value.every(isUuid) : value.every(isPlainObject);
      if (!good) return fail(spec.kind === 'uuid_array' ? 'items must be UUIDs' : 'items must be objects');
      return spec.kind === 'uuid_array' ? [...new Set((value as string[]).map((id) => id.toLowerCase()))] : value;
    }
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Checks `raw` (already an object) against `spec`; throws 400 invalid_input listing every problem. */
export function checkInput<S extends InputSpec>(raw: Record<string, unknown>, spec: S): Input<S> {
  const errors: ValidationError[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec)) {
    const value = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (value === undefined) {
      if (field.required) errors.push({ path: name, message: 'is required' });
      continue;
    }
    const checked = checkField(name, value, field, errors);
    if (checked !== undefined) out[name] = checked;
  }
  if (errors.length > 0) throw invalidInput(errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
  return out as Input<S>;
}
