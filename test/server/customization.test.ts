/**
 * Workspace customization (Seam's customization profiles) end to end on the API: the official SDK
 * creates, reads, lists and updates profiles (responses validated against @seamapi/types), a logo
 * is uploaded as multipart/form-data and served from a content-addressed URL, and a guest's link
 * and sync bundle carry the look. Bad colours, non-images and oversized logos are refused with 400
 * and change nothing; another workspace's profile is not found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Seam } from 'seam';
import type { RunningServer } from '../../src/server/index.ts';
import { createWorkspace } from '../../src/server/provision.ts';
import { logoBytesMax, sniffLogo } from '../../src/server/services/customization.ts';
import { call, createResponseValidator, newHolder, registerPhone, startTestServer } from './helpers.ts';

let server: RunningServer;
let seam: Seam;
const validate = createResponseValidator();

/** A valid 1×1 PNG. */
const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c63f8cfc0f01f0005000201ffa3b3e5c10000000049454e44ae426082', 'hex');
const svg = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#0b6e4f"/></svg>\n';

async function upload(id: string | undefined, file: Blob | undefined, token = server.apiKey!): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  if (id !== undefined) form.set('customization_profile_id', id);
  if (file !== undefined) form.set('logo', file, 'logo');
  const response = await fetch(`${server.url}/workspaces/customization_profiles/upload_images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  server = await startTestServer();
  seam = new Seam({ apiKey: server.apiKey!, endpoint: server.url, isUndocumentedApiEnabled: true });
});

afterAll(async () => {
  await server.close();
});

describe('customization profiles', () => {
  it('the official SDK creates, gets, lists and updates a profile in Seam shapes', async () => {
    const created = await seam.workspaces.customizationProfiles.create({ name: 'Harbour Hotel', primary_color: '#0B6E4F', secondary_color: '#fc3' });
    expect(validate('/workspaces/customization_profiles/create', 'post', { customization_profile: created, ok: true })).toBeUndefined();
    expect(created).toMatchObject({ name: 'Harbour Hotel', primary_color: '#0b6e4f', secondary_color: '#ffcc33', workspace_id: server.workspaceId });
    const id = created.customization_profile_id;

    const got = await seam.workspaces.customizationProfiles.get({ customization_profile_id: id });
    expect(validate('/workspaces/customization_profiles/get', 'post', { customization_profile: got, ok: true })).toBeUndefined();
    expect(got).toEqual(created);

    await seam.workspaces.customizationProfiles.update({ customization_profile_id: id, secondary_color: '#ffffff' });
    const listed = await seam.workspaces.customizationProfiles.list();
    expect(validate('/workspaces/customization_profiles/list', 'post', { customization_profiles: listed, ok: true })).toBeUndefined();
    expect(listed.find((p) => p.customization_profile_id === id)).toMatchObject({ primary_color: '#0b6e4f', secondary_color: '#ffffff' });
  });

  it('refuses colours that are not hex colours and writes nothing', async () => {
    for (const bad of ['red', '#12345', '#1234567', 'url(javascript:x)', '#0b6e4f;background:url(x)', '']) {
      const response = await call(server.url, '/workspaces/customization_profiles/create', { token: server.apiKey, body: { primary_color: bad } });
      expect(response.status, bad).toBe(400);
      expect((response.body['error'] as { type: string }).type).toBe('invalid_input');
    }
    const before = (await call(server.url, '/workspaces/customization_profiles/list', { token: server.apiKey })).body['customization_profiles'] as unknown[];
    const { customization_profile } = (await call(server.url, '/workspaces/customization_profiles/create', { token: server.apiKey, body: { name: 'x' } })).body as { customization_profile: { customization_profile_id: string } };
    const update = await call(server.url, '/workspaces/customization_profiles/update', { token: server.apiKey, body: { customization_profile_id: customization_profile.customization_profile_id, primary_color: '#00ff00', secondary_color: 'blue' } });
    expect(update.status).toBe(400);
    const after = (await call(server.url, '/workspaces/customization_profiles/get', { token: server.apiKey, body: { customization_profile_id: customization_profile.customization_profile_id } })).body['customization_profile'] as Record<string, unknown>;
    expect(after['primary_color']).toBeUndefined(); // the valid half of a refused update was not written either
    expect(before.length + 1).toBe(((await call(server.url, '/workspaces/customization_profiles/list', { token: server.apiKey })).body['customization_profiles'] as unknown[]).length);
  });

  it('uploads a logo (multipart) and serves it content-addressed, with a CSP and nosniff', async () => {
    const { customization_profile } = (await call(server.url, '/workspaces/customization_profiles/create', { token: server.apiKey, body: { name: 'Logo test' } })).body as { customization_profile: { customization_profile_id: string } };
    const id = customization_profile.customization_profile_id;
    expect(await upload(id, new Blob([png], { type: 'image/png' }))).toEqual({ status: 200, body: { ok: true } });
    const profile = (await seam.workspaces.customizationProfiles.get({ customization_profile_id: id })) as { logo_url?: string };
    expect(profile.logo_url).toMatch(new RegExp(`^${server.url}/ik/logo/${id}/[0-9a-f]{16}$`));
    const served = await fetch(profile.logo_url!);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);

    // A new logo is a new URL; the old one is gone (it was cached "immutable").
    expect((await upload(id, new Blob([svg], { type: 'image/svg+xml' }))).status).toBe(200);
    const replaced = (await seam.workspaces.customizationProfiles.get({ customization_profile_id: id })) as { logo_url?: string };
    expect(replaced.logo_url).not.toBe(profile.logo_url);
    expect((await fetch(replaced.logo_url!)).headers.get('content-type')).toBe('image/svg+xml');
    expect((await fetch(profile.logo_url!)).status).toBe(404);
  });

  it('refuses what is not an image, whatever it claims, and oversized or malformed uploads', async () => {
    const { customization_profile } = (await call(server.url, '/workspaces/customization_profiles/create', { token: server.apiKey, body: {} })).body as { customization_profile: { customization_profile_id: string } };
    const id = customization_profile.customization_profile_id;
    const refusals: [string, Promise<{ status: number; body: Record<string, unknown> }>][] = [
      ['html as png', upload(id, new Blob(['<html><script>alert(1)</script></html>'], { type: 'image/png' }))],
      ['svg without its end', upload(id, new Blob([svg.slice(0, 60)], { type: 'image/svg+xml' }))],
      ['truncated png', upload(id, new Blob([png.subarray(0, 5)], { type: 'image/png' }))],
      ['empty', upload(id, new Blob([]))],
      ['too large', upload(id, new Blob([png, Buffer.alloc(logoBytesMax)], { type: 'image/png' }))],
      ['no file', upload(id, undefined)],
      ['no profile id', upload(undefined, new Blob([png]))],
      ['unknown profile', upload('00000000-0000-4000-8000-000000000000', new Blob([png]))],
    ];
    for (const [what, pending] of refusals) {
      const { status, body } = await pending;
      expect(status, what).toBe(what === 'unknown profile' ? 404 : 400);
      expect(body['ok'], what).toBe(false);
    }
    const json = await call(server.url, '/workspaces/customization_profiles/upload_images', { token: server.apiKey, body: { customization_profile_id: id } });
    expect(json.status).toBe(400);
    const broken = await call(server.url, '/workspaces/customization_profiles/upload_images', { token: server.apiKey, rawBody: '--x\r\nContent-Disposition: form-data; name="logo"\r\n\r\nabc', contentType: 'multipart/form-data; boundary=x' });
    expect(broken.status).toBe(400);
    expect(((await seam.workspaces.customizationProfiles.get({ customization_profile_id: id })) as { logo_url?: string }).logo_url).toBeUndefined();
    expect((await fetch(`${server.url}/ik/logo/${id}/0000000000000000`)).status).toBe(404);
    expect((await upload(id, new Blob([png]), 'seam_cst_not_an_api_key')).status).toBe(401);
  });

  it("a guest's link and sync bundle carry the link's profile, else the workspace's first", async () => {
    const workspaceProfile = (await call(server.url, '/workspaces/customization_profiles/list', { token: server.apiKey })).body['customization_profiles'] as { customization_profile_id: string; primary_color?: string }[];
    const first = workspaceProfile[0]!;
    const special = await seam.workspaces.customizationProfiles.create({ name: 'Spa', primary_color: '#5b2c83' });
    const guest = await seam.userIdentities.create({ full_name: 'Ada Guest' });
    const withOwn = await seam.userIdentities.generateInstantKey({ user_identity_id: guest.user_identity_id, customization_profile_id: special.customization_profile_id });
    expect(validate('/user_identities/generate_instant_key', 'post', { instant_key: withOwn, ok: true })).toBeUndefined();
    expect(withOwn.customization).toEqual({ primary_color: '#5b2c83' });
    const plain = await seam.userIdentities.generateInstantKey({ user_identity_id: guest.user_identity_id });
    expect(plain.customization).toMatchObject({ primary_color: first.primary_color });

    const opened = await call(server.url, '/instant_key_app/open', { body: { instant_key_url: withOwn.instant_key_url } });
    const token = opened.body['client_session_token'] as string;
    const registered = await registerPhone(server.url, token, newHolder());
    expect((registered.body['bundle'] as { customization: unknown }).customization).toEqual({ name: 'Spa', primary_color: '#5b2c83' });
  });

  it("another workspace's profile is not found, for reading, updating, uploading or a link", async () => {
    const mine = await seam.workspaces.customizationProfiles.create({ name: 'Mine', primary_color: '#123456' });
    const other = await createWorkspace(server.context, 'Other Hotel');
    const id = mine.customization_profile_id;
    expect((await call(server.url, '/workspaces/customization_profiles/get', { token: other.apiKey, body: { customization_profile_id: id } })).status).toBe(404);
    expect((await call(server.url, '/workspaces/customization_profiles/update', { token: other.apiKey, body: { customization_profile_id: id, primary_color: '#000000' } })).status).toBe(404);
    expect((await upload(id, new Blob([png]), other.apiKey)).status).toBe(404);
    expect((await call(server.url, '/workspaces/customization_profiles/list', { token: other.apiKey })).body['customization_profiles']).toEqual([]);
    const theirGuest = (await call(server.url, '/user_identities/create', { token: other.apiKey, body: { full_name: 'B Guest' } })).body['user_identity'] as { user_identity_id: string };
    const link = await call(server.url, '/user_identities/generate_instant_key', { token: other.apiKey, body: { user_identity_id: theirGuest.user_identity_id, customization_profile_id: id } });
    expect(link.status).toBe(404);
    expect((await seam.workspaces.customizationProfiles.get({ customization_profile_id: id })).primary_color).toBe('#123456');
  });
});

describe('logo sniffing', () => {
  const text = (value: string) => new TextEncoder().encode(value);
  it('takes SVG documents with a prolog and refuses lookalikes, in one pass over the bytes', () => {
    expect(sniffLogo(text(svg))).toBe('image/svg+xml');
    expect(sniffLogo(text('\uFEFF<!-- logo -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBe('image/svg+xml');
    expect(sniffLogo(text('<svg><script>alert(1)</script>'))).toBeUndefined(); // no end: not a whole document
    expect(sniffLogo(text('<html><svg></svg>'))).toBeUndefined();
    expect(sniffLogo(text('<!-- never closed <svg></svg>'))).toBeUndefined();
    // Thousands of comments (a backtracking regex took minutes on 30): refused at the prolog bound.
    expect(sniffLogo(text(`${'<!-- -->'.repeat(5_000)}<svg></svg>`))).toBeUndefined();
    expect(sniffLogo(text(`${'<!-- -->'.repeat(3)}<svg></svg>`))).toBe('image/svg+xml');
  });
});
