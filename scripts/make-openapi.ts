/**
 * `npm run openapi`: writes src/server/openapi.json, latchkey's own OpenAPI document, from the Seam
 * spec (@seamapi/types, a devDependency, so the result is committed and the server reads the file):
 * only the endpoints latchkey implements (src/server/http/fields.ts), each with Seam's operations
 * and response schemas, its request fields less the ones latchkey refuses (listed per operation as
 * `x-latchkey-refused` with the reason), latchkey's additions (`page_cursor` and `pagination` on
 * events/list), and only the component schemas those reach. test/server/openapi.test.ts checks the
 * file is current and diffs it against Seam's.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openapi } from '@seamapi/types/connect';
import { endpointFields } from '../src/server/http/fields.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export const openApiPath = 'src/server/openapi.json';

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

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const document = buildOpenApi();
  writeFileSync(resolve(root, openApiPath), `${JSON.stringify(document, null, 1)}\n`);
  process.stdout.write(`make-openapi: ${Object.keys(document['paths'] as JsonObject).length} paths, ${Object.keys((document['components'] as { schemas: JsonObject }).schemas).length} schemas → ${openApiPath}\n`);
}
