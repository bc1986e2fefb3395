/**
 * Seam's customization profiles (how the Instant Key page looks), API-key protected:
 *   /workspaces/customization_profiles/create { name?, primary_color?, secondary_color? } → customization_profile
 *   /workspaces/customization_profiles/get    { customization_profile_id }               → customization_profile
 *   /workspaces/customization_profiles/list                                              → customization_profiles
 *   /workspaces/customization_profiles/update { customization_profile_id, name?, primary_color?, secondary_color? }
 *   POST /workspaces/customization_profiles/upload_images   multipart/form-data: customization_profile_id, logo (file)
 * and, public (the guest's page shows it):
 *   GET /ik/logo/:customization_profile_id/:version   the logo (version = its hash: cached for good)
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { invalidInput } from '../http/errors.ts';
import { checkInput, isUuid } from '../http/input.ts';
import { apiRoute, workspaceOfRequest } from '../http/route.ts';
import { createProfile, logoBytesMax, logoPathPrefix, profileJson, profileOf, updateProfile, uploadLogo } from '../services/customization.ts';

const profileFields = {
  name: { kind: 'string', min: 1, max: 200, nullable: true },
  primary_color: { kind: 'string', max: 20 },
  secondary_color: { kind: 'string', max: 20 },
} as const;
const idField = { customization_profile_id: { kind: 'uuid', required: true } } as const;

/** One multipart upload: the logo file plus the profile id (as a form field or in the query). */
async function readLogoForm(body: unknown, contentType: string | undefined, query: unknown): Promise<{ id: string; bytes: Uint8Array }> {
  if (!(body instanceof Uint8Array) || contentType === undefined) throw invalidInput('send multipart/form-data with customization_profile_id and a logo file');
  let form: FormData;
  try {
    // undici's multipart parser (the one behind fetch's Response.formData).
    form = await new Response(body as unknown as BodyInit, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw invalidInput('the multipart/form-data body is malformed', [{ path: '', message: 'malformed multipart body' }]);
  }
  const fromQuery = (query as Record<string, unknown> | undefined)?.customization_profile_id;
  const idValue = form.get('customization_profile_id') ?? (typeof fromQuery === 'string' ? fromQuery : null);
  const { customization_profile_id } = checkInput({ customization_profile_id: typeof idValue === 'string' ? idValue : undefined }, idField);
  let file = form.get('logo');
  if (file === null) form.forEach((value) => (file ??= typeof value === 'string' ? null : value)); // any one file field
  if (file === null || typeof file === 'string') throw invalidInput('logo must be a file field', [{ path: 'logo', message: 'missing file' }]);
  return { id: customization_profile_id, bytes: new Uint8Array(await file.arrayBuffer()) };
}

export function registerCustomizationRoutes(app: FastifyInstance, context: ServerContext): void {
  apiRoute(app, context, '/workspaces/customization_profiles/create', async ({ workspaceId, input }) => {
    const q = checkInput(input, profileFields);
    return { customization_profile: profileJson(context, await createProfile(context, workspaceId, q)) };
  });
  apiRoute(app, context, '/workspaces/customization_profiles/get', async ({ workspaceId, input }) => {
    const { customization_profile_id } = checkInput(input, idField);
    return { customization_profile: profileJson(context, await profileOf(context, workspaceId, customization_profile_id)) };
  });
  apiRoute(app, context, '/workspaces/customization_profiles/list', async ({ workspaceId }) => ({
    customization_profiles: (await context.repo.customization.listProfiles(workspaceId)).map((row) => profileJson(context, row)),
  }));
  apiRoute(app, context, '/workspaces/customization_profiles/update', async ({ workspaceId, input }) => {
    const q = checkInput(input, { ...idField, ...profileFields });
    await updateProfile(context, workspaceId, q.customization_profile_id, q);
    return {};
  });

  // Its own scope: only this route takes multipart bodies, and a larger body limit.
  void app.register(async (scope) => {
    scope.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: logoBytesMax + 16 * 1024 }, (_request, body, done) => done(null, body));
    scope.post('/workspaces/customization_profiles/upload_images', async (request) => {
      const workspaceId = await workspaceOfRequest(context, request);
      const { id, bytes } = await readLogoForm(request.body, request.headers['content-type'], request.query);
      await uploadLogo(context, workspaceId, id, bytes);
      return { ok: true };
    });
  });

  app.get(`${logoPathPrefix}:id/:version`, async (request, reply) => {
    const { id, version } = request.params as { id: string; version: string };
    const logo = isUuid(id) ? await context.repo.customization.logoOf(id.toLowerCase()) : undefined;
    if (logo === undefined || logo.logo_sha256.slice(0, 16) !== version) return reply.callNotFound();
    return reply
      .headers({
        'content-type': logo.logo_type,
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
        // An SVG opened on its own must not run script or load anything.
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      })
      .send(Buffer.from(logo.logo));
  });
}
