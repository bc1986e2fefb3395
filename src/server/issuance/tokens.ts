/**
 * Bearer secrets. API keys are random (`seam_lk1_…`, shown once); client-session tokens
 * (`seam_cst1_…`) and Instant Key link codes are HMACs of their row id under the server's token
 * secret, so the database stores only SHA-256 hashes and the server can still re-derive them.
 * Prefixes follow the Seam SDK's token rules (`seam_` = API key unless `seam_cst`/`seam_at`/`seam_pk`).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const apiKeyPrefix = 'seam_lk1_';
export const clientSessionTokenPrefix = 'seam_cst1_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newApiKey(): string {
  return `${apiKeyPrefix}${randomBytes(24).toString('base64url')}`;
}

function derive(secret: Uint8Array, label: string, id: string, lengthBytes: number): string {
  return createHmac('sha256', secret).update(`${label}:${id}`, 'utf8').digest().subarray(0, lengthBytes).toString('base64url');
}

export function clientSessionToken(secret: Uint8Array, clientSessionId: string): string {
  return `${clientSessionTokenPrefix}${derive(secret, 'client_session', clientSessionId, 24)}`;
}

/** 16 bytes → 22 base64url characters: unguessable, short enough for a text message. */
export function instantKeyCode(secret: Uint8Array, instantKeyId: string): string {
  return derive(secret, 'instant_key', instantKeyId, 16);
}

/** The last path segment of an Instant Key URL (or the bare code). */
export function codeFromInstantKeyUrl(value: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
