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
import { inTransaction, mapInOrder, nowIso, nowS, type ServerContext } from '../context.ts';
import { invalidInput, notFound, unauthorized } from '../http/errors.ts';
import { instantKeyExpiresAt } from '../http/serialize.ts';
import { codeFromInstantKeyUrl, hashToken } from '../issuance/tokens.ts';
import type { AccessGrantRow, ClientSessionRow, CredentialRow, EntranceRow, InstantKeyRow, PhoneRow } from '../repository/index.ts';
import { customizationJson, profileForInstantKey } from './customization.ts';
import { checkActivePhonesOfLink, checkDoorRevocationAllowance, checkPhoneChangeBudget } from './phone-budget.ts';
import { doorUpdates, refreshLockUpdate, revokeCredentials } from './revocation.ts';
import { epochOf, parseLockUpdate } from '../../protocol/lock-update.ts';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const defaultLifetimeS = 365 * 86400;

/**
 * A link's client session dies when it has not been used for this long, and in any case with its
 * link (revoked, expired at its last grant's end, identity deleted, no grant left): every use checks
 * the link, and every successful use (open, register, sync, audit) moves this idle deadline on. So
 * a token copied off a phone is worth nothing once the stay is over or the link is revoked, and
 * nothing after a month of silence either; a guest who opens the link again gets the session back
 * for as long as the link lives. A month covers a phone left in a drawer between two stays of one
 * booking without making a leaked token a year-long credential (it was 365 days).
 */
export const linkSessionIdleMaxMs = 30 * 86400_000;

/** A client session with the identity it acts for and the link it was made for (none for `client_sessions/create` sessions). */
export type AppSession = ClientSessionRow & { user_identity_id: string; instantKey: InstantKeyRow | undefined };

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

/** Why a link no longer hands anything out, or undefined while it lives. */
async function linkRefusal(context: ServerContext, key: InstantKeyRow): Promise<string | undefined> {
  if (key.revoked_at !== null) return 'revoked';
  if (await context.repo.identities.getUserIdentity(key.workspace_id, key.user_identity_id) === undefined) return 'for a deleted user identity';
  if (await instantKeyExpiresAt(context, key) <= nowIso(context)) return 'expired';
  return undefined;
}

/**
 * The identity had grants and none is left that its phones may get credentials for (deleted,
 * ended, or without a mobile key). A link made before any grant (`generate_instant_key`) lives
 * by its own default expiry instead.
 */
async function grantsGone(context: ServerContext, userIdentityId: string): Promise<boolean> {
  const { grants } = context.repo;
  return await grants.hadAnyGrant(userIdentityId) && !(await grants.liveGrantsOf(userIdentityId)).some((grant) => isActive(context, grant));
}

async function touchLinkSession(context: ServerContext, clientSessionId: string): Promise<void> {
  await context.repo.identities.setClientSessionExpiry(clientSessionId, new Date(context.clock() + linkSessionIdleMaxMs).toISOString());
}

export async function openInstantKey(context: ServerContext, urlOrCode: string) {
  const key = await context.repo.identities.instantKeyByCodeHash(hashToken(codeFromInstantKeyUrl(urlOrCode)));
  if (key === undefined) throw notFound('instant_key');
  const refusal = await linkRefusal(context, key);
  if (refusal !== undefined) throw notFound(`instant_key (${refusal})`);
  // client_sessions/revoke or /delete of the link's session ends the link for the app, too.
  const session = await context.repo.identities.getClientSession(key.workspace_id, key.client_session_id);
  if (session === undefined || (session.revoked_at ?? null) !== null) throw notFound('instant_key (its client session was revoked)');
  if (key.max_use_count !== null && key.use_count >= key.max_use_count) throw invalidInput('instant key has reached its max_use_count', [{ path: 'instant_key_url', message: 'max_use_count reached' }]);
  await touchLinkSession(context, key.client_session_id);
  return key;
}

