/**
 * Endpoints for the Instant Key app on the guest's device (documented in docs/API.md):
 *   POST /instant_key_app/open            { instant_key_url }  → client session token (no auth: the link is the capability)
 *   POST /instant_key_app/phones/challenge {}  (Bearer seam_cst…) → a single-use challenge for the holder key to sign
 *   POST /instant_key_app/phones/register { public_key, challenge, signature, display_name?, device_type? }  (Bearer seam_cst…) → phone + bundle
 *   POST /instant_key_app/sync            { device_id }  (Bearer seam_cst…) → bundle
 *   POST /instant_key_app/audit           { device_id, records, dropped_total? }  (Bearer seam_cst…) → per-record results
 *   GET  /ik/:code, /ik-app/app.js         the Instant Key web app (src/web: Web Bluetooth unlock)
 * A client-session token reaches only its own identity's phones and credentials.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { serveWebApp, webAppScriptPath } from '../../web/serve.ts';
import type { ServerContext } from '../context.ts';
import { checkInput } from '../http/input.ts';
import { bearerToken, inputOf } from '../http/route.ts';
import { phoneJson } from '../http/serialize.ts';
import { clientSessionToken } from '../issuance/tokens.ts';
import { acceptAuditUpload, parseAuditUpload } from '../services/audit.ts';
import { openInstantKey, parseHolderKey, registerPhone, sessionFromToken, syncPhone } from '../services/phones.ts';
import { checkPossession, issueRegistrationChallenge, parseFixedBase64Url } from '../services/registration.ts';
import { registrationChallengeBytes } from '../../phone/registration-proof.ts';

export function registerInstantKeyAppRoutes(app: FastifyInstance, context: ServerContext): void {
  // The guest's page and its bundle (built once with esbuild on first request, then cached).
  const serveApp = async (request: FastifyRequest, reply: FastifyReply) => {
    const served = await serveWebApp({ method: request.method, url: request.url });
    if (served === undefined) return reply.callNotFound();
    return reply.code(served.status).headers(served.headers).send(served.body);
  };
  app.get('/ik/:code', serveApp);
  app.get(webAppScriptPath, serveApp);

  app.post('/instant_key_app/open', async (request) => {
    const q = checkInput(inputOf(request).input, { instant_key_url: { kind: 'string', required: true, min: 1, max: 500 } });
    const key = openInstantKey(context, q.instant_key_url);
    return {
      client_session_token: clientSessionToken(context.secrets.tokenSecret, key.client_session_id),
      instant_key_id: key.instant_key_id,
      user_identity_id: key.user_identity_id,
      ok: true,
    };
  });

  app.post('/instant_key_app/phones/challenge', async (request) => {
    const session = sessionFromToken(context, bearerToken(request));
    checkInput(inputOf(request).input, {});
    return { ...issueRegistrationChallenge(context, session), ok: true };
  });

  // The phone proves it holds the key it registers (services/registration.ts).
  app.post('/instant_key_app/phones/register', async (request) => {
    const token = bearerToken(request);
    const session = sessionFromToken(context, token);
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
    checkPossession(context, session, token!, { publicKey, challenge, signature });
    const deviceType = q.device_type === 'android_phone' ? 'android_phone' : 'ios_phone';
    const { phone, bundle } = registerPhone(context, session, { publicKey, displayName: q.display_name, deviceType });
    return { phone: phoneJson(phone), bundle, ok: true };
  });

  app.post('/instant_key_app/sync', async (request) => {
    const session = sessionFromToken(context, bearerToken(request));
    const q = checkInput(inputOf(request).input, { device_id: { kind: 'uuid', required: true } });
    return { bundle: syncPhone(context, session, q.device_id), ok: true };
  });

  // The phone's queued unlock attempts (services/audit.ts): checked, stored, acknowledged per record.
  app.post('/instant_key_app/audit', async (request) => {
    const session = sessionFromToken(context, bearerToken(request), { forAudit: true });
    const upload = parseAuditUpload(inputOf(request).input);
    return { ...acceptAuditUpload(context, session, upload), ok: true };
  });
}
