/**
 * Attack on issue 13 (secrets out of logs): the request serializer decodes the URL only while every
 * escape in it is well formed (redact.ts redactUrl: one malformed escape such as `%ZZ` anywhere stops
 * all decoding), and the patterns match only the exact spellings `/ik/<code>`, `%2Fik%2F<code>` and a
 * literal `seam_…`. A live server, logging to a captured sink, writes the link code and the API key in
 * full for these URLs. (codeFromInstantKeyUrl takes the last path segment, so the code is the secret
 * whatever prefix it carries.)
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { call, startTestServer } from '../../test/server/helpers.ts';

let server: RunningServer;
let log = '';

beforeAll(async () => {
  const sink = new Writable({ write(chunk: Buffer, _e, done) { log += chunk.toString('utf8'); done(); } });
  server = await startTestServer({ logLevel: 'info', logDestination: sink });
});
afterAll(async () => { await server.close(); });

it('link code and API key reach the log through spellings the redaction misses', async () => {
  const identity = await call(server.url, '/user_identities/create', { token: server.apiKey!, body: { full_name: 'Leak' } });
  const id = (identity.body['user_identity'] as { user_identity_id: string }).user_identity_id;
  const link = await call(server.url, '/user_identities/generate_instant_key', { token: server.apiKey!, body: { user_identity_id: id } });
  const url = (link.body['instant_key'] as { instant_key_url: string }).instant_key_url;
  const code = url.slice(url.lastIndexOf('/') + 1);
  const key = server.apiKey!;
  const keyEncodedUnderscores = key.replaceAll('_', '%5F');
  const variants: Record<string, string> = {
    doubleEncodedPlusBadEscape: `/x?u=%252Fik%252F${code}%ZZ`,
    mixedSlashEncoding: `/x?u=/ik%2F${code}%ZZ`,
    upperCasePath: `/IK/${code}`,
    doubleSlash: `/ik//${code}`,
    backslash: `/ik/%5C${code}`,
    apiKeyUnderscoresEncodedPlusBadEscape: `/x?apikey=${keyEncodedUnderscores}%ZZ`,
  };
  const leaked: string[] = [];
  for (const [name, path] of Object.entries(variants)) {
    const before = log.length;
    await fetch(server.url + path);
    await new Promise((r) => setTimeout(r, 50));
    const lines = log.slice(before);
    if (lines.includes(code) || lines.includes(key.slice(9)) || lines.includes(keyEncodedUnderscores)) leaked.push(name);
  }
  // Expected: none leaks. Observed: every variant leaks.
  expect(leaked).toEqual([]);
});
