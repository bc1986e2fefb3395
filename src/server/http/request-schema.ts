/**
 * The request schemas Fastify enforces on the Seam routes: src/server/request-schemas.json,
 * generated from the Seam OpenAPI document by `npm run openapi` (scripts/make-openapi.ts: refused
 * fields removed, latchkey's length bounds added). Here: reading that file, turning a GET query
 * string into typed values the way the seam SDK writes them (before ajv sees it), and turning ajv's
 * errors into Seam's keyed `validation_errors`.
 */
import { readFileSync } from 'node:fs';
import type { FastifySchemaValidationError as ErrorObject } from 'fastify';
import { invalidInput, type ApiError, type ValidationError } from './errors.ts';
import { isPlainObject } from './input.ts';

export interface RequestSchema {
  type?: string | string[];
  properties?: Record<string, RequestSchema>;
  required?: string[];
  items?: RequestSchema;
  oneOf?: RequestSchema[];
  anyOf?: RequestSchema[];
  allOf?: RequestSchema[];
  [keyword: string]: unknown;
}

let schemas: Record<string, RequestSchema> | undefined;

/** The generated request schema of a Seam endpoint; undefined for latchkey's own endpoints. */
export function requestSchemaOf(path: string): RequestSchema | undefined {
  schemas ??= JSON.parse(readFileSync(new URL('../request-schemas.json', import.meta.url), 'utf8')) as Record<string, RequestSchema>;
  return Object.hasOwn(schemas, path) ? schemas[path] : undefined;
}

/** The schema of field `name` in `schema` or any of its variants (first found). */
function fieldSchema(schema: RequestSchema, name: string): RequestSchema | undefined {
  if (schema.properties !== undefined && Object.hasOwn(schema.properties, name)) return schema.properties[name];
  for (const variant of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) {
    const found = fieldSchema(variant, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

function typeOf(schema: RequestSchema | undefined): string | undefined {
  return typeof schema?.type === 'string' ? schema.type : undefined;
}

function scalarFromQuery(value: string, schema: RequestSchema | undefined): unknown {
  const type = typeOf(schema);
  if ((type === 'integer' || type === 'number') && /^-?\d{1,15}(\.\d{1,15})?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/**
 * A query string's values are strings: a field the schema types as a number or boolean is read as
 * one when it spells one (else it stays a string and ajv refuses it); an array field is repeated
 * keys, one key is one item, `key=` is the empty array (as the seam SDK and next_page_url write it).
 */
export function queryInput(query: unknown, schema: RequestSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(query)) return out;
  for (const [name, value] of Object.entries(query)) {
    const field = fieldSchema(schema, name);
    if (typeOf(field) === 'array') {
      const items = Array.isArray(value) ? value : value === '' ? [] : [value];
      out[name] = items.map((item) => (typeof item === 'string' ? scalarFromQuery(item, field?.items) : item));
    } else out[name] = typeof value === 'string' ? scalarFromQuery(value, field) : value;
  }
  return out;
}

/** `/requested_access_methods/0/mode` → `requested_access_methods.0.mode` (JSON-pointer escapes undone). */
function dotted(instancePath: string): string {
  return instancePath.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

function join(path: string, field: string): string {
  return path === '' ? field : `${path}.${field}`;
}

/** The schema node at an ajv schemaPath (`#/allOf/0/oneOf`). */
function atSchemaPath(schema: RequestSchema, schemaPath: string): unknown {
  let node: unknown = schema;
  for (const segment of schemaPath.replace(/^#\/?/, '').split('/').filter((s) => s !== '')) node = isPlainObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[segment] : undefined;
  return node;
}

/** What each variant of an anyOf asks for, e.g. `user_identity_id` | `user_identity`. */
function variantsText(variants: unknown): string {
  if (!Array.isArray(variants)) return 'one of the alternatives';
  return variants.map((variant: RequestSchema) => (variant.required ?? Object.keys(variant.properties ?? {})).join(' + ') || 'an object').join(' | ');
}

const formatMessages: Record<string, string> = {
  uuid: 'must be a UUID',
  email: 'must be an email address',
  'date-time': 'must be an ISO-8601 date-time',
  uri: 'must be a URI',
};

const patternMessages: Record<string, string> = {
  '^\\+[1-9][0-9]{7,14}$': 'must be a phone number in E.164 format (+15555550100)',
};

/** One ajv error as a field path and a message in latchkey's words. */
function validationError(error: ErrorObject, schema: RequestSchema | undefined): ValidationError {
  const path = dotted(error.instancePath);
  const params = error.params;
  switch (error.keyword) {
    case 'required':
      return { path: join(path, String(params['missingProperty'])), message: 'is required' };
    case 'format':
      return { path, message: formatMessages[String(params['format'])] ?? `must be a ${String(params['format'])}` };
    case 'enum': {
      const values = (params['allowedValues'] as unknown[]).filter((value) => value !== null).map(String);
      return { path, message: `must be ${values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values.at(-1)}` : values[0]}` };
    }
    case 'pattern':
      return { path, message: patternMessages[String(params['pattern'])] ?? `must match ${String(params['pattern'])}` };
    case 'type': {
      const node = schema === undefined ? undefined : atSchemaPath(schema, error.schemaPath.replace(/\/type$/, ''));
      const nullable = isPlainObject(node) && node['nullable'] === true;
      return { path, message: `must be ${/^[aeiou]/.test(String(params['type'])) ? 'an' : 'a'} ${String(params['type'])}${nullable ? ' or null' : ''}` };
    }
    case 'anyOf':
      return { path, message: `give one of: ${schema === undefined ? 'the alternatives' : variantsText(atSchemaPath(schema, error.schemaPath))}` };
    default:
      return { path, message: error.message ?? 'is not valid' };
  }
}

/** At most this many problems are reported (a 64 KiB body could otherwise list thousands). */
export const validationErrorsMax = 20;

/**
 * ajv's errors for a request as one 400 `invalid_input`. An anyOf fails with its variants' own
 * errors too (`user_identity_id is required`, `user_identity is required`): those are kept, they
 * name the fields to give; duplicates (same path, same message) are dropped.
 */
export function invalidInputOfSchemaErrors(errors: readonly ErrorObject[], schema: RequestSchema | undefined): ApiError {
  const seen = new Set<string>();
  const out: ValidationError[] = [];
  for (const error of errors) {
    const entry = validationError(error, schema);
    const key = `${entry.path}\u0000${entry.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
    if (out.length === validationErrorsMax) break;
  }
  if (out.length === 0) out.push({ path: '', message: 'is not valid' });
  return invalidInput(out.map((e) => (e.path === '' ? e.message : `${e.path} ${e.message}`)).join('; '), out);
}
