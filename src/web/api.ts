/**
 * The Instant Key app's calls to the API server (docs/API.md, "Instant Key app endpoints"):
 * open the link for a client session, register this browser's holder key as a phone, sync the
 * credential bundle, and upload queued audit records (src/web/audit-queue.ts). Same origin as the
 * page. What it got is kept in IndexedDB per link, so a reload (or a flaky network) keeps the keys.
 */
import { registrationSignedBytes } from '../phone/registration-proof.ts';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import { errorCodes, type ErrorCode } from '../protocol/errors.ts';
import type { HolderSigner } from '../protocol/unlock/phone-exchange.ts';
import { storeDelete, storeGet, storePut } from './store.ts';
import { fromBase64Url, toBase64Url } from './base64url.ts';
import type { Customization } from './branding.ts';
import { openedChallengeTiming, openedTokenTiming } from './shell.ts';

export interface Bundle {
  device_id: string;
  user_identity_id: string;
  credentials: { credential_id: string; access_grant_id: string; acs_entrance_ids: string[]; expires_at: string; credential: string }[];
  /** `is_shared`: a door other guests use too (lobby, lift, gym); absent from bundles stored by older versions. */
  lock_certificates: { acs_entrance_id: string; display_name: string; lock_id: string; certificate: string; is_shared?: boolean }[];
  /** Per door: a reset the lock may have missed (administration key), then its current update. */
  lock_updates: { acs_entrance_id: string; epoch: number; version: number; update: string }[];
  trusted_issuers: { kid: string; algorithm: 'EdDSA' | 'ES256'; public_key: string }[];
  /** Lock-administration keys: what verifies resets and time syncs. */
  update_keys: { kid: string; algorithm: 'EdDSA' | 'ES256'; public_key: string }[];
  /** The workspace's look (absent from bundles stored by older versions). */
  customization?: Customization;
}

export interface LinkSession {
  token: string;
  deviceId: string;
  bundle: Bundle;
}

/** A refusal from the API (e.g. the link was revoked or expired: 404). */
export class ApiRefusal extends Error {
  readonly status: number;
  readonly type: string;
  /** The call that was refused: 'open', 'register' or 'sync'. */
  step: LinkStep = 'open';
  constructor(status: number, type: string, message: string) {
    super(message);
    this.name = 'ApiRefusal';
    this.status = status;
    this.type = type;
  }
}

export type LinkStep = 'open' | 'register' | 'sync';

async function step<T>(name: LinkStep, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ApiRefusal) error.step = name;
    throw error;
  }
}

/**
 * An answer that is not our server's (a captive portal's login page, a proxy's 502/503/504, a
 * redirect, a body that is not JSON): the network is in the way, so the page acts as offline —
 * keeps the stored keys and retries — and never as if the server had refused.
 */
export class NotOurAnswer extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'NotOurAnswer';
    this.status = status;
  }
}

/** What the page saw of an HTTP answer, for `serverRefusal`. */
export interface AnswerSeen {
  status: number;
  /** The fetch followed a redirect (a captive portal's 302 to its login page). */
  redirected: boolean;
  contentType: string | null;
  /** The parsed body, undefined when it is not JSON. */
  json: unknown;
}

/**
 * The refusal in an answer, when it is one the latchkey server gave; undefined when the answer must
 * be treated as the network failing. Trusted only: not redirected, a 4xx status, a JSON body in the
 * Seam error envelope (`{ error: { type, message }, ok: false }`) whose `type` is in the shared error
 * table (src/protocol/errors.ts) with that very HTTP status. A 5xx (a gateway's, or our own crash) is
 * never a refusal: retrying later may work, and nothing stored is dropped for it.
 */
export function serverRefusal(answer: AnswerSeen): { type: string; message: string } | undefined {
  if (answer.redirected || answer.status < 400 || answer.status > 499) return undefined;
  if (answer.contentType === null || !/^application\/json\b/i.test(answer.contentType.trim())) return undefined;
  const body = answer.json as { ok?: unknown; error?: { type?: unknown; message?: unknown } } | undefined;
  if (typeof body !== 'object' || body === null || body.ok !== false || typeof body.error !== 'object' || body.error === null) return undefined;
  const { type, message } = body.error;
  if (typeof type !== 'string' || !Object.hasOwn(errorCodes, type)) return undefined;
  if (errorCodes[type as ErrorCode].http !== answer.status) return undefined;
  return { type, message: typeof message === 'string' ? message : `HTTP ${answer.status}` };
}

async function post<T>(path: string, body: unknown, token?: string, timeoutMs?: number): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    ...(timeoutMs !== undefined ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
  });
  const json = (await response.json().catch(() => undefined)) as ({ ok?: boolean } & T) | undefined;
  if (response.ok && !response.redirected && json?.ok === true) return json;
  const refusal = serverRefusal({ status: response.status, redirected: response.redirected, contentType: response.headers.get('content-type'), json });
  if (refusal === undefined) throw new NotOurAnswer(response.status, `HTTP ${response.status}${response.redirected ? ' (redirected)' : ''}: not an answer from the key server`);
  throw new ApiRefusal(response.status, refusal.type, refusal.message);
}

