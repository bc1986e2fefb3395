/**
 * The Fastify application: body parsing (JSON, and the empty form body the SDK sends for a bare
 * `list()`), a body size bound, the `seam-request-id` header, route registration, and the error
 * mapping: ApiError → its envelope; a request-schema failure (ajv) → 400 invalid_input with keyed
 * validation_errors (http/request-schema.ts); a filled form body outside the dashboard, and any other Fastify 4xx (bad JSON,
 * body too large, wrong content type)
 * → 400 invalid_input; 404 for unknown endpoints; anything else is our bug → logged 500.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { ServerContext } from './context.ts';
import { ApiError, invalidInput } from './http/errors.ts';
import { redactUrl } from './http/redact.ts';
import { invalidInputOfSchemaErrors, type RequestSchema } from './http/request-schema.ts';
import { registerAcsCredentialRoutes } from './routes/acs-credentials.ts';
import { registerClientSessionRoutes } from './routes/client-sessions.ts';
import { registerCustomizationRoutes } from './routes/customization.ts';
import { registerDirectoryRoutes } from './routes/directory.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerGrantRoutes } from './routes/grants.ts';
import { registerIdentityRoutes } from './routes/identities.ts';
import { registerInstantKeyAppRoutes } from './routes/instant-key-app.ts';
import { registerOpenApiRoute } from './routes/openapi.ts';
import { registerWorkspaceRoutes } from './routes/workspaces.ts';

export const bodyBytesMax = 64 * 1024;
const instantKeyAppPrefix = '/instant_key_app/';
/** The routes that take a filled HTML form body (the dashboard's sign-in and sign-out). */
const formRoutes: ReadonlySet<string> = new Set(['/dashboard/session', '/dashboard/sign-out']);

/**
 * No page of ours may be framed (clickjacking: a hostile page overlaying the dashboard or an Instant
 * Key's Unlock button). Every response says so, both ways browsers read it: CSP `frame-ancestors`
 * (appended to a route's own policy) and the older X-Frame-Options.
 */
export function forbidFraming(reply: FastifyReply): void {
  reply.header('x-frame-options', 'DENY');
  const policy = reply.getHeader('content-security-policy');
  if (typeof policy !== 'string') reply.header('content-security-policy', "frame-ancestors 'none'");
  else if (!/frame-ancestors/.test(policy)) reply.header('content-security-policy', `${policy}; frame-ancestors 'none'`);
}

export function buildApp(context: ServerContext): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: context.log as FastifyInstance['log'],
    bodyLimit: bodyBytesMax,
    genReqId: () => randomUUID(),
    // Request schemas (http/request-schema.ts) are checked as written: no type coercion (a GET query
    // is typed by the schema first), no defaults filled in, no fields removed, every problem reported.
    ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true } },
  });
  // A form body: empty is `{}` (the seam SDK sends one for a bare `list()`); with fields, only the
  // dashboard's sign-in form takes one. Seam's endpoints take JSON: a filled form there is a 400,
  // not a request read from strings (`limit=2` is not the number 2, `full_name=x` not a JSON body).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    if (!formRoutes.has(request.url.split('?')[0]!)) {
      return done(invalidInput('send the request as JSON (Content-Type: application/json); a form body is accepted only when empty', [{ path: '', message: 'form bodies are not accepted here' }]), undefined);
    }
    return done(null, Object.fromEntries(new URLSearchParams(text)));
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('seam-request-id', request.id);
    // The Instant Key app's endpoints take their input in the JSON body only: a link URL or code in
    // a query string would travel in URLs (logs, proxies, histories). Refused before anything runs.
    if (request.url.startsWith(instantKeyAppPrefix) && request.url.includes('?')) {
      throw invalidInput('the Instant Key app endpoints take no query string: send the input as a JSON body', [{ path: '', message: 'query string not accepted here' }]);
    }
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    forbidFraming(reply);
    return payload;
  });
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.status).send(error.toBody(request.id));
    const validation = (error as FastifyError).validation;
    if (validation !== undefined) {
      const schemas = request.routeOptions.schema;
      const mapped = invalidInputOfSchemaErrors(validation, (schemas?.body ?? schemas?.querystring) as RequestSchema | undefined);
      return reply.code(mapped.status).send(mapped.toBody(request.id));
    }
    const status = (error as FastifyError).statusCode;
    if ((error as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const mapped = invalidInput(`unsupported Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')}: send the request as JSON (Content-Type: application/json)`, [{ path: '', message: 'unsupported content type' }]);
      return reply.code(mapped.status).send(mapped.toBody(request.id));
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Fastify's own message, without its internal code (FST_ERR_…): bad JSON, a body too large.
      const mapped = invalidInput(error.message);
      return reply.code(mapped.status).send(mapped.toBody(request.id));
    }
    request.log.error({ err: error, url: redactUrl(request.url) }, 'unhandled error');
    return reply.code(500).send({ error: { type: 'internal_server_error', message: 'internal server error', request_id: request.id }, ok: false });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { type: 'not_found', message: `no endpoint ${request.method} ${request.url.split('?')[0]}`, request_id: request.id }, ok: false });
  });
  registerDirectoryRoutes(app, context);
  registerIdentityRoutes(app, context);
  registerClientSessionRoutes(app, context);
  registerWorkspaceRoutes(app, context);
  registerAcsCredentialRoutes(app, context);
  registerGrantRoutes(app, context);
  registerInstantKeyAppRoutes(app, context);
  registerEventRoutes(app, context);
  registerCustomizationRoutes(app, context);
  registerOpenApiRoute(app, context);
  return app;
}
