/**
 * Instant Key client sessions and registration (issue 13, items 1–3), against a server on a
 * settable clock: a revoked link's already-opened session registers and syncs nothing more (the
 * reported attack: three more phones on a `max_use_count: 1` link); a session dies with its link's
 * expiry, its grants and its identity, and idles out after 30 days (opening the link again wakes it);
 * an ended grant gets no credential; and registration needs the holder key's signature over a
 * fresh, single-use challenge of the same session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Seam } from 'seam';
import { registrationSignedBytes } from '../../src/phone/registration-proof.ts';
import { equalBytes } from '../../src/protocol/bytes.ts';
import { parseCredential } from '../../src/protocol/credential.ts';
import type { RunningServer } from '../../src/server/index.ts';
import { linkSessionIdleMaxMs } from '../../src/server/services/phones.ts';
import { registrationChallengeLifetimeMs } from '../../src/server/services/registration.ts';
import { call, createResponseValidator, newHolder, registerPhone, startTestServer, type RawResponse, type TestHolder } from './helpers.ts';

let server: RunningServer;
let seam: Seam;
let nowMs = Date.UTC(2026, 0, 1);
let entranceId: string;
const validate = createResponseValidator();
const dayMs = 86400_000;

beforeAll(async () => {
  server = await startTestServer({ clock: () => nowMs });
  seam = new Seam({ apiKey: server.apiKey!, endpoint: server.url });
  entranceId = (await seam.acs.entrances.list())[0]!.acs_entrance_id;
});

afterAll(async () => {
  await server.close();
});

async function stay(name: string, endsAt: string) {
  const identity = await seam.userIdentities.create({ full_name: name });
  const grant = await seam.accessGrants.create({ user_identity_id: identity.user_identity_id, acs_entrance_ids: [entranceId], requested_access_methods: [{ mode: 'mobile_key' }], ends_at: endsAt });
  expect(validate('/access_grants/create', 'post', { access_grant: grant, ok: true })).toBeUndefined();
  return { identityId: identity.user_identity_id, grant, url: grant.instant_key_url! };
}

async function open(url: string): Promise<string> {
  const opened = await call(server.url, '/instant_key_app/open', { body: { instant_key_url: url } });
  expect(opened.status, JSON.stringify(opened.body)).toBe(200);
  return opened.body['client_session_token'] as string;
}

const sync = (token: string, deviceId: string): Promise<RawResponse> => call(server.url, '/instant_key_app/sync', { token, body: { device_id: deviceId } });
const deviceOf = (response: RawResponse): string => (response.body['phone'] as { device_id: string }).device_id;
const activePhones = async (identityId: string) => (await seam.phones.list({ owner_user_identity_id: identityId })).length;

describe('a link session dies with its link', () => {
  it('after instant_keys/delete, the session a phone already opened registers no phone and syncs nothing', async () => {
    const { identityId } = await stay('Mallory', '2026-01-05T00:00:00Z');
    const link = await seam.userIdentities.generateInstantKey({ user_identity_id: identityId, max_use_count: 1 });
    const token = await open(link.instant_key_url);
    const first = await registerPhone(server.url, token, newHolder());
    expect(first.status).toBe(200);
    expect((await sync(token, deviceOf(first))).status).toBe(200);
    expect((await registerPhone(server.url, token, newHolder())).status).toBe(400); // used up

    expect((await call(server.url, '/instant_keys/delete', { token: server.apiKey!, body: { instant_key_id: link.instant_key_id } })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const again = await registerPhone(server.url, token, newHolder());
      expect(again.status).toBe(401);
      expect(again.body).toMatchObject({ ok: false, error: { type: 'unauthorized' } });
    }
    expect((await call(server.url, '/instant_key_app/phones/register', { token, body: { public_key: newHolder().publicKey } })).status).toBe(401);
    expect((await sync(token, deviceOf(first))).status).toBe(401);
    expect(await activePhones(identityId)).toBe(0);
  });

  it('refuses registration and sync once the grants are gone or the link has expired, and after the identity is deleted', async () => {
    const { identityId, grant, url } = await stay('Gwen', '2026-01-10T00:00:00Z');
    const token = await open(url);
    const phone = await registerPhone(server.url, token, newHolder());
    expect(phone.status).toBe(200);
    await seam.accessGrants.delete({ access_grant_id: grant.access_grant_id });
    expect((await sync(token, deviceOf(phone))).status).toBe(401);
    expect((await registerPhone(server.url, token, newHolder())).status).toBe(401);

    // A new grant for the same guest brings the link (and its session) back.
    await seam.accessGrants.create({ user_identity_id: identityId, acs_entrance_ids: [entranceId], requested_access_methods: [{ mode: 'mobile_key' }], ends_at: '2026-01-03T00:00:00Z' });
    const back = await sync(token, deviceOf(phone));
    expect(back.status).toBe(200);
    expect((back.body['bundle'] as { credentials: unknown[] }).credentials).toHaveLength(1);

    nowMs = Date.UTC(2026, 0, 3, 0, 0, 1); // the link expires with its last grant
    try {
      expect((await sync(token, deviceOf(phone))).status).toBe(401);
      expect((await registerPhone(server.url, token, newHolder())).status).toBe(401);
      expect((await call(server.url, '/instant_key_app/open', { body: { instant_key_url: url } })).status).toBe(404);
    } finally {
      nowMs = Date.UTC(2026, 0, 1);
    }
    expect((await sync(token, deviceOf(phone))).status).toBe(200);
    await seam.userIdentities.delete({ user_identity_id: identityId });
    expect((await sync(token, deviceOf(phone))).status).toBe(401);
    expect((await registerPhone(server.url, token, newHolder())).status).toBe(401);
  });

  it('a session unused for 30 days is refused until the link is opened again', async () => {
    const { url } = await stay('Ida', '2026-06-01T00:00:00Z');
    const token = await open(url);
    const phone = await registerPhone(server.url, token, newHolder());
    expect(phone.status).toBe(200);
    const start = nowMs;
    try {
      nowMs = start + linkSessionIdleMaxMs - 1000;
      expect((await sync(token, deviceOf(phone))).status).toBe(200); // each use moves the deadline on
      nowMs += linkSessionIdleMaxMs + 1000;
      expect((await sync(token, deviceOf(phone))).status).toBe(401);
      expect(await open(url)).toBe(token);
      expect((await sync(token, deviceOf(phone))).status).toBe(200);
    } finally {
      nowMs = start;
    }
  });
});

describe('ended grants', () => {
  it('issues no credential for a grant that has ended, at registration or at a later sync', async () => {
    const identity = await seam.userIdentities.create({ full_name: 'Ended' });
    const create = (startsAt: string, endsAt: string) =>
      seam.accessGrants.create({ user_identity_id: identity.user_identity_id, acs_entrance_ids: [entranceId], requested_access_methods: [{ mode: 'mobile_key' }], starts_at: startsAt, ends_at: endsAt });
    const past = await create('2025-12-01T00:00:00Z', '2025-12-02T00:00:00Z');
    const short = await create('2025-12-31T00:00:00Z', '2026-01-02T00:00:00Z');
    const long = await create('2025-12-31T00:00:00Z', '2026-01-20T00:00:00Z');
    const token = await open(long.instant_key_url!);
    const phone = await registerPhone(server.url, token, newHolder());
    const grantsIn = (response: RawResponse) => (response.body['bundle'] as { credentials: { access_grant_id: string }[] }).credentials.map((c) => c.access_grant_id).sort();
    expect(grantsIn(phone)).toEqual([short.access_grant_id, long.access_grant_id].sort());
    expect(grantsIn(phone)).not.toContain(past.access_grant_id);
    nowMs = Date.UTC(2026, 0, 2); // the short stay ends exactly now
    try {
      expect(grantsIn(await sync(token, deviceOf(phone)))).toEqual([long.access_grant_id]);
    } finally {
      nowMs = Date.UTC(2026, 0, 1);
    }
  });
});

describe('registration proves possession of the holder key', () => {
  async function challengeOf(token: string): Promise<string> {
    const issued = await call(server.url, '/instant_key_app/phones/challenge', { token, body: {} });
    expect(issued.status).toBe(200);
    expect(issued.body['expires_at']).toBe(new Date(nowMs + registrationChallengeLifetimeMs).toISOString());
    return issued.body['challenge'] as string;
  }
  async function signed(holder: TestHolder, challenge: string, token: string): Promise<string> {
    const message = registrationSignedBytes(server.context.issuer.crypto, { challenge: new Uint8Array(Buffer.from(challenge, 'base64url')), sessionToken: token, holderPublicKey: holder.compressedKey });
    return Buffer.from(await holder.sign(message)).toString('base64url');
  }
  const register = (token: string, body: Record<string, unknown>) => call(server.url, '/instant_key_app/phones/register', { token, body });

  it('registers a key only with its own signature over a live challenge of this session, each challenge once', async () => {
    const { identityId, url } = await stay('Pat', '2026-01-05T00:00:00Z');
    const token = await open(url);
    const holder = newHolder(true);
    const other = newHolder();

    expect((await register(token, { public_key: holder.publicKey })).status).toBe(400); // no proof at all
    const challenge = await challengeOf(token);
    const wrongKey = await register(token, { public_key: holder.publicKey, challenge, signature: await signed(other, challenge, token) });
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.body).toMatchObject({ ok: false, error: { type: 'invalid_input', validation_errors: { signature: { _errors: [expect.any(String)] } } } });
    // That challenge is used up, even by a correct signature now.
    const reused = await register(token, { public_key: holder.publicKey, challenge, signature: await signed(holder, challenge, token) });
    expect(reused.body).toMatchObject({ ok: false, error: { type: 'invalid_input', validation_errors: { challenge: { _errors: [expect.any(String)] } } } });

    const expiring = await challengeOf(token);
    nowMs += registrationChallengeLifetimeMs;
    try {
      expect((await register(token, { public_key: holder.publicKey, challenge: expiring, signature: await signed(holder, expiring, token) })).status).toBe(400);
    } finally {
      nowMs = Date.UTC(2026, 0, 1);
    }
    expect(await activePhones(identityId)).toBe(0);

    const fresh = await challengeOf(token);
    const ok = await register(token, { public_key: holder.publicKey, challenge: fresh, signature: await signed(holder, fresh, token) });
    expect(ok.status).toBe(200);
    const credential = parseCredential(new Uint8Array(Buffer.from((ok.body['bundle'] as { credentials: { credential: string }[] }).credentials[0]!.credential, 'base64url')));
    expect(equalBytes(credential.claims.holderKey, holder.compressedKey)).toBe(true);
    expect((await register(token, { public_key: holder.publicKey, challenge: fresh, signature: await signed(holder, fresh, token) })).status).toBe(400); // replay
  });

  it('a challenge and proof from one session are worthless in another', async () => {
    const a = await open((await stay('Ann', '2026-01-05T00:00:00Z')).url);
    const b = await open((await stay('Ben', '2026-01-05T00:00:00Z')).url);
    const holder = newHolder();
    const challengeOfA = await challengeOf(a);
    // Signed for A, sent on B; and signed for B (the attacker holds the key but took A's challenge).
    expect((await register(b, { public_key: holder.publicKey, challenge: challengeOfA, signature: await signed(holder, challengeOfA, a) })).status).toBe(400);
    const challengeOfA2 = await challengeOf(a);
    expect((await register(b, { public_key: holder.publicKey, challenge: challengeOfA2, signature: await signed(holder, challengeOfA2, b) })).status).toBe(400);
    // A's own challenge, signed for B's token, on A: the signature binds the session token.
    const challengeOfA3 = await challengeOf(a);
    expect((await register(a, { public_key: holder.publicKey, challenge: challengeOfA3, signature: await signed(holder, challengeOfA3, b) })).status).toBe(400);
    expect((await registerPhone(server.url, a, holder)).status).toBe(200);
  });
});
