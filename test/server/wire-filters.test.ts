/**
 * Every request field the Seam spec lists for an endpoint latchkey implements is honoured or
 * refused with a 400 naming it (src/server/http/fields.ts), never silently ignored: the table is
 * checked against the @seamapi/types OpenAPI document and against the registered routes, each
 * refused field is refused, each honoured field is read by its handler (a wrong-typed value is a 400
 * naming it), and the filters an integrator scopes by behave (SDK where it has the method).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SeamHttpInvalidInputError } from 'seam';
import { openapi } from '@seamapi/types/connect';
import { buildApp, createServerContext } from '../../src/server/index.ts';
import { endpointFields, latchkeyOnlyEndpoints } from '../../src/server/http/fields.ts';
import { apiPathsOf } from '../../src/server/http/route.ts';
import { call, createResponseValidator } from './helpers.ts';
import { sdkError, useSeamServer } from '../helpers/seam-server.ts';

const wire = useSeamServer();

type Schema = { properties?: Record<string, unknown>; oneOf?: Schema[]; anyOf?: Schema[]; allOf?: Schema[] };
type Operation = { requestBody?: { content?: Record<string, { schema?: Schema }> }; parameters?: { name: string; in: string }[] };

/** The request fields of a path in the spec: body properties of every variant plus query parameters. */
function specFields(path: string): string[] | undefined {
  const item = (openapi.paths as Record<string, Record<string, Operation>>)[path];
  if (item === undefined) return undefined;
  const fields = new Set<string>();
  const walk = (schema: Schema | undefined): void => {
    if (schema === undefined) return;
    for (const key of Object.keys(schema.properties ?? {})) fields.add(key);
    for (const variant of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) walk(variant);
  };
  for (const operation of Object.values(item)) {
    walk(operation.requestBody?.content?.['application/json']?.schema);
    for (const parameter of operation.parameters ?? []) if (parameter.in === 'query') fields.add(parameter.name);
  }
  return [...fields].sort();
}

const validate = createResponseValidator();

/** POST through raw HTTP, checking a 200 against the spec's response schema. */
async function post(path: string, body: Record<string, unknown>) {
  const response = await call(wire.server.url, path, { token: wire.key, body });
  if (response.status === 200) expect(validate(path, 'post', response.body), path).toBeUndefined();
  return response;
}

