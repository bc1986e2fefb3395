/**
 * The device side of an Instant Key: open a link (→ client session token), register a phone with
 * its P-256 holder key, and sync: credentials for every active grant of the identity bound to that
 * key (issued once per grant revision, then returned as stored), the certificates of those doors,
 * the trusted issuer keys and each door's current signed update (to carry to the lock).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { limits } from '../../protocol/limits.ts';
import { nowIso, nowS, type ServerContext } from '../context.ts';
import { invalidInput, notFound, unauthorized } from '../http/errors.ts';
import { instantKeyExpiresAt } from '../http/serialize.ts';
import { codeFromInstantKeyUrl, hashToken } from '../issuance/tokens.ts';
import type { AccessGrantRow, ClientSessionRow, CredentialRow, PhoneRow } from '../repository/index.ts';
import { customizationJson, profileForInstantKey } from './customization.ts';
import { revokeCredentials } from './revocation.ts';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const defaultLifetimeS = 365 * 86400;

/** 33-byte compressed or 65-byte uncompressed SEC1 P-256 point (base64url) → 33 bytes, on-curve checked. */
export function parseHolderKey(text: string): Uint8Array {
  const bad = (): never => {
    throw invalidInput('public_key must be a base64url P-256 point (33 or 65 bytes)', [{ path: 'public_key', message: 'not a P-256 public key' }]);
  };
  if (!/^[A-Za-z0-9_-]{1,100}={0,2}$/.test(text)) bad();
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  if (bytes.length !== 33 && bytes.length !== 65) bad();
  try {
    return p256.Point.fromBytes(bytes).toBytes(true);
  } catch {
    return bad();
  }
}

export function openInstantKey(context: ServerContext, urlOrCode: string) {
  const key = context.repo.identities.instantKeyByCodeHash(hashToken(codeFromInstantKeyUrl(urlOrCode)));
  if (key === undefined || key.revoked_at !== null) throw notFound('instant_key');
  if (instantKeyExpiresAt(context, key) <= nowIso(context)) throw notFound('instant_key (expired)');
  if (key.max_use_count !== null && key.use_count >= key.max_use_count) throw invalidInput('instant key has reached its max_use_count', [{ path: 'instant_key_url', message: 'max_use_count reached' }]);
  return key;
}

export function sessionFromToken(context: ServerContext, token: string | undefined): ClientSessionRow & { user_identity_id: string } {
  const session = token === undefined ? undefined : context.repo.identities.clientSessionByTokenHash(hashToken(token));
  if (session === undefined || session.expires_at <= nowIso(context) || session.user_identity_id === null) throw unauthorized('client session token required');
  if (context.repo.identities.getUserIdentity(session.workspace_id, session.user_identity_id) === undefined) throw unauthorized('client session identity deleted');
  return { ...session, user_identity_id: session.user_identity_id };
}

export function registerPhone(context: ServerContext, session: ClientSessionRow & { user_identity_id: string }, input: { publicKey: Uint8Array; displayName?: string | undefined; deviceType?: string | undefined }) {
  return context.repo.transaction(() => {
    const { identities } = context.repo;
    const instantKey = identities.listInstantKeys(session.workspace_id, session.user_identity_id).find((key) => key.client_session_id === session.client_session_id);
    if (instantKey !== undefined) {
      if (instantKey.max_use_count !== null && instantKey.use_count >= instantKey.max_use_count) throw invalidInput('instant key has reached its max_use_count', [{ path: 'public_key', message: 'max_use_count reached' }]);
      identities.countInstantKeyUse(instantKey.instant_key_id);
    }
    const phone: PhoneRow = {
      device_id: randomUUID(),
      workspace_id: session.workspace_id,
      user_identity_id: session.user_identity_id,
      instant_key_id: instantKey?.instant_key_id ?? null,
      public_key: input.publicKey,
      display_name: input.displayName ?? 'Instant Key phone',
      device_type: input.deviceType ?? 'ios_phone',
      created_at: nowIso(context),
      deactivated_at: null,
    };
    identities.insertPhone(phone);
    return { phone, bundle: syncBundle(context, phone) };
  });
}

export function syncPhone(context: ServerContext, session: ClientSessionRow & { user_identity_id: string }, deviceId: string) {
  return context.repo.transaction(() => {
    const phone = context.repo.identities.getPhone(session.workspace_id, deviceId);
    if (phone === undefined || phone.user_identity_id !== session.user_identity_id) throw notFound(`phone ${deviceId}`);
    return syncBundle(context, phone);
  });
}

export function deactivatePhone(context: ServerContext, workspaceId: string, deviceId: string): void {
  context.repo.transaction(() => {
    if (context.repo.identities.getPhone(workspaceId, deviceId) === undefined) throw notFound(`phone ${deviceId}`);
    context.repo.identities.deactivatePhone(deviceId, nowIso(context));
    revokeCredentials(context, context.repo.grants.liveCredentialsOfPhone(deviceId));
  });
}

