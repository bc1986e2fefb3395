/**
 * latchkey's request validation (the generated request schemas, then the handlers' semantic checks) checked against the Seam
 * spec: for every honoured field of every implemented endpoint (src/server/http/fields.ts), a value
 * built from the field's schema in @seamapi/types (a UUID for `format: uuid`, the first enum value,
 * an ISO date-time, …) must not be refused as invalid for that field, neither by the request schema
 * Fastify enforces (src/server/request-schemas.json) nor by the handler's own checks. The few places where latchkey
 * is deliberately stricter than the spec are listed below with the reason.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openapi } from '@seamapi/types/connect';
import { endpointFields } from '../../src/server/http/fields.ts';
import type { RunningServer } from '../../src/server/index.ts';
import { call, startTestServer } from './helpers.ts';

type Schema = { type?: string; format?: string; enum?: unknown[]; items?: Schema; properties?: Record<string, Schema>; required?: string[]; oneOf?: Schema[]; anyOf?: Schema[]; allOf?: Schema[]; minimum?: number; minItems?: number; $ref?: string };

const opaqueCursor = 'a page_cursor is opaque: only one this server made can be honoured';
const nothingToName = 'latchkey has no devices, webviews or connected accounts to add: only an empty list can be honoured';
/** Spec values latchkey refuses on purpose, by `path field`. */
const stricter: Record<string, string> = {
  '/acs/entrances/list page_cursor': opaqueCursor,
  '/user_identities/list page_cursor': opaqueCursor,
  '/access_grants/list page_cursor': opaqueCursor,
  '/acs/credentials/list page_cursor': opaqueCursor,
  '/spaces/create device_ids': nothingToName,
  '/spaces/update device_ids': nothingToName,
  '/client_sessions/create connect_webview_ids': nothingToName,
  '/client_sessions/create connected_account_ids': nothingToName,
  '/client_sessions/get_or_create connect_webview_ids': nothingToName,
  '/client_sessions/get_or_create connected_account_ids': nothingToName,
  '/client_sessions/grant_access connect_webview_ids': nothingToName,
  '/client_sessions/grant_access connected_account_ids': nothingToName,
};
/**
 * One rule rather than a row each: where the spec types an id (`…_id`, `…_ids`) as a plain string,
 * latchkey asks for a UUID (all its ids are; anything else names nothing), so the sample is one.
 */
const idField = /_ids?$/;

const components = (openapi as unknown as { components: { schemas: Record<string, Schema> } }).components.schemas;

function resolveRef(schema: Schema): Schema {
  return schema.$ref !== undefined ? resolveRef(components[schema.$ref.split('/').pop()!]!) : schema;
}

/** The schema of `field` in the first request-body variant that has it. */
function fieldSchema(path: string, field: string): Schema | undefined {
  const item = (openapi.paths as unknown as Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>)[path]!;
  const operation = item['post'] ?? Object.values(item)[0]!;
  const find = (schema: Schema | undefined): Schema | undefined => {
    if (schema === undefined) return undefined;
    if (schema.properties?.[field] !== undefined) return schema.properties[field];
    for (const variant of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) {
      const found = find(variant);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return find(operation.requestBody?.content?.['application/json']?.schema);
}

/**
 * Values for the fields the body requires outright (top level and allOf parts, not the
 * alternatives of a oneOf): Fastify's schema check refuses a body without them before the
 * handler's own checks run, so a field's sample goes with them.
 */
function requiredSamples(path: string): Record<string, unknown> {
  const item = (openapi.paths as unknown as Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>)[path]!;
  const schema = (item['post'] ?? Object.values(item)[0]!).requestBody?.content?.['application/json']?.schema;
  const out: Record<string, unknown> = {};
  const walk = (node: Schema | undefined): void => {
    if (node === undefined) return;
    for (const name of node.required ?? []) out[name] = sample(name, node.properties![name]!);
    for (const part of node.allOf ?? []) walk(part);
  };
  walk(schema);
  return out;
}

/** A value the schema accepts. */
function sample(field: string, raw: Schema): unknown {
  // Times the spec types as plain strings are still times.
  if (field.endsWith('_at') || field === 'since' || field === 'created_before') return '2030-01-01T00:00:00.000Z';
  if (field === 'between') return ['2030-01-01T00:00:00.000Z', '2030-01-02T00:00:00.000Z'];
  const schema = resolveRef(raw.oneOf?.[0] ?? raw.anyOf?.[0] ?? raw);
  if (schema.enum !== undefined) return schema.enum.find((value) => value !== null);
  switch (schema.type) {
    case 'string':
      if (schema.format === 'uuid' || idField.test(field)) return randomUUID();
      if (schema.format === 'date-time') return '2030-01-01T00:00:00.000Z';
      if (schema.format === 'email' || field.includes('email')) return 'guest@example.com';
      if (field.includes('phone')) return '+15555550100';
      if (field.includes('color')) return '#112233';
      if (field === 'instant_key_url') return 'http://127.0.0.1/ik/abc';
      return 'sample';
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return true;
    case 'array':
      return [sample(field.replace(/_ids$/, '_id').replace(/s$/, ''), schema.items ?? { type: 'string' })];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) out[name] = sample(name, schema.properties![name]!);
      return out;
    }
    default:
      return 'sample';
  }
}

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('input validation against the Seam spec', () => {
  it('accepts a spec-valid value in every honoured field of every endpoint', async () => {
    const refused: string[] = [];
    const stricterSeen = new Set<string>();
    let checked = 0;
    for (const [path, entry] of Object.entries(endpointFields)) {
      for (const field of entry.honoured) {
        const schema = fieldSchema(path, field);
        if (schema === undefined) continue; // a query-only field (GET): covered by the POST body of the same name elsewhere
        const value = sample(field, schema);
        const response = await call(server.url, path, { token: server.apiKey!, body: { ...requiredSamples(path), [field]: value } });
        const tree = (response.body['error'] as { validation_errors?: Record<string, { _errors?: string[] }> } | undefined)?.validation_errors;
        const messages = response.status === 400 ? (tree?.[field]?._errors ?? []) : [];
        checked++;
        if (messages.length > 0 && stricter[`${path} ${field}`] !== undefined) stricterSeen.add(`${path} ${field}`);
        else if (messages.length > 0) refused.push(`${path} ${field}=${JSON.stringify(value)}: ${messages.join('; ')}`);
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(refused).toEqual([]);
    expect([...stricterSeen].sort(), 'every listed strictness is real').toEqual(Object.keys(stricter).sort());
  });
});
