/**
 * Test helpers: an in-memory server on an ephemeral loopback port, a raw JSON client, and a
 * validator that checks a response body against the @seamapi/types OpenAPI document (with the two
 * OpenAPI-3.0 fix-ups ajv needs: `nullable` without `type`, boolean `exclusiveMinimum`).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { openapi } from '@seamapi/types/connect';
import { p256 } from '@noble/curves/nist.js';
import { registrationSignedBytes } from '../../src/phone/registration-proof.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { radioDefaults } from '../../src/radio/options.ts';
import { startServer, type RunningServer, type StartServerOptions } from '../../src/server/index.ts';
import type { VirtualDoor } from '../../src/server/virtual-property.ts';

export async function startTestServer(options: StartServerOptions = {}): Promise<RunningServer> {
  return startServer({ port: 0, dbPath: ':memory:', logLevel: 'silent', ...options });
}

/**
 * A server on its own virtual radio's clock (credential times and lock time agree), with its doors
 * by name, and `grant` making a two-day mobile-key stay for a new identity on those doors.
 */
export async function startRadioClockServer(options: StartServerOptions = {}): Promise<{
  server: RunningServer;
  doors: Map<string, VirtualDoor>;
  grant(userName: string, doorNames: string[]): Promise<{ access_grant_id: string; instant_key_url: string }>;
}> {
  let clockSource: (() => number) | undefined;
  const server = await startTestServer({ ...options, clock: () => (clockSource ? clockSource() : radioDefaults.epochMs) });
  const radio = server.property.radio;
  clockSource = () => radio.now();
  const doors = new Map<string, VirtualDoor>();
  for (const door of server.property.doors.values()) doors.set(door.name, door);
  const grant = async (userName: string, doorNames: string[]) => {
    const now = radio.now();
    const response = await call(server.url, '/access_grants/create', {
      token: server.apiKey!,
      body: {
        user_identity: { full_name: userName },
        acs_entrance_ids: doorNames.map((name) => doors.get(name)!.acsEntranceId),
        requested_access_methods: [{ mode: 'mobile_key' }],
        starts_at: new Date(now - 3600_000).toISOString(),
        ends_at: new Date(now + 2 * 86400_000).toISOString(),
      },
    });
    if (response.status !== 200) throw new Error(`grant failed: ${JSON.stringify(response.body)}`);
    return response.body['access_grant'] as { access_grant_id: string; instant_key_url: string };
  };
  return { server, doors, grant };
}

export interface RawResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function call(url: string, path: string, options: { token?: string; body?: unknown; method?: string; rawBody?: string; contentType?: string } = {}): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${url}${path}`, { method: options.method ?? 'POST', headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { unparsed: text };
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

function fixUp(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fixUp);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = fixUp(value);
  if (out['nullable'] === true && out['type'] === undefined) delete out['nullable'];
  if (typeof out['exclusiveMinimum'] === 'boolean') {
    if (out['exclusiveMinimum'] && typeof out['minimum'] === 'number') out['exclusiveMinimum'] = out['minimum'];
    else delete out['exclusiveMinimum'];
    if (typeof out['exclusiveMinimum'] === 'number') delete out['minimum'];
  }
  return out;
}

type OpenApi = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>; components: unknown };

export function createResponseValidator(): (path: string, method: string, body: unknown) => string | undefined {
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
  const ajv = new Ajv({ strict: false, discriminator: true, allErrors: true });
  addFormats(ajv);
  const document = fixUp(openapi) as OpenApi;
  ajv.addSchema({ $id: 'seam', components: document.components });
  const compiled = new Map<string, ValidateFunction>();
  return (path, method, body) => {
    const key = `${method.toLowerCase()} ${path}`;
    let validate = compiled.get(key);
    if (validate === undefined) {
      const operation = document.paths[path]?.[method.toLowerCase()];
      const schema = operation?.responses['200']?.content?.['application/json']?.schema;
      if (schema === undefined) return `no schema for ${key}`;
      const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"seam#/components/')) as object;
      validate = ajv.compile(rebased);
      compiled.set(key, validate);
    }
    if (validate(body)) return undefined;
    return `${key}: ${ajv.errorsText(validate.errors)}`;
  };
}

/** A fresh P-256 public key, base64url (uncompressed 65 bytes unless `compressed`). */
export function newHolderKey(compressed = false): string {
  return Buffer.from(p256.getPublicKey(p256.utils.randomSecretKey(), compressed)).toString('base64url');
}

/** A holder key a test phone keeps: the public key as sent (`publicKey`, uncompressed unless `compressed`) and an ES256 signer. */
export interface TestHolder {
  publicKey: string;
  compressedKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export function newHolder(compressed = false): TestHolder {
  const secret = p256.utils.randomSecretKey();
  const crypto = createNodeProvider();
  return {
    publicKey: Buffer.from(p256.getPublicKey(secret, compressed)).toString('base64url'),
    compressedKey: p256.getPublicKey(secret, true),
    sign: (message) => crypto.sign('ES256', secret, message),
  };
}

/**
 * Registers a phone as the Instant Key app does: asks for a challenge, signs it with the holder
 * key (src/phone/registration-proof.ts), posts `phones/register`. Returns the register response
 * (or the challenge response when that failed).
 */
export async function registerPhone(url: string, token: string, holder: { publicKey: string; compressedKey: Uint8Array; sign: TestHolder['sign'] }, extra: Record<string, unknown> = {}): Promise<RawResponse> {
  const issued = await call(url, '/instant_key_app/phones/challenge', { token, body: {} });
  if (issued.status !== 200) return issued;
  const challenge = issued.body['challenge'] as string;
  const message = registrationSignedBytes(createNodeProvider(), { challenge: new Uint8Array(Buffer.from(challenge, 'base64url')), sessionToken: token, holderPublicKey: holder.compressedKey });
  const signature = Buffer.from(await holder.sign(message)).toString('base64url');
  return call(url, '/instant_key_app/phones/register', { token, body: { public_key: holder.publicKey, challenge, signature, ...extra } });
}