/**
 * The session of a bearer token, or 401. A link's session is refused as soon as its link is
 * revoked or expired, its identity deleted or its grants gone, whatever the session's own expiry
 * says; each accepted use moves a link session's idle deadline on. `forAudit` (the phone uploading
 * what locks answered) asks only that the link was not revoked: a guest's last unlocks may reach
 * the server after the stay has ended.
 */
export async function sessionFromToken(context: ServerContext, token: string | undefined, options: { forAudit?: boolean } = {}): Promise<AppSession> {
  const { identities } = context.repo;
  const session = token === undefined ? undefined : await identities.clientSessionByTokenHash(hashToken(token));
  if (session === undefined || session.expires_at <= nowIso(context) || session.user_identity_id === null) throw unauthorized('client session token required');
  if (await identities.getUserIdentity(session.workspace_id, session.user_identity_id) === undefined) throw unauthorized('client session identity deleted');
  const instantKey = await identities.instantKeyOfSession(session.client_session_id);
  if (instantKey !== undefined) {
    const refusal = options.forAudit
      ? (instantKey.revoked_at !== null ? 'revoked' : undefined)
      : (await linkRefusal(context, instantKey) ?? (await grantsGone(context, session.user_identity_id) ? 'without a grant left' : undefined));
    if (refusal !== undefined) throw unauthorized(`the Instant Key link of this session is ${refusal}`);
    await touchLinkSession(context, session.client_session_id);
  }
  return { ...session, user_identity_id: session.user_identity_id, instantKey };
}

/**
 * Registers the holder key as a phone of the session's identity. Idempotent per key: the same holder
 * key registering again through the same link (a retry after the answer to the first register was
 * lost on the way back: the phone cannot know it registered) gets the phone it already has — same
 * device_id, a fresh bundle — and counts no other use of `max_use_count` nor a phone change. The key
 * proved possession again (checkPossession), so only its holder gets that phone back.
 */
export function registerPhone(context: ServerContext, session: AppSession, input: { publicKey: Uint8Array; displayName?: string | undefined; deviceType?: string | undefined }) {
  return inTransaction(context, async (context) => {
    const { identities } = context.repo;
    // Read again inside the transaction: two registrations racing for the last use see each other.
    const instantKey = session.instantKey === undefined ? undefined : await identities.instantKeyById(session.instantKey.instant_key_id);
    if (instantKey !== undefined) {
      const refusal = await linkRefusal(context, instantKey);
      if (refusal !== undefined) throw unauthorized(`the Instant Key link of this session is ${refusal}`);
    }
    const linkId = instantKey?.instant_key_id ?? null;
    const already = (await identities.activePhonesOf(session.user_identity_id)).find(
      (phone) => phone.workspace_id === session.workspace_id && phone.instant_key_id === linkId && Buffer.from(phone.public_key).equals(Buffer.from(input.publicKey)),
    );
    if (already !== undefined) return { phone: already, bundle: await syncBundle(context, already) };
    if (instantKey !== undefined) {
      if (instantKey.max_use_count !== null && instantKey.use_count >= instantKey.max_use_count) throw invalidInput('instant key has reached its max_use_count', [{ path: 'public_key', message: 'max_use_count reached' }]);
      await checkActivePhonesOfLink(context, instantKey);
    }
    await checkPhoneChangeBudget(context, session.user_identity_id);
    if (instantKey !== undefined) await identities.countInstantKeyUse(instantKey.instant_key_id);
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
    await identities.insertPhone(phone);
    return { phone, bundle: await syncBundle(context, phone) };
  });
}

export function syncPhone(context: ServerContext, session: AppSession, deviceId: string) {
  return inTransaction(context, async (context) => {
    const phone = await context.repo.identities.getPhone(session.workspace_id, deviceId);
    if (phone === undefined || phone.user_identity_id !== session.user_identity_id) throw notFound(`phone ${deviceId}`);
    return syncBundle(context, phone);
  });
}

