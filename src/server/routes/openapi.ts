/**
 * `GET /openapi.json`: latchkey's own OpenAPI document (src/server/openapi.json, generated from the
 * Seam spec by scripts/make-openapi.ts: the implemented endpoints, refused fields removed), with
 * `servers` set to this server's public base URL. Public, like Seam's: it holds no secret.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';

let documentText: string | undefined;

export function registerOpenApiRoute(app: FastifyInstance, context: ServerContext): void {
  app.get('/openapi.json', async (_request, reply) => {
    documentText ??= readFileSync(new URL('../openapi.json', import.meta.url), 'utf8');
    const document = JSON.parse(documentText) as Record<string, unknown>;
    document['servers'] = [{ url: context.config.publicBaseUrl }];
    return reply.code(200).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-cache').send(JSON.stringify(document));
  });
}
