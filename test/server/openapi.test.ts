/**
 * `GET /openapi.json`: latchkey's own OpenAPI document, generated from the Seam spec
 * (scripts/make-openapi.ts → src/server/openapi.json, committed). Checked here: it is current, it
 * lists exactly the Seam routes the server registers, and diffed against Seam's document for those
 * endpoints: same operations and response schemas, request fields = Seam's less the refused ones
 * (each named under `x-latchkey-refused`), which are exactly the fields http/fields.ts honours.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openapi as seamDocument } from '@seamapi/types/connect';
import { buildOpenApi, openApiPath } from '../../scripts/make-openapi.ts';
import { endpointFields, latchkeyOnlyEndpoints } from '../../src/server/http/fields.ts';
import { apiPathsOf } from '../../src/server/http/route.ts';
import { buildApp, createServerContext, type RunningServer } from '../../src/server/index.ts';
import { startTestServer } from './helpers.ts';

type Schema = { properties?: Record<string, unknown>; oneOf?: Schema[]; anyOf?: Schema[]; allOf?: Schema[] };
type Operation = { requestBody?: { content?: Record<string, { schema?: Schema }> }; parameters?: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, { schema: unknown }> }>; 'x-latchkey-refused'?: Record<string, string> };
type Document = { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

function fieldsOf(operation: Operation): string[] {
  const fields = new Set<string>();
  const walk = (schema: Schema | undefined): void => {
    if (schema === undefined) return;
    for (const key of Object.keys(schema.properties ?? {})) fields.add(key);
    for (const variant of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) walk(variant);
  };
  walk(operation.requestBody?.content?.['application/json']?.schema);
  for (const parameter of operation.parameters ?? []) if (parameter.in === 'query') fields.add(parameter.name);
  return [...fields].sort();
}

let server: RunningServer;
let served: Document;
const seam = seamDocument as unknown as Document;

beforeAll(async () => {
  server = await startTestServer();
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  served = (await response.json()) as Document;
});

afterAll(async () => {
  await server.close();
});

describe('/openapi.json', () => {
  it('is served without a key, names this server, and is the committed file', () => {
    expect(served.servers).toEqual([{ url: server.url }]);
    const committed = JSON.parse(readFileSync(join(import.meta.dirname, '../..', openApiPath), 'utf8')) as Document;
    expect({ ...served, servers: [] }).toEqual(committed);
  });

  it('is current: regenerating it from @seamapi/types and http/fields.ts gives the committed file (else: npm run openapi)', () => {
    const committed = JSON.parse(readFileSync(join(import.meta.dirname, '../..', openApiPath), 'utf8')) as unknown;
    expect(JSON.parse(JSON.stringify(buildOpenApi()))).toEqual(committed);
  });

  it('lists exactly the Seam routes the server registers', async () => {
    const context = createServerContext({ dbPath: ':memory:', logLevel: 'silent' });
    const registered = apiPathsOf(buildApp(context)).filter((path) => !latchkeyOnlyEndpoints.includes(path)).sort();
    await context.repo.close();
    expect(Object.keys(served.paths).sort()).toEqual(registered);
  });

  it("diffs against Seam's document: same operations and responses; request fields are Seam's less the refused, = the honoured", () => {
    const differences: string[] = [];
    for (const [path, item] of Object.entries(served.paths)) {
      const theirs = seam.paths[path]!;
      if (JSON.stringify(Object.keys(item).sort()) !== JSON.stringify(Object.keys(theirs).sort())) differences.push(`${path}: methods ${Object.keys(item)} vs ${Object.keys(theirs)}`);
      const entry = endpointFields[path]!;
      const refused = Object.keys(entry.refused ?? {}).sort();
      const added = path === '/events/list' ? ['page_cursor'] : [];
      for (const [method, operation] of Object.entries(item)) {
        const seamOperation = theirs[method]!;
        const seamFields = fieldsOf(seamOperation);
        const expected = [...seamFields.filter((field) => !refused.includes(field)), ...added].sort();
        if (JSON.stringify(fieldsOf(operation)) !== JSON.stringify(expected)) differences.push(`${method} ${path}: fields ${fieldsOf(operation)} vs ${expected}`);
        if (JSON.stringify(fieldsOf(operation).filter((f) => !added.includes(f))) !== JSON.stringify([...entry.honoured].filter((f) => seamFields.includes(f)).sort())) differences.push(`${method} ${path}: not the honoured fields`);
        if (JSON.stringify(Object.keys(operation['x-latchkey-refused'] ?? {}).sort()) !== JSON.stringify(refused)) differences.push(`${method} ${path}: x-latchkey-refused`);
        const ours = structuredClone(operation.responses['200']?.content?.['application/json']?.schema) as { properties?: Record<string, unknown> };
        if (path === '/events/list') delete ours.properties!['pagination'];
        expect(ours, `${method} ${path} response`).toEqual(seamOperation.responses['200']?.content?.['application/json']?.schema);
      }
    }
    expect(differences).toEqual([]);
  });

  it('docs/API.md names every endpoint the server registers (`/a/b|c` groups expand)', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/API.md'), 'utf8');
    const named = new Set<string>();
    for (const [, token] of doc.matchAll(/`(?:[A-Z]+ )?(\/[a-z_/]+(?:\|[a-z_]+)*)`/g)) {
      const [first, ...more] = token!.split('|');
      named.add(first!);
      const prefix = first!.slice(0, first!.lastIndexOf('/') + 1);
      for (const last of more) named.add(`${prefix}${last}`);
    }
    expect(Object.keys(served.paths).filter((path) => !named.has(path))).toEqual([]);
  });

  it('carries every component schema it refers to, and no other', () => {
    const text = JSON.stringify(served.paths) + JSON.stringify(served.components.schemas);
    const referenced = new Set([...text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!));
    expect(Object.keys(served.components.schemas).sort()).toEqual([...referenced].sort());
    for (const name of referenced) expect(served.components.schemas[name]).toEqual(seam.components.schemas[name]);
  });
});