/** Where this browser keeps a link's session (one per link path). */
const linkKey = (instantKeyUrl: string): string => `link:${new URL(instantKeyUrl).pathname}`;
/** A first visit's session token, kept until its registration is answered (a lost answer is retried on it). */
const pendingKey = (instantKeyUrl: string): string => `pending:${new URL(instantKeyUrl).pathname}`;

/**
 * Registers this browser's holder key: a fresh server challenge signed by the key itself
 * (src/phone/registration-proof.ts), so the server knows the page holds the key it registers.
 */
async function registerHolder(token: string, holder: HolderSigner, crypto: CryptoProvider, given?: string) {
  const challenge = given ?? (await post<{ challenge: string }>('/instant_key_app/phones/challenge', {}, token, firstVisitTimeoutMs)).challenge;
  const message = registrationSignedBytes(crypto, { challenge: fromBase64Url(challenge), sessionToken: token, holderPublicKey: holder.publicKey });
  const signature = await holder.sign(message);
  return post<{ phone: { device_id: string }; bundle: Bundle }>(
    '/instant_key_app/phones/register',
    {
      public_key: toBase64Url(holder.publicKey), challenge, signature: toBase64Url(signature),
      display_name: 'Web browser', device_type: /android/i.test(navigator.userAgent) ? 'android_phone' : 'ios_phone',
    },
    token,
    firstVisitTimeoutMs,
  );
}

const syncOf = (stored: LinkSession, timeoutMs?: number) => step('sync', post<{ bundle: Bundle }>('/instant_key_app/sync', { device_id: stored.deviceId }, stored.token, timeoutMs));

/**
 * What the server sent with this page when it opened the link for a first visit (src/web/serve.ts,
 * `PageExtras.opened`): the link's session token and a fresh registration challenge, as Server-Timing
 * entries of the navigation. Absent when the page came from the service worker's cache.
 */
export function openedWithPage(): { token: string; challenge: string } | undefined {
  const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  const timing = navigation?.serverTiming ?? [];
  const token = timing.find((entry) => entry.name === openedTokenTiming)?.description;
  const challenge = timing.find((entry) => entry.name === openedChallengeTiming)?.description;
  return token && challenge ? { token, challenge } : undefined;
}

/**
 * A first visit's calls (open, phones/challenge, phones/register, and the wait for the boot script's
 * register) each give up after this: a stalled network (lie-fi) gets "check your connection" and a
 * retry, not an endless "Loading your keys…". A register that did reach the server is harmless to
 * repeat (the server gives the same key its phone back).
 */
export const firstVisitTimeoutMs = 10_000;

/** What the boot script's register call answered (`window.__lkBoot`, src/web/boot.ts). */
export interface BootAnswer {
  token: string;
  status: number;
  json: unknown;
}