/** `byGuest`: a client session asks (the phone-change budget and the door's revocation allowance apply: services/phone-budget.ts); an API key is never refused. */
export async function deactivatePhone(context: ServerContext, workspaceId: string, deviceId: string, options: { byGuest?: boolean } = {}): Promise<void> {
  await inTransaction(context, async (context) => {
    const phone = await context.repo.identities.getPhone(workspaceId, deviceId);
    if (phone === undefined) throw notFound(`phone ${deviceId}`);
    const credentials = await context.repo.grants.liveCredentialsOfPhone(deviceId);
    if (options.byGuest === true) {
      await checkPhoneChangeBudget(context, phone.user_identity_id);
      await checkDoorRevocationAllowance(context, phone.user_identity_id, credentials); // per door: services/phone-budget.ts
    }
    await context.repo.identities.deactivatePhone(deviceId, nowIso(context), options.byGuest === true ? 'guest' : 'operator');
    await revokeCredentials(context, credentials);
  });
}

/** Revokes a link: it no longer opens, and the phones that registered through it lose their credentials. */
export async function revokeInstantKey(context: ServerContext, workspaceId: string, instantKeyId: string): Promise<void> {
  await inTransaction(context, async (context) => {
    const { identities, grants } = context.repo;
    if (await identities.getInstantKey(workspaceId, instantKeyId) === undefined) throw notFound(`instant_key ${instantKeyId}`);
    const at = nowIso(context);
    await identities.revokeInstantKey(instantKeyId, at);
    const key = (await identities.instantKeyById(instantKeyId))!;
    await identities.setClientSessionExpiry(key.client_session_id, at); // its session dies with it (sessionFromToken also checks the link)
    for (const phone of await identities.phonesOfInstantKey(instantKeyId)) {
      await identities.deactivatePhone(phone.device_id, at, 'operator');
      await revokeCredentials(context, await grants.liveCredentialsOfPhone(phone.device_id));
    }
  });
}

async function isActive(context: ServerContext, grant: AccessGrantRow): Promise<boolean> {
  if (grant.ends_at !== null && grant.ends_at <= nowIso(context)) return false;
  return (await context.repo.grants.accessMethodsOf(grant.access_grant_id)).some((method) => method.mode === 'mobile_key');
}

/**
 * Call inside a transaction: may issue credentials. Only active grants (not deleted, not ended,
 * with a mobile key) get credentials; a held credential is current while its grant revision is and
 * it was not replaced after a floor raise (services/revocation.ts), else a new one is issued.
 */
async function syncBundle(context: ServerContext, phone: PhoneRow) {
  const { grants, directory } = context.repo;
  const held = await grants.liveCredentialsOfPhone(phone.device_id);
  const credentials: CredentialRow[] = [];
  for (const grant of await grants.liveGrantsOf(phone.user_identity_id)) {
    if (!await isActive(context, grant)) continue;
    const current = held.filter((c) => c.access_grant_id === grant.access_grant_id && c.grant_revision === grant.revision && c.replaced_at === null);
    credentials.push(...(current.length > 0 ? current : await issueForGrant(context, phone, grant)));
  }
  const doors = await doorsCoveredByUpdates(context, credentials);
  return {
    device_id: phone.device_id,
    user_identity_id: phone.user_identity_id,
    credentials: await mapInOrder(credentials, async (c) => ({ credential_id: c.credential_id, access_grant_id: c.access_grant_id, acs_entrance_ids: await grants.doorsOfCredential(c.credential_id), expires_at: new Date(c.expires_at_s * 1000).toISOString(), credential: b64(c.bytes) })),
    lock_certificates: doors.map((d) => ({ acs_entrance_id: d.acs_entrance_id, display_name: d.display_name, lock_id: b64(d.lock_id), certificate: b64(d.certificate) })),
    // Per door, a reset the lock may have missed, then the current update (services/revocation.ts doorUpdates).
    lock_updates: doors.flatMap((d) => doorUpdates(d).map((update) => {
      const { update: parsed } = parseLockUpdate(update);
      return { acs_entrance_id: d.acs_entrance_id, epoch: epochOf(parsed), version: parsed.version, update: b64(update) };
    })),
    trusted_issuers: context.issuer.trusted.map((k) => ({ kid: b64(k.kid), algorithm: k.algorithm, public_key: b64(k.publicKey) })),
    update_keys: [context.secrets.lockAdmin].map((k) => ({ kid: b64(k.kid), algorithm: k.algorithm, public_key: b64(k.publicKey) })),
    customization: await customizationOfPhone(context, phone),
  };
}

