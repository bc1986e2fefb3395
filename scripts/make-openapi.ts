/**
 * `npm run openapi`: writes src/server/openapi.json, latchkey's own OpenAPI document, from the Seam
 * spec (@seamapi/types, a devDependency, so the result is committed and the server reads the file):
 * only the endpoints latchkey implements (src/server/http/fields.ts), each with Seam's operations
 * and response schemas, its request fields less the ones latchkey refuses (listed per operation as
 * `x-latchkey-refused` with the reason), latchkey's additions (`page_cursor` and `pagination` on
 * events/list), and only the component schemas those reach. test/server/openapi.test.ts checks the
 * file is current and diffs it against Seam's.
 *
 * It also writes src/server/request-schemas.json: each endpoint's request schema as JSON Schema,
 * which Fastify's ajv enforces on the route (buildRequestSchemas below; test/server/request-schemas.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openapi } from '@seamapi/types/connect';
import { endpointFields } from '../src/server/http/fields.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export const openApiPath = 'src/server/openapi.json';
export const requestSchemasPath = 'src/server/request-schemas.json';

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Removes the refused fields from a request schema (every oneOf/allOf variant), in place. */
function stripFields(schema: Json, refused: string[]): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return;
  const properties = schema['properties'];
  if (typeof properties === 'object' && properties !== null && !Array.isArray(properties)) for (const field of refused) delete properties[field];
  if (Array.isArray(schema['required'])) schema['required'] = schema['required'].filter((field) => !refused.includes(field as string));
  for (const key of ['oneOf', 'anyOf', 'allOf']) {
    const variants = schema[key];
    if (Array.isArray(variants)) for (const variant of variants) stripFields(variant, refused);
  }
}

function refsIn(node: Json, out: Set<string>): void {
  if (Array.isArray(node)) for (const item of node) refsIn(item, out);
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) out.add(value.slice('#/components/schemas/'.length));
      else refsIn(value, out);
    }
  }
}

export function buildOpenApi(): JsonObject {
  const seam = openapi as unknown as { openapi: string; paths: Record<string, Record<string, JsonObject>>; components: { schemas: Record<string, Json>; securitySchemes?: Json } };
  const paths: Record<string, JsonObject> = {};
  for (const [path, entry] of Object.entries(endpointFields)) {
    const item = seam.paths[path];
    if (item === undefined) throw new Error(`${path} is not in the Seam spec`);
    const refused = Object.keys(entry.refused ?? {});
    const ours: JsonObject = {};
    for (const [method, operation] of Object.entries(clone(item))) {
      const content = (operation['requestBody'] as { content?: Record<string, { schema: Json }> } | undefined)?.content;
      for (const media of Object.values(content ?? {})) stripFields(media.schema, refused);
      if (Array.isArray(operation['parameters'])) operation['parameters'] = operation['parameters'].filter((p) => !refused.includes((p as { name: string }).name));
      if (refused.length > 0) operation['x-latchkey-refused'] = Object.fromEntries(refused.map((field) => [field, entry.refused![field]!]));
      if (path === '/events/list') {
        const body = (content?.['application/json']?.schema as JsonObject | undefined);
        const description = "latchkey: the previous page's pagination.next_page_cursor";
        if (body?.['properties']) (body['properties'] as JsonObject)['page_cursor'] = { type: 'string', nullable: true, description };
        if (Array.isArray(operation['parameters'])) operation['parameters'].push({ in: 'query', name: 'page_cursor', required: false, schema: { type: 'string', description } });
        const response = (operation['responses'] as Record<string, { content?: Record<string, { schema: JsonObject }> }>)['200']?.content?.['application/json']?.schema;
        if (response?.['properties']) (response['properties'] as JsonObject)['pagination'] = { $ref: '#/components/schemas/pagination' };
      }
      ours[method] = operation;
    }
    paths[path] = ours;
  }
  // Component schemas reachable from those paths, transitively.
  const wanted = new Set<string>();
  refsIn(paths as unknown as Json, wanted);
  const schemas: Record<string, Json> = {};
  const queue = [...wanted];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (schemas[name] !== undefined) continue;
    const schema = seam.components.schemas[name];
    if (schema === undefined) throw new Error(`missing component ${name}`);
    schemas[name] = clone(schema);
    const more = new Set<string>();
    refsIn(schema, more);
    for (const next of more) if (schemas[next] === undefined) queue.push(next);
  }
  const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: seam.openapi,
    info: {
      title: 'latchkey',
      version: '0.1.0',
      description: 'The Seam Connect endpoints latchkey implements, generated from @seamapi/types 1.724.0 by scripts/make-openapi.ts (refused request fields removed, listed as x-latchkey-refused).',
    },
    servers: [],
    paths: paths as unknown as Json,
    components: { schemas: sorted, ...(seam.components.securitySchemes !== undefined ? { securitySchemes: clone(seam.components.securitySchemes) } : {}) } as unknown as Json,
  };
}

/** latchkey's bounds where the spec sets none (the spec's own bounds are kept): no unbounded input. */
export const requestBounds = { stringMaxLength: 1000, arrayMaxItems: 100 } as const;

/**
 * Formats the spec states only in a field's description, as patterns: `phone_number` is "in E.164
 * format (for example, +15555550100)": a plus, 8 to 15 digits, no leading zero.
 */
export const describedPatterns: Readonly<Record<string, string>> = { phone_number: '^\\+[1-9][0-9]{7,14}$' };