/** Revokes a link: it no longer opens, and the phones that registered through it lose their credentials. */
export function revokeInstantKey(context: ServerContext, workspaceId: string, instantKeyId: string): void {
  context.repo.transaction(() => {
    const { identities, grants } = context.repo;
    if (identities.getInstantKey(workspaceId, instantKeyId) === undefined) throw notFound(`instant_key ${instantKeyId}`);
    const at = nowIso(context);
    identities.revokeInstantKey(instantKeyId, at);
    for (const phone of identities.phonesOfInstantKey(instantKeyId)) {
      identities.deactivatePhone(phone.device_id, at);
      revokeCredentials(context, grants.liveCredentialsOfPhone(phone.device_id));
    }
  });
}

function isActive(context: ServerContext, grant: AccessGrantRow): boolean {
  if (grant.ends_at !== null && grant.ends_at <= nowIso(context)) return false;
  return context.repo.grants.accessMethodsOf(grant.access_grant_id).some((method) => method.mode === 'mobile_key');
}

/** Call inside a transaction: may issue credentials. */
function syncBundle(context: ServerContext, phone: PhoneRow) {
  const { grants, directory } = context.repo;
  const held = grants.liveCredentialsOfPhone(phone.device_id);
  const credentials: CredentialRow[] = [];
  for (const grant of grants.liveGrantsOf(phone.user_identity_id)) {
    if (!isActive(context, grant)) continue;
    const current = held.filter((c) => c.access_grant_id === grant.access_grant_id && c.grant_revision === grant.revision);
    credentials.push(...(current.length > 0 ? current : issueForGrant(context, phone, grant)));
  }
  const doorIds = [...new Set(credentials.flatMap((c) => grants.doorsOfCredential(c.credential_id)))];
  const doors = doorIds.map((id) => directory.entranceById(id)!);
  return {
    device_id: phone.device_id,
    user_identity_id: phone.user_identity_id,
    credentials: credentials.map((c) => ({ credential_id: c.credential_id, access_grant_id: c.access_grant_id, acs_entrance_ids: grants.doorsOfCredential(c.credential_id), expires_at: new Date(c.expires_at_s * 1000).toISOString(), credential: b64(c.bytes) })),
    lock_certificates: doors.map((d) => ({ acs_entrance_id: d.acs_entrance_id, display_name: d.display_name, lock_id: b64(d.lock_id), certificate: b64(d.certificate) })),
    lock_updates: doors.filter((d) => d.update_bytes !== null).map((d) => ({ acs_entrance_id: d.acs_entrance_id, version: d.update_version, update: b64(d.update_bytes!) })),
    trusted_issuers: context.issuer.trusted.map((k) => ({ kid: b64(k.kid), algorithm: k.algorithm, public_key: b64(k.publicKey) })),
    customization: customizationOfPhone(context, phone),
  };
}

/** The look of the page this phone opened: its link's profile, else the workspace's (services/customization.ts). */
function customizationOfPhone(context: ServerContext, phone: PhoneRow) {
  const key = phone.instant_key_id === null ? undefined : context.repo.identities.instantKeyById(phone.instant_key_id);
  const profile = profileForInstantKey(context, key ?? { workspace_id: phone.workspace_id, customization_profile_id: null });
  return { ...(profile?.name ? { name: profile.name } : {}), ...customizationJson(context, profile) };
}

function issueForGrant(context: ServerContext, phone: PhoneRow, grant: AccessGrantRow): CredentialRow[] {
  const { grants, directory } = context.repo;
  // Anything this phone held for an older revision of the grant is dead now.
  revokeCredentials(context, grants.liveCredentialsOfPhone(phone.device_id).filter((c) => c.access_grant_id === grant.access_grant_id));
  const doors = grants.grantEntrances(grant.access_grant_id);
  const notBeforeS = Math.floor(Date.parse(grant.starts_at) / 1000);
  const expiresAtS = grant.ends_at !== null ? Math.floor(Date.parse(grant.ends_at) / 1000) : notBeforeS + defaultLifetimeS;
  const issued: CredentialRow[] = [];
  for (let i = 0; i < doors.length; i += limits.credentialDoorsMax) {
    const chunk = doors.slice(i, i + limits.credentialDoorsMax);
    const credentialId = new Uint8Array(randomBytes(16));
    const bytes = context.issuer.credential({
      subject: grant.user_identity_id,
      credentialId,
      notBeforeS,
      expiresAtS,
      issuedAtS: nowS(context),
      holderKey: phone.public_key,
      grantId: fromHex(grant.access_grant_id.replaceAll('-', '')),
      doors: chunk.map((door) => ({ lockId: directory.entranceById(door.acs_entrance_id)!.lock_id, sequence: door.door_sequence })),
    });
    const row: CredentialRow = {
      credential_id: toHex(credentialId), workspace_id: phone.workspace_id, device_id: phone.device_id, access_grant_id: grant.access_grant_id,
      grant_revision: grant.revision, bytes, expires_at_s: expiresAtS, issued_at: nowIso(context), revoked_at: null,
    };
    grants.insertCredential(row, chunk.map((door) => door.acs_entrance_id));
    issued.push(row);
  }
  return issued;
}
