/**
 * Attack on issue 13: impossible dates (2026-02-30, April 31st, hour 24) were accepted and silently
 * rolled over by Date.parse (a stay ending "February 30th" ended on March 2nd). Every date a request
 * carries goes through one check (http/input.ts normaliseDatetime), which now refuses them with 400
 * invalid_input naming the field: grants, client sessions, list filters, events, audit records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { normaliseDatetime } from '../../src/server/http/input.ts';
import { call, startTestServer } from './helpers.ts';

const impossible = ['2026-02-30T00:00:00Z', '2026-04-31T12:00:00Z', '2025-02-29T00:00:00Z', '2026-02-28T24:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-01-00T00:00:00Z', '2026-01-01T10:60:00Z', '2026-01-01T10:00:60Z', '2026-01-01T10:00:00+24:00', '2026-01-01T10:00:00+01:60'];

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('impossible dates', () => {
  it('normaliseDatetime refuses them and keeps real ones (leap days included)', () => {
    for (const value of impossible) expect(normaliseDatetime(value), value).toBeUndefined();
    expect(normaliseDatetime('2028-02-29T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(normaliseDatetime('2026-04-30T23:59:59.999+02:00')).toBe('2026-04-30T21:59:59.999Z');
    expect(normaliseDatetime('2026-06-01T10:00Z')).toBe('2026-06-01T10:00:00.000Z');
  });

  it('every endpoint that takes a date answers 400 invalid_input naming the field', async () => {
    const token = server.apiKey!;
    const entrances = await call(server.url, '/acs/entrances/list', { token, body: {} });
    const door = (entrances.body['acs_entrances'] as { acs_entrance_id: string }[])[0]!.acs_entrance_id;
    const grantBody = (endsAt: string) => ({ user_identity: { full_name: 'Leap guest' }, acs_entrance_ids: [door], requested_access_methods: [{ mode: 'mobile_key' }], starts_at: '2026-01-01T00:00:00Z', ends_at: endsAt });
    const cases: [string, Record<string, unknown>, string][] = [
      ['/access_grants/create', grantBody('2026-02-30T00:00:00Z'), 'ends_at'],
      ['/client_sessions/create', { expires_at: '2099-02-30T00:00:00Z' }, 'expires_at'],
      ['/user_identities/list', { created_before: '2026-04-31T00:00:00Z' }, 'created_before'],
      ['/acs/credentials/list', { created_before: '2026-02-28T24:00:00Z' }, 'created_before'],
      ['/events/list', { since: '2026-02-30T00:00:00Z' }, 'since'],
      ['/events/list', { between: ['2026-02-30T00:00:00Z', '2026-03-05T00:00:00Z'] }, 'between'],
    ];
    for (const [path, body, field] of cases) {
      const response = await call(server.url, path, { token, body });
      expect(response.status, `${path} ${field}`).toBe(400);
      const error = response.body['error'] as { type: string; validation_errors: Record<string, unknown> };
      expect(error.type).toBe('invalid_input');
      expect(Object.keys(error.validation_errors)).toContain(field);
    }
    const made = await call(server.url, '/access_grants/create', { token, body: grantBody('2026-03-02T00:00:00Z') });
    expect(made.status).toBe(200);
    const id = (made.body['access_grant'] as { access_grant_id: string }).access_grant_id;
    const update = await call(server.url, '/access_grants/update', { token, body: { access_grant_id: id, ends_at: '2026-02-30T00:00:00Z' } });
    expect(update.status).toBe(400);
  });
});
