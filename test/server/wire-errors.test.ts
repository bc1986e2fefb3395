/**
 * Seam's error envelope as an integrator sees it through the official `seam` SDK and raw HTTP:
 * keyed `validation_errors` (the SDK's getValidationErrorMessages finds the field), `request_id`
 * in the body equal to the `seam-request-id` header, per-resource not-found types, 409 for a taken
 * unique key; every type comes from the shared table in src/protocol/errors.ts.
 */
import { describe, expect, it } from 'vitest';
import { SeamHttpInvalidInputError } from 'seam';
import { randomUUID } from 'node:crypto';
import { errorCodes } from '../../src/protocol/errors.ts';
import { conflictTypes, notFoundTypes, validationErrorTree } from '../../src/server/http/errors.ts';
import { call } from './helpers.ts';
import { sdkError, useSeamServer } from '../helpers/seam-server.ts';

const wire = useSeamServer();

describe('validation_errors in the keyed shape', () => {
  it("the SDK's getValidationErrorMessages('ends_at') returns the server's message", async () => {
    const jane = await wire.seam.userIdentities.create({ full_name: 'Jane Keyed' });
    const [entrance] = await wire.seam.acs.entrances.list({ limit: 1 });
    const error = await sdkError(wire.seam.accessGrants.create({
      user_identity_id: jane.user_identity_id, acs_entrance_ids: [entrance!.acs_entrance_id], requested_access_methods: [{ mode: 'mobile_key' }],
      starts_at: '2030-01-02T00:00:00Z', ends_at: '2030-01-01T00:00:00Z',
    }));
    expect(error).toBeInstanceOf(SeamHttpInvalidInputError);
    expect((error as SeamHttpInvalidInputError).getValidationErrorMessages('ends_at')).toEqual(['must be after starts_at']);
    expect((error as SeamHttpInvalidInputError).getValidationErrorMessages('starts_at')).toEqual([]);
  });

  it('every bad field is listed under its own key, nested paths nest', async () => {
    const response = await call(wire.server.url, '/user_identities/create', { token: wire.server.apiKey!, body: { email_address: 'not-an-email', phone_number: '12', full_name: 7 } });
    expect(response.status).toBe(400);
    const tree = (response.body['error'] as { validation_errors: Record<string, { _errors: string[] }> }).validation_errors;
    expect(Object.keys(tree).sort()).toEqual(['_errors', 'email_address', 'full_name', 'phone_number']);
    expect(tree['email_address']!._errors).toEqual(['must be an email address']);
    expect(tree['_errors']).toEqual([]);

    const nested = await call(wire.server.url, '/access_grants/create', { token: wire.server.apiKey!, body: { user_identity: { full_name: 'x' }, acs_entrance_ids: [randomUUID()], requested_access_methods: [{ mode: 'laser' }] } });
    expect(nested.status).toBe(400);
    expect((nested.body['error'] as { validation_errors: unknown }).validation_errors).toEqual({ _errors: [], requested_access_methods: { _errors: [], '0': { _errors: [], mode: { _errors: ['must be code, card or mobile_key'] } } } });
  });

  it('builds the tree as zod format() does, bracket and dot paths alike, a field named _errors kept apart', () => {
    expect(validationErrorTree([{ path: '', message: 'body' }, { path: 'records[2].id', message: 'a' }, { path: 'records.2.id', message: 'b' }, { path: '_errors', message: 'c' }])).toEqual({
      _errors: ['body'],
      records: { _errors: [], '2': { _errors: [], id: { _errors: ['a', 'b'] } } },
      __errors: { _errors: ['c'] },
    });
    expect(validationErrorTree([{ path: '__proto__.x', message: 'p' }])).toEqual(JSON.parse('{"_errors":[],"__proto__":{"_errors":[],"x":{"_errors":["p"]}}}'));
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});

describe('request_id in the body', () => {
  it('matches the seam-request-id header on 400, 401, 404 (resource and endpoint) and 409', async () => {
    const identity = await wire.seam.userIdentities.create({ user_identity_key: `rid-${randomUUID()}` });
    const cases = [
      await call(wire.server.url, '/user_identities/get', { token: wire.server.apiKey!, body: { user_identity_id: 'nope' } }),
      await call(wire.server.url, '/user_identities/get', { token: 'seam_wrong', body: { user_identity_id: randomUUID() } }),
      await call(wire.server.url, '/user_identities/get', { token: wire.server.apiKey!, body: { user_identity_id: randomUUID() } }),
      await call(wire.server.url, '/no/such/endpoint', { token: wire.server.apiKey!, body: {} }),
      await call(wire.server.url, '/user_identities/create', { token: wire.server.apiKey!, body: { user_identity_key: identity.user_identity_key } }),
    ];
    expect(cases.map((c) => c.status)).toEqual([400, 401, 404, 404, 409]);
    const ids = new Set<string>();
    for (const response of cases) {
      const header = response.headers.get('seam-request-id');
      expect(header).toMatch(/^[0-9a-f-]{36}$/);
      expect((response.body['error'] as { request_id: string }).request_id).toBe(header);
      ids.add(header!);
    }
    expect(ids.size).toBe(cases.length);
  });

  it('reaches the SDK error as requestId', async () => {
    const error = await sdkError(wire.seam.userIdentities.get({ user_identity_id: randomUUID() }));
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('resource-specific error types', () => {
  it('names the missing resource, with 404, for each kind', async () => {
    const missing = randomUUID();
    const expectations: [string, Record<string, unknown>, string][] = [
      ['/user_identities/get', { user_identity_id: missing }, 'user_identity_not_found'],
      ['/user_identities/delete', { user_identity_id: missing }, 'user_identity_not_found'],
      ['/access_grants/get', { access_grant_id: missing }, 'access_grant_not_found'],
      ['/access_grants/update', { access_grant_id: missing, name: 'x' }, 'access_grant_not_found'],
      ['/access_methods/get', { access_method_id: missing }, 'access_method_not_found'],
      ['/acs/systems/get', { acs_system_id: missing }, 'acs_system_not_found'],
      ['/acs/entrances/get', { acs_entrance_id: missing }, 'acs_entrance_not_found'],
      ['/spaces/get', { space_id: missing }, 'space_not_found'],
      ['/instant_keys/get', { instant_key_id: missing }, 'instant_key_not_found'],
      ['/client_sessions/get', { client_session_id: missing }, 'client_session_not_found'],
      ['/phones/get', { device_id: missing }, 'device_not_found'],
      ['/events/get', { event_id: missing }, 'event_not_found'],
      ['/workspaces/customization_profiles/get', { customization_profile_id: missing }, 'customization_profile_not_found'],
      ['/access_grants/create', { user_identity_id: missing, acs_entrance_ids: [(await wire.seam.acs.entrances.list({ limit: 1 }))[0]!.acs_entrance_id], requested_access_methods: [{ mode: 'mobile_key' }] }, 'user_identity_not_found'],
    ];
    for (const [path, body, type] of expectations) {
      const response = await call(wire.server.url, path, { token: wire.server.apiKey!, body });
      expect({ path, status: response.status, type: (response.body['error'] as { type: string }).type }).toEqual({ path, status: 404, type });
    }
    const viaSdk = await sdkError(wire.seam.userIdentities.get({ user_identity_id: missing }));
    expect(viaSdk.code).toBe('user_identity_not_found');
    expect(viaSdk.statusCode).toBe(404);
  });

  it('answers 409 for a user_identity_key or access_grant_key already in use, and writes nothing', async () => {
    const key = `guest-${randomUUID()}`;
    const first = await wire.seam.userIdentities.create({ user_identity_key: key });
    const duplicate = await sdkError(wire.seam.userIdentities.create({ user_identity_key: key, full_name: 'Second' }));
    expect([duplicate.statusCode, duplicate.code]).toEqual([409, 'user_identity_key_already_in_use']);
    const other = await wire.seam.userIdentities.create({ full_name: 'Other' });
    const renamed = await sdkError(wire.seam.userIdentities.update({ user_identity_id: other.user_identity_id, user_identity_key: key }));
    expect([renamed.statusCode, renamed.code]).toEqual([409, 'user_identity_key_already_in_use']);
    expect((await wire.seam.userIdentities.get({ user_identity_key: key })).user_identity_id).toBe(first.user_identity_id);

    const [entrance] = await wire.seam.acs.entrances.list({ limit: 1 });
    const grant = { user_identity_id: first.user_identity_id, acs_entrance_ids: [entrance!.acs_entrance_id], requested_access_methods: [{ mode: 'mobile_key' as const }], access_grant_key: `stay-${randomUUID()}` };
    await wire.seam.accessGrants.create(grant);
    const again = await sdkError(wire.seam.accessGrants.create(grant));
    expect([again.statusCode, again.code]).toEqual([409, 'access_grant_key_already_in_use']);
    expect(await wire.seam.accessGrants.list({ user_identity_id: first.user_identity_id })).toHaveLength(1);
  });

  it('every type the API answers with is in the shared error table with its HTTP status', () => {
    for (const type of [...Object.values(notFoundTypes), 'not_found']) expect(errorCodes[type as keyof typeof errorCodes].http, type).toBe(404);
    for (const type of Object.values(conflictTypes)) expect(errorCodes[type].http, type).toBe(409);
    expect([errorCodes.invalid_input.http, errorCodes.unauthorized.http]).toEqual([400, 401]);
  });
});