/**
 * The doors of these credentials, each with a signed update whose sequence ceiling covers the
 * highest sequence the credentials hold there (re-signed when it does not): a lock raises its floor
 * on an unlock only up to the ceiling it was told, so the phone must carry one that covers its key.
 */
async function doorsCoveredByUpdates(context: ServerContext, credentials: readonly CredentialRow[]) {
  const { grants, directory } = context.repo;
  const needed = new Map<string, number>();
  for (const credential of credentials) {
    for (const door of await grants.credentialDoors(credential.credential_id)) needed.set(door.acs_entrance_id, Math.max(needed.get(door.acs_entrance_id) ?? 0, door.door_sequence));
  }
  const doors: EntranceRow[] = [];
  for (const [entranceId, sequence] of needed) {
    const door = (await directory.entranceById(entranceId))!;
    if (door.update_bytes !== null && door.update_ceiling >= sequence) {
      doors.push(door);
      continue;
    }
    await refreshLockUpdate(context, entranceId);
    doors.push((await directory.entranceById(entranceId))!);
  }
  return doors;
}

/** The look of the page this phone opened: its link's profile, else the workspace's (services/customization.ts). */
async function customizationOfPhone(context: ServerContext, phone: PhoneRow) {
  const key = phone.instant_key_id === null ? undefined : await context.repo.identities.instantKeyById(phone.instant_key_id);
  const profile = await profileForInstantKey(context, key ?? { workspace_id: phone.workspace_id, customization_profile_id: null });
  return { ...(profile?.name ? { name: profile.name } : {}), ...customizationJson(context, profile) };
}

async function issueForGrant(context: ServerContext, phone: PhoneRow, grant: AccessGrantRow): Promise<CredentialRow[]> {
  const { grants, directory } = context.repo;
  // Anything this phone held for an older revision of the grant is dead now. Credentials replaced
  // after a floor raise are not revoked: they are dead at that door by floor and elsewhere grant
  // what the replacement grants to the same key (revoking them would only fill other doors' lists).
  // Ones replaced because the window only widened are not revoked either (services/grants.ts updateGrant).
  await revokeCredentials(context, (await grants.liveCredentialsOfPhone(phone.device_id)).filter((c) => c.access_grant_id === grant.access_grant_id && c.grant_revision !== grant.revision && c.replaced_at === null));
  const doors = await grants.grantEntrances(grant.access_grant_id);
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
      doors: await mapInOrder(chunk, async (door) => ({ lockId: (await directory.entranceById(door.acs_entrance_id))!.lock_id, sequence: door.door_sequence })),
    });
    const row: CredentialRow = {
      credential_id: toHex(credentialId), workspace_id: phone.workspace_id, device_id: phone.device_id, access_grant_id: grant.access_grant_id,
      grant_revision: grant.revision, bytes, expires_at_s: expiresAtS, issued_at: nowIso(context), revoked_at: null, replaced_at: null,
    };
    await grants.insertCredential(row, chunk.map((door) => ({ acs_entrance_id: door.acs_entrance_id, door_sequence: door.door_sequence })));
    issued.push(row);
  }
  return issued;
}
