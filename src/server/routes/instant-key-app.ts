/**
 * Endpoints for the Instant Key app on the guest's device (documented in docs/API.md):
 *   POST /instant_key_app/open            { instant_key_url }  → client session token (no auth: the link is the capability)
 *   POST /instant_key_app/phones/challenge {}  (Bearer seam_cst…) → a single-use challenge for the holder key to sign
 *   POST /instant_key_app/phones/register { public_key, challenge, signature, display_name?, device_type? }  (Bearer seam_cst…) → phone + bundle
 *   POST /instant_key_app/sync            { device_id }  (Bearer seam_cst…) → bundle
 *   POST /instant_key_app/audit           { device_id, records, dropped_total? }  (Bearer seam_cst…) → per-record results
 *   GET  /ik/:code, /ik-app/app.js         the Instant Key web app (src/web: Web Bluetooth unlock); a first
 *        visit's page (an unconditional GET of a live link) comes with the link opened: the session token
 *        and a registration challenge as Server-Timing entries (what open + phones/challenge answer), so
 *        the page registers in one round trip; the same checks as POST open (openInstantKey)
 *   GET  /ik/manifest.webmanifest, /ik-app/icon.svg, /favicon.ico   manifest and icon
 * A client-session token reaches only its own identity's phones and credentials.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { chooseEncoding, serveWebApp, webAppScriptPath, type PageExtras } from '../../web/serve.ts';
import { iconPath } from '../../web/page-html.ts';
import { codeFromInstantKeyUrl, hashToken } from '../issuance/tokens.ts';
import { customizationJson, profileForInstantKey } from '../services/customization.ts';
import { mapInOrder, type ServerContext } from '../context.ts';
import { checkInput } from '../http/input.ts';
import { bearerToken, inputOf } from '../http/route.ts';
import { phoneJson } from '../http/serialize.ts';
import { clientSessionToken } from '../issuance/tokens.ts';
import { acceptAuditUpload, parseAuditUpload } from '../services/audit.ts';
import { openInstantKey, parseHolderKey, registerPhone, sessionFromToken, syncPhone } from '../services/phones.ts';
import { checkPossession, issueRegistrationChallenge, parseFixedBase64Url } from '../services/registration.ts';
import { registrationChallengeBytes } from '../../phone/registration-proof.ts';

export function registerInstantKeyAppRoutes(app: FastifyInstance, context: ServerContext): void {
  // The guest's page (its bundle inlined), the service worker, manifest and icon (src/web/serve.ts).
  const serveApp = async (request: FastifyRequest, reply: FastifyReply) => {
    const served = await serveWebApp({ method: request.method, url: request.url, headers: request.headers }, { extras: await pageExtras(context, request) });
    if (served === undefined) return reply.callNotFound();
    return reply.code(served.status).headers(served.headers).send(served.body);
  };
  app.get('/ik/:code', serveApp);
  app.get(webAppScriptPath, serveApp);
  app.get(iconPath, serveApp);
  app.get('/favicon.ico', serveApp);

  app.post('/instant_key_app/open', async (request) => {
    const q = checkInput(inputOf(request).input, { instant_key_url: { kind: 'string', required: true, min: 1, max: 500 } });
    const key = await openInstantKey(context, q.instant_key_url);
    return {
      client_session_token: clientSessionToken(context.secrets.tokenSecret, key.client_session_id),
      instant_key_id: key.instant_key_id,
      user_identity_id: key.user_identity_id,
      ok: true,
    };
  });

  app.post('/instant_key_app/phones/challenge', async (request) => {
    const session = await sessionFromToken(context, bearerToken(request));
    checkInput(inputOf(request).input, {});
    return { ...await issueRegistrationChallenge(context, session), ok: true };
  });

  // The phone proves it holds the key it registers (services/registration.ts).
  app.post('/instant_key_app/phones/register', async (request, reply) => {
    const token = bearerToken(request);
    const session = await sessionFromToken(context, token);
    const q = checkInput(inputOf(request).input, {
      public_key: { kind: 'string', required: true, min: 1, max: 100 },
      challenge: { kind: 'string', required: true, min: 1, max: 100 },
      signature: { kind: 'string', required: true, min: 1, max: 200 },
      display_name: { kind: 'string', min: 1, max: 100 },
      device_type: { kind: 'string', min: 1, max: 20 },
    });
    const publicKey = parseHolderKey(q.public_key);
    const challenge = parseFixedBase64Url(q.challenge, registrationChallengeBytes, 'challenge');
    const signature = parseFixedBase64Url(q.signature, 64, 'signature');
    await checkPossession(context, session, token!, { publicKey, challenge, signature });
    const deviceType = q.device_type === 'android_phone' ? 'android_phone' : 'ios_phone';
    const { phone, bundle } = await registerPhone(context, session, { publicKey, displayName: q.display_name, deviceType });
    return compressedJson(request, reply, { phone: phoneJson(phone), bundle: await withSharedDoors(context, bundle), ok: true });
  });

  app.post('/instant_key_app/sync', async (request, reply) => {
    const session = await sessionFromToken(context, bearerToken(request));
    const q = checkInput(inputOf(request).input, { device_id: { kind: 'uuid', required: true } });
    return compressedJson(request, reply, { bundle: await withSharedDoors(context, await syncPhone(context, session, q.device_id)), ok: true });
  });

  // The phone's queued unlock attempts (services/audit.ts): checked, stored, acknowledged per record.
  app.post('/instant_key_app/audit', async (request) => {
    const session = await sessionFromToken(context, bearerToken(request), { forAudit: true });
    const upload = parseAuditUpload(inputOf(request).input);
    return { ...await acceptAuditUpload(context, session, upload), ok: true };
  });
}

/**
 * What the API server adds to a link's page: the workspace's colours, and on a first visit the link
 * opened, with exactly the checks of POST open and phones/challenge. Anything refused leaves the page
 * to call open itself, which then says why.
 */