/** The keywords a request schema keeps: validation only (annotations such as description go). */
const validationKeywords = new Set(['type', 'properties', 'required', 'items', 'enum', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'minItems', 'maxItems', 'oneOf', 'anyOf', 'allOf', 'nullable']);
/** Formats the spec names that carry no check ajv knows (`float` on a number). */
const annotationFormats = new Set(['float']);

/**
 * The fields of a union's variants, each with its schema when every variant that has it agrees
 * (undefined if none does). Set beside the anyOf, they type a field whichever variant matches:
 * acs/credentials/list's `{}` variant would otherwise let `acs_user_id: 7` through.
 */
function sharedProperties(variants: JsonObject[]): JsonObject | undefined {
  const fields: JsonObject = {};
  const conflicting = new Set<string>();
  for (const variant of variants) {
    for (const [field, schema] of Object.entries((variant['properties'] ?? {}) as JsonObject)) {
      if (fields[field] !== undefined && JSON.stringify(fields[field]) !== JSON.stringify(schema)) conflicting.add(field);
      fields[field] ??= schema;
    }
  }
  for (const field of conflicting) delete fields[field];
  return Object.keys(fields).length > 0 ? fields : undefined;
}

/**
 * One OpenAPI 3.0 request schema as JSON Schema for Fastify's ajv: validation keywords only,
 * `exclusiveMinimum: true` (3.0's boolean form) as the number it bounds, `null` added to a nullable
 * enum (ajv's `nullable` does not widen an enum), oneOf read as anyOf (its variants' agreed fields set
 * beside it: sharedProperties), latchkey's bounds added where the spec has none, and the formats the spec gives only in words (describedPatterns).
 */
export function toRequestSchema(node: Json, name?: string): Json {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (!validationKeywords.has(key)) continue;
    if (key === 'properties' && typeof value === 'object' && value !== null && !Array.isArray(value)) out[key] = Object.fromEntries(Object.entries(value).map(([field, schema]) => [field, toRequestSchema(schema, field)]));
    // Seam's oneOf comes from zod unions, which take the first variant that matches: that is anyOf
    // (its variants overlap: acs/credentials/list's `{}` matches whatever another variant does).
    else if ((key === 'oneOf' || key === 'anyOf') && Array.isArray(value)) out['anyOf'] = value.map((variant) => toRequestSchema(variant));
    else if (key === 'allOf' && Array.isArray(value)) out[key] = value.map((variant) => toRequestSchema(variant));
    else if (key === 'items') out[key] = toRequestSchema(value);
    else if (key === 'format' && annotationFormats.has(value as string)) continue;
    else out[key] = clone(value);
  }
  const variants = out['anyOf'];
  if (Array.isArray(variants) && out['properties'] === undefined) {
    const shared = sharedProperties(variants as JsonObject[]);
    if (shared !== undefined) {
      out['properties'] = shared;
      out['type'] ??= 'object'; // ajv's strictTypes: `properties` only on an object
    }
  }
  if (out['exclusiveMinimum'] === true) {
    out['exclusiveMinimum'] = out['minimum'] ?? 0;
    delete out['minimum'];
  } else if (out['exclusiveMinimum'] === false) delete out['exclusiveMinimum'];
  if (out['nullable'] === true && Array.isArray(out['enum']) && !out['enum'].includes(null)) out['enum'] = [...out['enum'], null];
  if (out['type'] === 'string' && out['maxLength'] === undefined && out['enum'] === undefined) out['maxLength'] = requestBounds.stringMaxLength;
  if (out['type'] === 'string' && out['pattern'] === undefined && name !== undefined && describedPatterns[name] !== undefined) out['pattern'] = describedPatterns[name];
  if (out['type'] === 'array' && out['maxItems'] === undefined) out['maxItems'] = requestBounds.arrayMaxItems;
  return out;
}

/**
 * The request schema of every endpoint in latchkey's document (refused fields already removed):
 * the POST body's (every Seam endpoint has a POST; one without a body takes any object; and its GET query parameters are the same
 * fields), converted by toRequestSchema. Fastify enforces it on the body of POST/PUT/PATCH/DELETE
 * and on the query string of GET (http/route.ts); test/server/request-schemas.test.ts checks it.
 */
export function buildRequestSchemas(document: JsonObject = buildOpenApi()): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [path, item] of Object.entries(document['paths'] as Record<string, Record<string, JsonObject>>)) {
    const post = item['post'];
    const body = (post?.['requestBody'] as { content?: Record<string, { schema: Json }> } | undefined)?.content?.['application/json']?.schema;
    if (post === undefined) throw new Error(`${path} has no POST operation in the spec`);
    // No request body in the spec (workspaces/get): the endpoint takes no fields, any object will do.
    out[path] = toRequestSchema(body ?? { type: 'object', properties: {} });
  }
  return out;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const document = buildOpenApi();
  writeFileSync(resolve(root, openApiPath), `${JSON.stringify(document, null, 1)}\n`);
  const requestSchemas = buildRequestSchemas(document);
  writeFileSync(resolve(root, requestSchemasPath), `${JSON.stringify(requestSchemas, null, 1)}\n`);
  process.stdout.write(`make-openapi: ${Object.keys(document['paths'] as JsonObject).length} paths, ${Object.keys((document['components'] as { schemas: JsonObject }).schemas).length} schemas → ${openApiPath}; ${Object.keys(requestSchemas).length} request schemas → ${requestSchemasPath}\n`);
}
