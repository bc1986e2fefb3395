/**
 * Attack on issue 13: an Instant Key link sent URL-encoded in a query string
 * (`?u=http%3A%2F%2Fhost%2Fik%2F<code>`) reached the log in full, because the request serializer
 * redacted only the raw URL, where `/ik/` is `%2Fik%2F`. Now the logged URL is decoded before it is
 * redacted, and the Instant Key app's endpoints refuse any query string (400 invalid_input), so a
 * link code never travels in a URL there.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.ts';
import { redactUrl } from '../../src/server/http/redact.ts';
import { codeFromInstantKeyUrl } from '../../src/server/issuance/tokens.ts';
import { call, startTestServer } from './helpers.ts';

let server: RunningServer;
let log = '';
beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log += chunk.toString('utf8');
      done();
    },
  });
  server = await startTestServer({ logLevel: 'trace', logDestination: sink });
});
afterAll(async () => {
  await server.close();
});

describe('link codes in URLs', () => {
  it('an encoded or twice-encoded link in any query parameter is redacted in the log', async () => {
    const url = server.instantKeyUrl!;
    const code = codeFromInstantKeyUrl(url);
    await fetch(`${server.url}/workspaces/get?note=${encodeURIComponent(url)}`, { headers: { authorization: `Bearer ${server.apiKey!}` } });
    await fetch(`${server.url}/no/such/route?u=${encodeURIComponent(encodeURIComponent(url))}`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toContain('/workspaces/get');
    expect(log.includes(code)).toBe(false);
    expect(redactUrl(`/x?u=${encodeURIComponent(url)}&y=%E0%A4%A`)).not.toContain(code); // a malformed escape stops decoding, not redaction
  });

  it('the Instant Key app endpoints refuse a query string with 400 invalid_input', async () => {
    const url = server.instantKeyUrl!;
    const inQuery = await call(server.url, `/instant_key_app/open?instant_key_url=${encodeURIComponent(url)}`, { body: {} });
    expect(inQuery.status).toBe(400);
    expect((inQuery.body['error'] as { type: string }).type).toBe('invalid_input');
    const alongside = await call(server.url, '/instant_key_app/open?x=1', { body: { instant_key_url: url } });
    expect(alongside.status).toBe(400);
    for (const path of ['/instant_key_app/phones/challenge', '/instant_key_app/phones/register', '/instant_key_app/sync', '/instant_key_app/audit']) {
      expect((await call(server.url, `${path}?device_id=x`, { body: {} })).status).toBe(400);
    }
    // In the body, as the app sends it, the link opens.
    expect((await call(server.url, '/instant_key_app/open', { body: { instant_key_url: url } })).status).toBe(200);
  });
});
