/**
 * The SDK's calls to the key server, with a client-session token (from `client_sessions/create`
 * on the app's back end, or an Instant Key link's `open`): a registration challenge, the phone's
 * registration with proof of possession of its holder key (src/phone/registration-proof.ts), and
 * sync. A refusal is trusted only when it is the server's own: not redirected, 4xx, a JSON Seam error
 * envelope whose `type` is in the shared table with that status (as the web app checks:
 * src/web/api.ts `serverRefusal`); anything else (offline, a proxy's 502, a captive portal) is
 * `network_unavailable`, and the stored keys stay.
 */
import { registrationSignedBytes } from '../phone/registration-proof.ts';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import { errorCodes, type ErrorCode } from '../protocol/errors.ts';
import type { HolderSigner } from '../protocol/unlock/phone-exchange.ts';
import { fromBase64Url, toBase64Url } from '../web/base64url.ts';
import type { Bundle } from './bundle.ts';
import { PhoneError } from './errors.ts';

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  redirected: boolean;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}>;

export interface ApiClientOptions {
  endpoint: string;
  token: string;
  fetch: FetchLike;
  timeoutMs: number;
}

function refusalCode(status: number, redirected: boolean, contentType: string | null, json: unknown): { code: ErrorCode; message: string } | undefined {
  if (redirected || status < 400 || status > 499) return undefined;
  if (contentType === null || !/^application\/json\b/i.test(contentType.trim())) return undefined;
  const body = json as { ok?: unknown; error?: { type?: unknown; message?: unknown } } | undefined;
  if (typeof body !== 'object' || body === null || body.ok !== false || typeof body.error !== 'object' || body.error === null) return undefined;
  const { type, message } = body.error;
  if (typeof type !== 'string' || !Object.hasOwn(errorCodes, type) || errorCodes[type as ErrorCode].http !== status) return undefined;
  return { code: type as ErrorCode, message: typeof message === 'string' ? message : `HTTP ${status}` };
}

export class ApiClient {
  private readonly options: ApiClientOptions;
  constructor(options: ApiClientOptions) {
    if (!/^https?:\/\//i.test(options.endpoint)) throw new PhoneError('invalid_input', `endpoint must be an http(s) URL, got ${JSON.stringify(options.endpoint)}`);
    if (options.token.length === 0) throw new PhoneError('unauthorized', 'a client session token is required');
    this.options = { ...options, endpoint: options.endpoint.replace(/\/+$/, '') };
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    const { endpoint, token, fetch, timeoutMs } = this.options;
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await fetch(`${endpoint}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new PhoneError('network_unavailable', `${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const json = (await response.json().catch(() => undefined)) as ({ ok?: boolean } & T) | undefined;
    if (response.ok && !response.redirected && json?.ok === true) return json;
    const refusal = refusalCode(response.status, response.redirected, response.headers.get('content-type'), json);
    if (refusal === undefined) throw new PhoneError('network_unavailable', `${path}: HTTP ${response.status}${response.redirected ? ' (redirected)' : ''}: not an answer from the key server`);
    throw new PhoneError(refusal.code, `${path}: ${refusal.message}`, response.status);
  }

  /** Registers the holder key (challenge, then the key's own signature over it): the phone and its first bundle. */
  async register(holder: HolderSigner, crypto: CryptoProvider, displayName: string, deviceType: 'ios_phone' | 'android_phone'): Promise<{ deviceId: string; bundle: Bundle }> {
    const { challenge } = await this.post<{ challenge: string }>('/instant_key_app/phones/challenge', {});
    const signed = registrationSignedBytes(crypto, { challenge: fromBase64Url(challenge), sessionToken: this.options.token, holderPublicKey: holder.publicKey });
    const signature = await holder.sign(signed);
    const answer = await this.post<{ phone: { device_id: string }; bundle: Bundle }>('/instant_key_app/phones/register', {
      public_key: toBase64Url(holder.publicKey), challenge, signature: toBase64Url(signature), display_name: displayName, device_type: deviceType,
    });
    return { deviceId: answer.phone.device_id, bundle: answer.bundle };
  }

  async sync(deviceId: string): Promise<Bundle> {
    return (await this.post<{ bundle: Bundle }>('/instant_key_app/sync', { device_id: deviceId })).bundle;
  }
}
