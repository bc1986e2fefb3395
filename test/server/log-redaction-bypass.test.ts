/**
 * Attack on issue 13 (second round): the request serializer decoded the URL only while every escape in
 * it was well formed (one `%ZZ` anywhere stopped all decoding), and the patterns matched only the exact
 * spellings `/ik/<code>`, `%2Fik%2F<code>` and a literal `seam_…`. A live server logging to a captured
 * sink wrote the link code or the API key in full for each spelling below. Now each escape is decoded on
 * its own (bad ones left as they are) until nothing changes, `/ik/` matches in any case with any run of
 * `/` or `\`, and key prefixes match with `_` or `%5F`.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { redactSecrets, redactUrl } from '../../src/server/http/redact.ts';
import { call, startTestServer } from './helpers.ts';

let server: RunningServer;
let log = '';

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      log += chunk.toString('utf8');
      done();
    },
  });
  server = await startTestServer({ logLevel: 'info', logDestination: sink });
});
afterAll(async () => {
  await server.close();
});

it('no spelling of a link code or API key in a URL reaches the log', async () => {
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
    expect(lines.length).toBeGreaterThan(0); // the request was logged
    if (lines.includes(code) || lines.includes(key.slice(9)) || lines.includes(keyEncodedUnderscores)) leaked.push(name);
  }
  expect(leaked).toEqual([]);
});

it('redactUrl decodes around malformed escapes and redactSecrets matches encoded separators', () => {
  const code = 'AbCdEfGhIjKlMnOp_123';
  expect(redactUrl(`/a%ZZ/ik/${code}`)).toBe('/a%ZZ/ik/[redacted]');
  expect(redactUrl(`/x?u=%25252Fik%25252F${code}&y=%E0%A4%A`)).not.toContain(code);
  expect(redactUrl(`/Ik\\\\/${code}`)).not.toContain(code);
  expect(redactUrl('/x?y=%E2%9C%93')).toBe('/x?y=\u2713'); // multi-byte UTF-8 still decodes
  expect(redactUrl('/ik/logo/cp_1/abc')).toBe('/ik/logo/cp_1/abc'); // the logo path carries no secret
  for (const line of [`%2FIK%5C${code}`, `%252Fik%252F${code}`, `"\\\\ik\\\\${code}"`, 'k=seam%5Flk1%5Fsecretsecret', 'k=seam%255Flk1%255Fsecretsecret']) {
    const out = redactSecrets(line);
    expect(out).not.toContain(code);
    expect(out).not.toContain('secretsecret');
  }
});
