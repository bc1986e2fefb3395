/**
 * Attack on issue 13: docs/API.md's field table said `client_sessions/get` refuses
 * `user_identifier_key`, while the server honours it (and the endpoint table said otherwise). The
 * docs' "Refused" column is now checked against http/fields.ts for every endpoint, and
 * `client_sessions/get` by `user_identifier_key` is shown to do what the row says: the newest
 * session with that key, revoked ones included, deleted ones not; with an id too, the key must be
 * that session's; a client-session token gets only its own session.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { endpointFields } from '../../src/server/http/fields.ts';
import { call, startTestServer } from './helpers.ts';

let server: RunningServer;
let nowMs = Date.parse('2026-06-01T12:00:00.000Z');
beforeAll(async () => {
  server = await startTestServer({ clock: () => nowMs });
});
afterAll(async () => {
  await server.close();
});

/** The rows of docs/API.md's "Fields: honoured or refused" table: endpoint paths, honoured cell, refused cell. */
function fieldTableRows(): { paths: string[]; honoured: string; refused: string }[] {
  const doc = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### Fields: honoured or refused'));
  const table = section.slice(section.indexOf('| Endpoint |'), section.indexOf('\n\n', section.indexOf('| Endpoint |')));
  return table.split('\n').slice(2).map((line) => {
    const [endpoint, honoured, refused] = line.split(/(?<!\\)\|/).slice(1, 4).map((cell) => cell.trim());
    const paths = [...endpoint!.matchAll(/`([^`]+)`/g)].flatMap(([, text]) => {
      const [base, ...alternatives] = text!.split('|');
      const stem = base!.slice(0, base!.lastIndexOf('/') + 1);
      return [base!, ...alternatives.map((alternative) => stem + alternative)].map((path) => `/${path}`);
    });
    return { paths, honoured: honoured!, refused: refused! };
  });
}

describe('docs/API.md field table', () => {
  it('every field the docs call refused is refused by the server, and every one it honours is not', () => {
    for (const { paths, honoured, refused } of fieldTableRows()) {
      // Fields are the backticked names outside parentheses (those explain: `(give it to \`generate_instant_key\`)`).
      const refusedNames = [...refused.replace(/\([^)]*\)/g, '').matchAll(/`([a-z_]+)`/g)].map((match) => match[1]!);
      const honouredNames = [...honoured.replace(/\([^)]*\)/g, '').matchAll(/`([a-z_]+)`/g)].map((match) => match[1]!);
      for (const path of paths) {
        const table = endpointFields[path];
        expect(table, path).toBeDefined();
        for (const name of refusedNames) expect(Object.keys(table!.refused ?? {}), `${path} refuses ${name}`).toContain(name);
        for (const name of honouredNames) expect(Object.keys(table!.refused ?? {}), `${path} honours ${name}`).not.toContain(name);
      }
    }
  });
});

describe('client_sessions/get by user_identifier_key', () => {
  it('answers the newest session with that key (revoked included, deleted not); with an id, the key must match', async () => {
    const token = server.apiKey!;
    const create = async () => {
      nowMs += 1000;
      const made = await call(server.url, '/client_sessions/create', { token, body: { user_identifier_key: 'front-desk-7' } });
      expect(made.status).toBe(200);
      return made.body['client_session'] as { client_session_id: string; token: string };
    };
    const older = await create();
    const newer = await create();
    const byKey = async () => call(server.url, '/client_sessions/get', { token, body: { user_identifier_key: 'front-desk-7' } });
    expect(((await byKey()).body['client_session'] as { client_session_id: string }).client_session_id).toBe(newer.client_session_id);
    await call(server.url, '/client_sessions/revoke', { token, body: { client_session_id: newer.client_session_id } });
    expect(((await byKey()).body['client_session'] as { client_session_id: string }).client_session_id).toBe(newer.client_session_id);
    await call(server.url, '/client_sessions/delete', { token, body: { client_session_id: newer.client_session_id } });
    expect(((await byKey()).body['client_session'] as { client_session_id: string }).client_session_id).toBe(older.client_session_id);
    const mismatch = await call(server.url, '/client_sessions/get', { token, body: { client_session_id: older.client_session_id, user_identifier_key: 'another-key' } });
    expect(mismatch.status).toBe(404);
    expect((await call(server.url, '/client_sessions/get', { token, body: { user_identifier_key: 'nobody' } })).status).toBe(404);

    // A client-session token: its own session; a key must be its own.
    const own = { token: older.token };
    expect(((await call(server.url, '/client_sessions/get', { ...own, body: { user_identifier_key: 'front-desk-7' } })).body['client_session'] as { client_session_id: string }).client_session_id).toBe(older.client_session_id);
    expect((await call(server.url, '/client_sessions/get', { ...own, body: { client_session_id: older.client_session_id, user_identifier_key: 'another-key' } })).status).toBe(404);
  });
});