describe('the field table (src/server/http/fields.ts)', () => {
  it('covers every registered Seam route, and each spec field of it exactly once', async () => {
    const context = createServerContext({ dbPath: ':memory:', logLevel: 'silent' });
    const paths = apiPathsOf(buildApp(context));
    await context.repo.close();
    expect(paths.length).toBeGreaterThan(30);
    const problems: string[] = [];
    for (const path of paths) {
      if (latchkeyOnlyEndpoints.includes(path)) continue;
      const entry = endpointFields[path];
      if (entry === undefined) {
        problems.push(`${path}: not in the table`);
        continue;
      }
      const spec = specFields(path);
      if (spec === undefined) {
        problems.push(`${path}: not in the Seam spec (a latchkey-only route belongs outside apiRoute's table)`);
        continue;
      }
      const listed = [...entry.honoured, ...Object.keys(entry.refused ?? {})];
      if (new Set(listed).size !== listed.length) problems.push(`${path}: a field is listed twice`);
      const missing = spec.filter((field) => !listed.includes(field));
      const extra = listed.filter((field) => !spec.includes(field));
      if (missing.length > 0) problems.push(`${path}: spec fields not in the table: ${missing.join(', ')}`);
      if (extra.length > 0) problems.push(`${path}: table fields not in the spec: ${extra.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('refuses each refused field with 400 naming it and saying why, before anything is written', async () => {
    const before = (await post('/user_identities/list', { limit: 1000 })).body['user_identities'] as unknown[];
    let count = 0;
    for (const [path, entry] of Object.entries(endpointFields)) {
      for (const [field, reason] of Object.entries(entry.refused ?? {})) {
        const response = await post(path, { [field]: field.endsWith('_ids') ? [randomUUID()] : field === 'customer_portal_theme' ? 'dark' : field.endsWith('_id') ? randomUUID() : 'some-customer' });
        const error = response.body['error'] as { type: string; validation_errors: Record<string, { _errors: string[] }> };
        expect({ path, field, status: response.status, type: error.type, messages: error.validation_errors[field]?._errors }).toEqual({ path, field, status: 400, type: 'invalid_input', messages: [reason] });
        count++;
      }
    }
    expect(count).toBeGreaterThanOrEqual(15);
    // user_identities/create has no refused field; a refused one next to valid input still refuses the whole call.
    const space = await post('/spaces/create', { name: 'Never made', customer_key: 'acme' });
    expect(space.status).toBe(400);
    expect(((await post('/spaces/list', { search: 'Never made' })).body['spaces'] as unknown[]).length).toBe(0);
    expect(((await post('/user_identities/list', { limit: 1000 })).body['user_identities'] as unknown[]).length).toBe(before.length);
  });

  it('reads each honoured field: a wrong-typed value is a 400 naming that field', async () => {
    const unread: string[] = [];
    for (const [path, entry] of Object.entries(endpointFields)) {
      for (const field of entry.honoured) {
        const response = await post(path, { [field]: field === 'user_identity' ? 7 : { wrong: 'type' } });
        const tree = (response.body['error'] as { validation_errors?: Record<string, unknown> } | undefined)?.validation_errors;
        if (response.status !== 400 || tree?.[field] === undefined) unread.push(`${path} ${field}: ${response.status} ${JSON.stringify(response.body).slice(0, 160)}`);
      }
    }
    expect(unread).toEqual([]);
  });
});

describe('filters an integrator scopes by', () => {
  it('customer_key on grants, entrances and spaces is refused by name (SDK), not ignored', async () => {
    for (const attempt of [
      () => wire.seam.accessGrants.list({ customer_key: 'acme' }),
      () => wire.seam.acs.entrances.list({ customer_key: 'acme' }),
      () => wire.seam.spaces.list({ customer_key: 'acme' }),
      () => wire.seam.acs.systems.list({ customer_key: 'acme' }),
    ]) {
      const error = await sdkError(attempt());
      expect(error).toBeInstanceOf(SeamHttpInvalidInputError);
      expect((error as SeamHttpInvalidInputError).getValidationErrorMessages('customer_key')[0]).toMatch(/^not supported/);
    }
    const credential = await sdkError(wire.seam.acs.entrances.list({ acs_credential_id: randomUUID() }));
    expect((credential as SeamHttpInvalidInputError).getValidationErrorMessages('acs_credential_id')[0]).toMatch(/ACS credentials/);
    const manager = await sdkError(wire.seam.userIdentities.list({ credential_manager_acs_system_id: randomUUID() }));
    expect((manager as SeamHttpInvalidInputError).getValidationErrorMessages('credential_manager_acs_system_id')[0]).toMatch(/credential-manager/);
  });

  it('location_id is a space id on entrances and grants; connected_account_id narrows systems and entrances', async () => {
    const all = await wire.seam.acs.entrances.list();
    const [floor1] = await wire.seam.spaces.list({ search: 'Floor 1' });
    const inFloor = await wire.seam.acs.entrances.list({ space_id: floor1!.space_id });
    expect(inFloor.length).toBeGreaterThan(0);
    expect(inFloor.length).toBeLessThan(all.length);
    expect((await wire.seam.acs.entrances.list({ location_id: floor1!.space_id })).map((e) => e.acs_entrance_id)).toEqual(inFloor.map((e) => e.acs_entrance_id));
    const [common] = await wire.seam.spaces.list({ search: 'Common' });
    expect(await wire.seam.acs.entrances.list({ location_id: floor1!.space_id, space_id: common!.space_id })).toEqual([]);

    const [system] = await wire.seam.acs.systems.list();
    expect(await wire.seam.acs.systems.list({ connected_account_id: system!.connected_account_id })).toHaveLength(1);
    expect(await wire.seam.acs.systems.list({ connected_account_id: randomUUID() })).toEqual([]);
    expect(await wire.seam.acs.entrances.list({ connected_account_id: system!.connected_account_id })).toHaveLength(all.length);
    expect(await wire.seam.acs.entrances.list({ connected_account_id: randomUUID() })).toEqual([]);

    const guest = await wire.seam.userIdentities.create({ full_name: 'Location Guest' });
    const grant = await wire.seam.accessGrants.create({ user_identity_id: guest.user_identity_id, location_ids: [floor1!.space_id], requested_access_methods: [{ mode: 'mobile_key' }] });
    expect(grant.space_ids).toEqual([floor1!.space_id]);
    const byLocation = await wire.seam.accessGrants.list({ location_id: floor1!.space_id });
    expect(byLocation.map((g) => g.access_grant_id)).toContain(grant.access_grant_id);
    expect((await wire.seam.accessGrants.list({ location_id: common!.space_id })).map((g) => g.access_grant_id)).not.toContain(grant.access_grant_id);
  });

  it('space_keys on access_grants/create and space_key on spaces/get find spaces by key', async () => {
    const [lobby] = await wire.seam.acs.entrances.list({ search: 'Lobby' });
    const spaceKey = `wing-${randomUUID()}`;
    const wing = await wire.seam.spaces.create({ name: 'East wing', space_key: spaceKey, acs_entrance_ids: [lobby!.acs_entrance_id] });
    expect((await wire.seam.spaces.get({ space_key: spaceKey })).space_id).toBe(wing.space_id);
    expect((await sdkError(wire.seam.spaces.get({ space_key: 'no-such-key' }))).code).toBe('space_not_found');
    const guest = await wire.seam.userIdentities.create({ full_name: 'Key Guest' });
    const grant = await wire.seam.accessGrants.create({ user_identity_id: guest.user_identity_id, space_keys: [spaceKey], requested_access_methods: [{ mode: 'mobile_key' }] });
    expect(grant.space_ids).toEqual([wing.space_id]);
    const missing = await sdkError(wire.seam.accessGrants.create({ user_identity_id: guest.user_identity_id, space_keys: ['nope'], requested_access_methods: [{ mode: 'mobile_key' }] }));
    expect([missing.statusCode, missing.code]).toEqual([404, 'space_not_found']);
    // spaces/update no longer ignores device_ids: latchkey has none to add.
    const devices = await post('/spaces/update', { space_id: wing.space_id, device_ids: [randomUUID()] });
    expect(devices.status).toBe(400);
  });

  it('access_methods/list honours acs_entrance_id and space_id', async () => {
    const [room] = await wire.seam.acs.entrances.list({ search: 'Room 201' });
    const [gym] = await wire.seam.acs.entrances.list({ search: 'Gym' });
    const [floor2] = await wire.seam.spaces.list({ search: 'Floor 2' });
    const [floor3] = await wire.seam.spaces.list({ search: 'Floor 3' });
    const guest = await wire.seam.userIdentities.create({ full_name: 'Method Guest' });
    const grant = await wire.seam.accessGrants.create({ user_identity_id: guest.user_identity_id, acs_entrance_ids: [room!.acs_entrance_id], requested_access_methods: [{ mode: 'mobile_key' }] });
    const id = grant.access_grant_id;
    expect(await wire.seam.accessMethods.list({ access_grant_id: id, acs_entrance_id: room!.acs_entrance_id })).toHaveLength(1);
    expect(await wire.seam.accessMethods.list({ access_grant_id: id, acs_entrance_id: gym!.acs_entrance_id })).toEqual([]);
    expect(await wire.seam.accessMethods.list({ access_grant_id: id, space_id: floor2!.space_id })).toHaveLength(1);
    expect(await wire.seam.accessMethods.list({ access_grant_id: id, space_id: floor3!.space_id })).toEqual([]);
    const device = await sdkError(wire.seam.accessMethods.list({ access_grant_id: id, device_id: randomUUID() }));
    expect((device as SeamHttpInvalidInputError).getValidationErrorMessages('device_id')[0]).toMatch(/acs_entrance_ids/);
  });

  it('phones/list refuses acs_credential_id instead of listing every phone', async () => {
    const response = await post('/phones/list', { acs_credential_id: randomUUID() });
    expect(response.status).toBe(400);
  });
});
