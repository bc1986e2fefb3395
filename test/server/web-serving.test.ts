/**
 * How the API server serves the guest's page (issue 17, src/web/serve.ts and
 * src/server/routes/instant-key-app.ts): compressed by Accept-Encoding, ETag and 304, the bundle
 * inlined under a CSP hash, manifest and icon (no favicon 404), and a first visit's page with the
 * link opened (session token + registration challenge as Server-Timing) under exactly the checks
 * of POST open and phones/challenge: the challenge is single use and bound to the link's session,
 * the signature must be the holder key's, and a revoked or used-up link gets no session.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrationSignedBytes } from '../../src/phone/registration-proof.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import type { RunningServer } from '../../src/server/index.ts';
import { registrationChallengesPerPageMax } from '../../src/server/services/registration.ts';
import { chooseEncoding } from '../../src/web/serve.ts';
import { call, newHolder, startTestServer } from './helpers.ts';

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.close();
});

/** What every browser with Web Bluetooth (Chromium's family) sends on a top-level navigation. */
const navigation = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'none', 'sec-fetch-user': '?1' };

/** A raw GET as a browser's navigation (node:http: fetch would decompress and hide the bytes sent). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return request('GET', path, { ...navigation, ...headers });
}

function request(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    httpRequest({ method, host: url.hostname, port: url.port, path: url.pathname + url.search, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers as Record<string, string>, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
}

function timingOf(header: string | undefined, name: string): string | undefined {
  return header?.split(',').map((entry) => entry.trim()).find((entry) => entry.startsWith(`${name};`))?.match(/desc="([^"]*)"/)?.[1];
}

async function generateLink(options: Record<string, unknown> = {}): Promise<{ id: string; path: string; url: string }> {
  const guest = (await server.context.repo.identities.getUserIdentityByKey(server.workspaceId!, 'demo-guest'))!;
  const made = await call(server.url, '/user_identities/generate_instant_key', { token: server.apiKey, body: { user_identity_id: guest.user_identity_id, ...options } });
  const key = made.body['instant_key'] as { instant_key_id: string; instant_key_url: string };
  return { id: key.instant_key_id, url: key.instant_key_url, path: new URL(key.instant_key_url).pathname };
}

describe('the page, compressed and revalidated', () => {
  it('is brotli or gzip as Accept-Encoding allows, with the bundle inlined under its CSP hash', async () => {
    const path = new URL(server.instantKeyUrl!).pathname;
    const br = await get(path, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['vary']).toBe('accept-encoding');
    const html = brotliDecompressSync(br.body).toString('utf8');
    expect(br.body.length).toBeLessThan(62_000); // the whole app (brotli quality 5), on slow 3G in about a second; with the register answer under the 70 KB first-visit goal
    const script = /<script type="module">([\s\S]*)<\/script>/.exec(html)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    expect(br.headers['content-security-policy']).toContain(`'sha256-${hash}'`);
    expect(br.headers['content-security-policy']).not.toContain('unsafe-eval');
    expect(script).not.toContain('new Function');
    const gzip = await get(path, { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString('utf8')).toBe(html);
    const plain = await get(path, { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString('utf8')).toBe(html);
  });

  it('answers If-None-Match with a 304 and no body (any encoding of the same page matches)', async () => {
    const path = new URL(server.instantKeyUrl!).pathname;
    const first = await get(path, { 'accept-encoding': 'br' });
    expect(first.headers['etag']).toMatch(/^"[A-Za-z0-9_-]{22}-br"$/);
    const again = await get(path, { 'accept-encoding': 'br', 'if-none-match': first.headers['etag']! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers['server-timing']).toBeUndefined(); // a revalidation opens nothing
    const otherEncoding = await get(path, { 'accept-encoding': 'gzip', 'if-none-match': first.headers['etag']! });
    expect(otherEncoding.status).toBe(304);
    const stale = await get(path, { 'if-none-match': '"AAAAAAAAAAAAAAAAAAAAAA"' });
    expect(stale.status).toBe(200);
    // `*` matches any current representation (RFC 9110 §13.1.2): the page exists, so 304, and nothing opened.
    for (const star of ['*', ' * ', '"AAAAAAAAAAAAAAAAAAAAAA", *']) {
      const any = await get(path, { 'accept-encoding': 'br', 'if-none-match': star });
      expect(any.status, star).toBe(304);
      expect(any.body.length).toBe(0);
      expect(any.headers['server-timing']).toBeUndefined();
    }
    expect((await get('/ik/sw.js', { 'if-none-match': '*' })).status).toBe(304);
  });

  it('inlines the workspace colours and theme-color, links a manifest and an icon that exist (no favicon 404)', async () => {
    const html = (await get(new URL(server.instantKeyUrl!).pathname)).body.toString('utf8');
    expect(html).toContain('--brand: #0b5d57;'); // the demo hotel's teal
    expect(html).toContain('<meta name="theme-color" content="#0b5d57">');
    expect(html).toContain('-webkit-tap-highlight-color: transparent');
    for (const path of ['/favicon.ico', '/ik-app/icon.svg']) {
      const icon = await get(path);
      expect(icon.status, path).toBe(200);
      expect(icon.headers['content-type']).toBe('image/svg+xml');
    }
    const manifest = await get('/ik/manifest.webmanifest');
    expect(manifest.status).toBe(200);
    expect(JSON.parse(manifest.body.toString('utf8'))).toMatchObject({ display: 'standalone', scope: '/ik/', icons: [{ src: '/ik-app/icon.svg' }] });
    // Pages cached by older versions load the bundle on its own: it is still served.
    const legacy = await get('/ik-app/app.js', { 'accept-encoding': 'br' });
    expect(legacy.status).toBe(200);
    expect(legacy.headers['content-encoding']).toBe('br');
  });

  it('chooses brotli, then gzip, honouring q=0', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(chooseEncoding('gzip')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('identity')).toBe('identity');
    expect(chooseEncoding(undefined)).toBe('identity');
  });
});

describe('a first visit: the page comes with the link opened', () => {
  it('HEAD, Range, conditional and fetch() requests never open the link: no session moved on, no challenge made', async () => {
    const link = await generateLink();
    const key = (await server.context.repo.identities.instantKeyById(link.id))!;
    const expiry = async () => (await server.context.repo.identities.getClientSession(key.workspace_id, key.client_session_id))!.expires_at;
    const guest = await get(link.path); // the guest's own first visit: opened, a challenge to sign
    const token = timingOf(guest.headers['server-timing'], 'lk-session')!;
    const challenge = timingOf(guest.headers['server-timing'], 'lk-challenge')!;
    const before = await expiry();
    const clock = server.context.clock;
    (server.context as { clock: () => number }).clock = () => clock() + 86_400_000; // any touch would move the deadline a day on
    try {
      const others: [string, Record<string, string>, string][] = [
        ['HEAD', {}, 'HEAD'],
        ['GET', { range: 'bytes=0-1023' }, 'Range'],
        ['GET', { range: 'bytes=0-', 'if-range': '"x"' }, 'If-Range'],
        ['GET', { 'if-none-match': '"AAAAAAAAAAAAAAAAAAAAAA"' }, 'If-None-Match (another version)'],
        ['GET', { 'if-modified-since': new Date().toUTCString() }, 'If-Modified-Since'],
        ['GET', { 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' }, 'a page\'s fetch()'],
        ['GET', { 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'same-origin' }, 'a page\'s fetch() (same-origin)'],
        // Second attack on issue 17 (L7): prefetches and a cross-site frame opened the link.
        ['GET', { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', 'sec-purpose': 'prefetch' }, 'Sec-Purpose: prefetch'],
        ['GET', { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', 'sec-purpose': 'prefetch;prerender' }, 'Sec-Purpose: prefetch;prerender'],
        ['GET', { purpose: 'prefetch' }, 'Purpose: prefetch'],
        ['GET', { 'x-moz': 'prefetch' }, 'X-Moz: prefetch'],
        ['GET', { 'x-purpose': 'preview' }, 'X-Purpose: preview'],
        ['GET', { 'sec-fetch-dest': 'iframe', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'cross-site' }, 'a cross-site iframe'],
        ['GET', { 'sec-fetch-dest': 'iframe', 'sec-fetch-mode': 'navigate' }, 'an iframe'],
      ];
      for (let round = 0; round < 2; round += 1) {
        for (const [method, headers, what] of others) {
          const answer = await request(method, link.path, headers);
          expect(answer.status, what).toBe(200);
          expect(answer.headers['server-timing'], what).toBeUndefined();
        }
      }
      expect(await expiry()).toBe(before);
    } finally {
      (server.context as { clock: () => number }).clock = clock;
    }
    // Twelve of them later, the guest's challenge is still there: none was made.
    const holder = newHolder(true);
    const signature = Buffer.from(await holder.sign(registrationSignedBytes(createNodeProvider(), { challenge: new Uint8Array(Buffer.from(challenge, 'base64url')), sessionToken: token, holderPublicKey: holder.compressedKey }))).toString('base64url');
    const registered = await call(server.url, '/instant_key_app/phones/register', { token, body: { public_key: holder.publicKey, challenge, signature } });
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
  });

  it("link previews cannot push out the guest's challenge: page loads hand out at most 4 at a time, and drop none", async () => {
    const link = await generateLink();
    const guest = await get(link.path);
    const token = timingOf(guest.headers['server-timing'], 'lk-session')!;
    const challenge = timingOf(guest.headers['server-timing'], 'lk-challenge')!;
    // A chat app unfurls the forwarded link, again and again: plain GETs without Sec-Fetch headers,
    // which every browser with Web Bluetooth sends: no session, no challenge (second attack on
    // issue 17, M4: they spent the budget and were handed the session token).
    for (const agent of ['WhatsApp/2.23', 'Slackbot-LinkExpanding 1.0', 'facebookexternalhit/1.1', 'Mozilla/5.0 (compatible; Safe Links)']) {
      for (let n = 0; n < 2; n += 1) {
        const preview = await request('GET', link.path, { 'user-agent': agent });
        expect(preview.status).toBe(200);
        expect(preview.headers['server-timing'], agent).toBeUndefined();
      }
    }
    // The guest reloads in a browser, again and again: a budget bounds the challenges those make.
    const previews = [];
    for (let n = 0; n < 8; n += 1) previews.push(timingOf((await get(link.path)).headers['server-timing'], 'lk-challenge'));
    expect(previews.filter((c) => c !== undefined)).toHaveLength(registrationChallengesPerPageMax - 1);
    const holder = newHolder(true);
    const sign = async (over: string) => Buffer.from(await holder.sign(registrationSignedBytes(createNodeProvider(), { challenge: new Uint8Array(Buffer.from(over, 'base64url')), sessionToken: token, holderPublicKey: holder.compressedKey }))).toString('base64url');
    // The page that got no challenge asks for one itself (POST phones/challenge): that still works.
    const asked = await call(server.url, '/instant_key_app/phones/challenge', { token, body: {} });
    expect(asked.status).toBe(200);
    const registered = await call(server.url, '/instant_key_app/phones/register', { token, body: { public_key: holder.publicKey, challenge, signature: await sign(challenge) } });
    expect(registered.status, JSON.stringify(registered.body)).toBe(200); // the guest's own, from the first page
  });

  it('registers in one round trip with the session and challenge from Server-Timing; the challenge is single use', async () => {
    const link = await generateLink();
    const page = await get(link.path);
    expect(page.headers['cache-control']).toBe('private, no-cache');
    const token = timingOf(page.headers['server-timing'], 'lk-session')!;
    const challenge = timingOf(page.headers['server-timing'], 'lk-challenge')!;
    const opened = await call(server.url, '/instant_key_app/open', { body: { instant_key_url: link.url } });
    expect(token).toBe(opened.body['client_session_token']); // the same session POST open hands out
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const holder = newHolder(true);
    const sign = async (over: string) => Buffer.from(await holder.sign(registrationSignedBytes(createNodeProvider(), { challenge: new Uint8Array(Buffer.from(over, 'base64url')), sessionToken: token, holderPublicKey: holder.compressedKey }))).toString('base64url');
    const body = { public_key: holder.publicKey, challenge, signature: await sign(challenge) };
    // A signature by another key over the same challenge is refused (and uses the challenge up).
    const stranger = newHolder(true);
    const forged = await call(server.url, '/instant_key_app/phones/register', { token, body: { ...body, public_key: stranger.publicKey } });
    expect(forged.status).toBe(400);
    expect(JSON.stringify(forged.body)).toMatch(/signature|challenge/);
    // A fresh page, then the real registration: one call.
    const second = await get(link.path);
    const fresh = timingOf(second.headers['server-timing'], 'lk-challenge')!;
    const registered = await call(server.url, '/instant_key_app/phones/register', { token, body: { public_key: holder.publicKey, challenge: fresh, signature: await sign(fresh) } });
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    const bundle = registered.body['bundle'] as { lock_certificates: { display_name: string; is_shared: boolean }[] };
    expect(bundle.lock_certificates.find((door) => door.display_name === 'Lobby')?.is_shared).toBe(true);
    expect(bundle.lock_certificates.find((door) => door.display_name.startsWith('Room'))?.is_shared).toBe(false);
    // Used once: the same challenge again is refused.
    const replay = await call(server.url, '/instant_key_app/phones/register', { token, body: { public_key: holder.publicKey, challenge: fresh, signature: await sign(fresh) } });
    expect(replay.status).toBe(400);
    expect(JSON.stringify(replay.body)).toContain('challenge');
  });

  it('a revoked link, an unknown code or a used-up link: the page comes without a session', async () => {
    const revoked = await generateLink();
    await call(server.url, '/instant_keys/delete', { token: server.apiKey, body: { instant_key_id: revoked.id } });
    const usedUp = await generateLink({ max_use_count: 1 });
    const firstPage = await get(usedUp.path);
    const token = timingOf(firstPage.headers['server-timing'], 'lk-session')!;
    const holder = newHolder(true);
    const challenge = timingOf(firstPage.headers['server-timing'], 'lk-challenge')!;
    const signature = Buffer.from(await holder.sign(registrationSignedBytes(createNodeProvider(), { challenge: new Uint8Array(Buffer.from(challenge, 'base64url')), sessionToken: token, holderPublicKey: holder.compressedKey }))).toString('base64url');
    expect((await call(server.url, '/instant_key_app/phones/register', { token, body: { public_key: holder.publicKey, challenge, signature } })).status).toBe(200);
    for (const path of [revoked.path, usedUp.path, '/ik/AAAAAAAAAAAAAAAAAAAAAA']) {
      const page = await get(path);
      expect(page.status, path).toBe(200); // the page itself then says why, from POST open
      expect(page.headers['server-timing'], path).toBeUndefined();
    }
  });
});