async function pageExtras(context: ServerContext, request: FastifyRequest): Promise<PageExtras | undefined> {
  const code = (request.params as { code?: string }).code;
  if (code === undefined || !/^[A-Za-z0-9_-]{1,200}$/.test(code)) return undefined;
  const key = await context.repo.identities.instantKeyByCodeHash(hashToken(codeFromInstantKeyUrl(code)));
  if (key === undefined) return undefined;
  const customization = customizationJson(context, await profileForInstantKey(context, key));
  if (!opensTheLink(request)) return { customization };
  try {
    const opened = await openInstantKey(context, code);
    const token = clientSessionToken(context.secrets.tokenSecret, opened.client_session_id);
    const issued = await issueRegistrationChallenge(context, await sessionFromToken(context, token), 'page');
    // Page loads' challenge budget spent (link previews, reloads): the page asks for its own.
    if (issued === undefined) return { customization };
    return { customization, opened: { token, challenge: issued.challenge } };
  } catch {
    return { customization };
  }
}

/**
 * Whether a request for a link's page is a first visit's navigation, the only one that opens the
 * link (moves its session on, hands out a challenge): a plain GET. Not a HEAD, a Range request (a
 * preview fetcher or a download manager reading part of it), a conditional one (If-None-Match and
 * the like: the service worker's and the browser's revalidations, a cache), nor a fetch() by a page
 * (Sec-Fetch-Mode other than navigate). Clients that send no Sec-Fetch headers (preview fetchers,
 * bots, browsers without Web Bluetooth) never open it: the page opens the link itself if it can use it.
 * Prefetches (Sec-Purpose, Purpose, X-Moz, X-Purpose) and framed navigations never open it.
 */
function opensTheLink(request: FastifyRequest): boolean {
  const headers = request.headers;
  if (request.method !== 'GET') return false;
  for (const name of ['range', 'if-range', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since']) if (headers[name] !== undefined) return false;
  // A prefetch or prerender is not the guest's visit (Sec-Purpose; the older Purpose, X-Moz and
  // X-Purpose), whatever it says of its destination (second attack on issue 17, L7).
  for (const name of ['sec-purpose', 'purpose', 'x-moz', 'x-purpose']) {
    const value = headers[name];
    if (typeof value === 'string' && /prefetch|prerender|preview/i.test(value)) return false;
  }
  // A navigation says so (Sec-Fetch-Mode: navigate), also when the service worker passes it on
  // (Chromium then sends Sec-Fetch-Dest: empty); a page's fetch() is cors/same-origin/no-cors; a
  // frame (iframe, object, embed) is another site's page showing ours, never the guest's visit.
  const destination = headers['sec-fetch-dest'];
  const topLevel = destination === undefined || destination === 'document' || destination === 'empty';
  // No Sec-Fetch-Mode: not a browser that can use the page. Every browser with Web Bluetooth (the
  // Chromium family, since Chrome 76) sends it; chat apps' link previews and bots do not, and they
  // spent the page-challenge budget and were handed the session token (second attack on issue 17, M4).
  // Such a client still gets the page; if it is a browser after all, the page calls `open` itself.
  return headers['sec-fetch-mode'] === 'navigate' && topLevel;
}

/**
 * The credential bundle (a few KB of base64url, the bulk of a returning guest's traffic) compressed
 * as the phone's Accept-Encoding allows; brotli at quality 5 costs well under a millisecond here.
 */
function compressedJson(request: FastifyRequest, reply: FastifyReply, body: unknown): FastifyReply {
  const encoding = chooseEncoding(request.headers['accept-encoding']);
  const json = Buffer.from(JSON.stringify(body));
  reply.header('content-type', 'application/json; charset=utf-8').header('vary', 'accept-encoding');
  if (encoding === 'identity') return reply.send(json);
  const bytes = encoding === 'br' ? brotliCompressSync(json, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: json.length } }) : gzipSync(json);
  return reply.header('content-encoding', encoding).send(bytes);
}

/** Each door of a bundle says whether it is shared (lobby, lift, gym): the page lists the guest's own room first. */
async function withSharedDoors<T extends { lock_certificates: { acs_entrance_id: string }[] }>(context: ServerContext, bundle: T): Promise<T> {
  return { ...bundle, lock_certificates: await mapInOrder(bundle.lock_certificates, async (door) => ({ ...door, is_shared: (await context.repo.directory.entranceById(door.acs_entrance_id))?.is_shared === 1 })) };
}