/** The boot script's registration, once it settled (undefined: it had nothing to do, failed, or is stalled past `timeoutMs`). */
export async function bootRegistration(timeoutMs = firstVisitTimeoutMs): Promise<BootAnswer | undefined> {
  const boot = (globalThis as { __lkBoot?: Promise<BootAnswer | undefined> }).__lkBoot;
  if (boot === undefined) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Stalled: treated as lost (registerLink then registers on the same session with a fresh challenge).
  const stalled = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
  try {
    return await Promise.race([boot, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * First visit on this browser: register the holder key. When the page came with the link opened,
 * that is one round trip (phones/register); if that answer is lost or refused (a used challenge),
 * a fresh challenge and register on the same session (kept in IndexedDB until answered, so a reload
 * after a lost answer retries on it: the server gives the same key its phone back); otherwise open,
 * challenge and register as before, so a refusal says why from `open`.
 */
export async function registerLink(instantKeyUrl: string, holder: HolderSigner, crypto: CryptoProvider, boot?: BootAnswer): Promise<Bundle> {
  const key = linkKey(instantKeyUrl);
  const opened = openedWithPage();
  let registered: { token: string; phone: { device_id: string }; bundle: Bundle } | undefined;
  const booted = boot?.json as { ok?: boolean; phone?: { device_id: string }; bundle?: Bundle } | undefined;
  if (boot !== undefined && boot.status === 200 && booted?.ok === true && booted.phone !== undefined && booted.bundle !== undefined) {
    // The boot script (src/web/boot.ts) registered while the bundle was still arriving.
    registered = { token: boot.token, phone: booted.phone, bundle: booted.bundle };
  } else {
    // The session this browser registers on: the page's, else one kept from an earlier try whose
    // answer may have been lost (the server then has this key's phone, and `open` refuses a used-up
    // max_use_count link, so only that token gets the phone back: registering is idempotent per key).
    const token = opened?.token ?? (await storeGet<string>(pendingKey(instantKeyUrl)));
    if (token !== undefined) {
      await storePut(pendingKey(instantKeyUrl), token);
      const attempt = (challenge?: string) =>
        registerHolder(token, holder, crypto, challenge).then(
          (answer) => ({ token, ...answer }),
          (error: unknown) => {
            if (error instanceof ApiRefusal) return undefined;
            throw error;
          },
        );
      if (opened !== undefined && boot === undefined) registered = await attempt(opened.challenge);
      // The page's challenge is used (the boot script's register reached the server, its answer did
      // not) or absent: a fresh one on the same session.
      registered ??= await attempt();
    }
  }
  if (registered === undefined) {
    const { client_session_token: token } = await step('open', post<{ client_session_token: string }>('/instant_key_app/open', { instant_key_url: instantKeyUrl }, undefined, firstVisitTimeoutMs));
    registered = { token, ...(await step('register', registerHolder(token, holder, crypto))) };
  }
  await storePut(key, { token: registered.token, deviceId: registered.phone.device_id, bundle: registered.bundle });
  await storeDelete(pendingKey(instantKeyUrl));
  return registered.bundle;
}

/**
 * Syncs a registered link (`timeoutMs` bounds each call: a page showing stored keys does not wait
 * on lie-fi). Resolves with the fresh bundle (stored), or throws: an ApiRefusal when this device was
 * removed or the link is gone (the stored keys are then deleted; `step` says which), anything else
 * when the network failed (the stored keys stay). Only our server's own refusal is an ApiRefusal
 * (`serverRefusal`): a captive portal's 404 page, a proxy's 503, a redirect are the network failing.
 * A session idle past its deadline (401) is woken by opening the link again, then synced once more.
 */
export async function syncLink(instantKeyUrl: string, stored: LinkSession, timeoutMs?: number): Promise<Bundle> {
  const key = linkKey(instantKeyUrl);
  try {
    let synced: { bundle: Bundle };
    try {
      synced = await syncOf(stored, timeoutMs);
    } catch (error) {
      if (!(error instanceof ApiRefusal) || error.status !== 401) throw error;
      // Opening a live link moves its session's idle deadline on; a dead link answers 404 below.
      await post('/instant_key_app/open', { instant_key_url: instantKeyUrl }, undefined, timeoutMs).catch(() => undefined);
      synced = await syncOf(stored, timeoutMs);
    }
    await storePut(key, { ...stored, bundle: synced.bundle });
    return synced.bundle;
  } catch (error) {
    if (error instanceof ApiRefusal && (error.status === 404 || error.status === 401)) {
      // This device was deactivated (or the link revoked): its stored keys are dead, forget them.
      await storeDelete(key);
      // Which is it: the link itself is gone (revoked, expired), or only this device was removed?
      const linkGone = await post('/instant_key_app/open', { instant_key_url: instantKeyUrl }).then(
        () => undefined,
        (openError: unknown) => (openError instanceof ApiRefusal && (openError.status === 404 || openError.status === 401) ? openError : undefined),
      );
      if (linkGone !== undefined) throw Object.assign(linkGone, { step: 'open' as const });
    }
    throw error;
  }
}

/**
 * The bundle for this link on this browser: sync when registered before, else register.
 * `source` says where it came from; 'stored' means the network failed and the last copy is used.
 */
export async function loadBundle(instantKeyUrl: string, holder: HolderSigner, crypto: CryptoProvider, timeoutMs?: number): Promise<{ bundle: Bundle; source: 'registered' | 'synced' | 'stored' }> {
  const stored = await storeGet<LinkSession>(linkKey(instantKeyUrl));
  if (stored === undefined) return { bundle: await registerLink(instantKeyUrl, holder, crypto), source: 'registered' };
  try {
    return { bundle: await syncLink(instantKeyUrl, stored, timeoutMs), source: 'synced' };
  } catch (error) {
    if (error instanceof ApiRefusal) throw error;
    return { bundle: stored.bundle, source: 'stored' }; // offline: the keys we have still open doors
  }
}

/** This link's stored session on this browser (token, phone id, last bundle), if it registered. */
export async function storedLinkSession(instantKeyUrl: string): Promise<LinkSession | undefined> {
  return storeGet<LinkSession>(linkKey(instantKeyUrl));
}

export interface AuditUploadAnswer {
  results: { id: string; result: 'stored' | 'duplicate' | 'refused'; verified_by_lock?: boolean; error_code?: string }[];
  dropped_total: number;
}

/** `POST /instant_key_app/audit` as this link's phone; undefined when this browser has no session for the link. */
export async function uploadAudit(instantKeyUrl: string, body: { records: unknown[]; dropped_total: number }): Promise<AuditUploadAnswer | undefined> {
  const session = await storedLinkSession(instantKeyUrl);
  if (session === undefined) return undefined;
  return post<AuditUploadAnswer>('/instant_key_app/audit', { device_id: session.deviceId, ...body }, session.token);
}
