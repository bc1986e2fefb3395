/**
 * Rows → Seam JSON resources, with every field the @seamapi/types schema requires (absent
 * nullable fields as null, `errors`/`warnings` arrays). Related ids are read through the repository.
 */
import type { ServerContext } from '../context.ts';
import { clientSessionToken, instantKeyCode } from '../issuance/tokens.ts';
import { customizationJson, profileForInstantKey } from '../services/customization.ts';
import type { AccessGrantRow, AccessMethodRow, AcsSystemRow, ClientSessionRow, EntranceRow, InstantKeyRow, PhoneRow, SpaceRow, UserIdentityRow, WorkspaceRow } from '../repository/index.ts';

export function workspaceJson(row: WorkspaceRow) {
  return {
    workspace_id: row.workspace_id,
    name: row.name,
    company_name: row.company_name,
    is_sandbox: row.is_sandbox === 1,
    is_suspended: false,
    connect_partner_name: null,
    is_publishable_key_auth_enabled: false,
    connect_webview_customization: {},
  };
}

export function acsSystemJson(row: AcsSystemRow) {
  return {
    acs_system_id: row.acs_system_id,
    workspace_id: row.workspace_id,
    name: row.name,
    created_at: row.created_at,
    is_credential_manager: false,
    location: { time_zone: row.time_zone },
    connected_account_id: row.connected_account_id,
    connected_account_ids: [row.connected_account_id],
    image_url: 'https://latchkey.invalid/lock.png',
    image_alt_text: 'Latchkey virtual lock',
    external_type_display_name: 'Latchkey',
    errors: [],
    warnings: [],
  };
}

export async function entranceJson(context: ServerContext, row: EntranceRow) {
  const system = await context.repo.directory.getAcsSystem(row.workspace_id, row.acs_system_id);
  return {
    acs_entrance_id: row.acs_entrance_id,
    acs_system_id: row.acs_system_id,
    connected_account_id: system?.connected_account_id ?? row.acs_system_id,
    display_name: row.display_name,
    created_at: row.created_at,
    space_ids: await context.repo.directory.spaceIdsOfEntrance(row.acs_entrance_id),
    can_unlock_with_mobile_key: true,
    can_unlock_with_card: false,
    can_unlock_with_code: false,
    errors: [],
  };
}

export async function spaceJson(context: ServerContext, row: SpaceRow) {
  return {
    space_id: row.space_id,
    workspace_id: row.workspace_id,
    name: row.name,
    display_name: row.name,
    created_at: row.created_at,
    device_count: 0,
    acs_entrance_count: (await context.repo.directory.entranceIdsOfSpace(row.space_id)).length,
    ...(row.space_key !== null ? { space_key: row.space_key } : {}),
  };
}

export function userIdentityJson(row: UserIdentityRow) {
  return {
    user_identity_id: row.user_identity_id,
    workspace_id: row.workspace_id,
    user_identity_key: row.user_identity_key,
    email_address: row.email_address,
    phone_number: row.phone_number,
    full_name: row.full_name,
    display_name: row.full_name ?? row.email_address ?? row.phone_number ?? row.user_identity_key ?? row.user_identity_id,
    created_at: row.created_at,
    acs_user_ids: [],
    errors: [],
    warnings: [],
  };
}

export function instantKeyUrl(context: ServerContext, instantKeyId: string): string {
  return `${context.config.publicBaseUrl}/ik/${instantKeyCode(context.secrets.tokenSecret, instantKeyId)}`;
}

/** A link expires with the last grant of its identity (or its default lifetime with no grant). */
export async function instantKeyExpiresAt(context: ServerContext, row: InstantKeyRow): Promise<string> {
  let latest: string | undefined;
  for (const grant of await context.repo.grants.liveGrantsOf(row.user_identity_id)) {
    const end = grant.ends_at ?? row.default_expires_at;
    if (latest === undefined || end > latest) latest = end;
  }
  return latest ?? row.default_expires_at;
}

export async function instantKeyJson(context: ServerContext, row: InstantKeyRow) {
  return {
    instant_key_id: row.instant_key_id,
    workspace_id: row.workspace_id,
    user_identity_id: row.user_identity_id,
    client_session_id: row.client_session_id,
    instant_key_url: instantKeyUrl(context, row.instant_key_id),
    created_at: row.created_at,
    expires_at: await instantKeyExpiresAt(context, row),
    customization: customizationJson(context, await profileForInstantKey(context, row)),
    ...(row.customization_profile_id !== null ? { customization_profile_id: row.customization_profile_id } : {}),
  };
}

export async function accessMethodJson(context: ServerContext, row: AccessMethodRow) {
  const grant = await context.repo.grants.getGrant(row.workspace_id, row.access_grant_id);
  const instantKeyId = await liveInstantKey(context, grant?.instant_key_id ?? null) ? grant!.instant_key_id : null;
  return {
    access_method_id: row.access_method_id,
    workspace_id: row.workspace_id,
    display_name: row.display_name,
    mode: row.mode,
    created_at: row.created_at,
    issued_at: row.issued_at,
    is_issued: row.issued_at !== null,
    warnings: [],
    ...(instantKeyId !== null && row.mode === 'mobile_key' ? { instant_key_url: instantKeyUrl(context, instantKeyId) } : {}),
  };
}

export async function accessGrantJson(context: ServerContext, row: AccessGrantRow) {
  const methods = await context.repo.grants.accessMethodsOf(row.access_grant_id);
  const spaceIds = await context.repo.grants.grantSpaceIds(row.access_grant_id);
  const modes = [...new Set(methods.map((m) => m.mode))];
  return {
    access_grant_id: row.access_grant_id,
    workspace_id: row.workspace_id,
    user_identity_id: row.user_identity_id,
    name: row.name,
    display_name: row.name ?? 'Access Grant',
    created_at: row.created_at,
    starts_at: row.starts_at,
    ends_at: row.ends_at,
    space_ids: spaceIds,
    location_ids: spaceIds,
    access_method_ids: methods.map((m) => m.access_method_id),
    requested_access_methods: modes.map((mode) => {
      const ofMode = methods.filter((m) => m.mode === mode);
      return { display_name: displayNameOfMode(mode), mode, created_at: ofMode[0]!.created_at, created_access_method_ids: ofMode.map((m) => m.access_method_id) };
    }),
    errors: [],
    warnings: [],
    ...(row.access_grant_key !== null ? { access_grant_key: row.access_grant_key } : {}),
    ...(row.reservation_key !== null ? { reservation_key: row.reservation_key } : {}),
    ...(await liveInstantKey(context, row.instant_key_id) ? { instant_key_url: instantKeyUrl(context, row.instant_key_id!) } : {}),
  };
}

async function liveInstantKey(context: ServerContext, instantKeyId: string | null): Promise<boolean> {
  return instantKeyId !== null && (await context.repo.identities.instantKeyById(instantKeyId))?.revoked_at === null;
}

export function displayNameOfMode(mode: string): string {
  return mode === 'mobile_key' ? 'Mobile Key' : mode === 'code' ? 'PIN Code' : 'Card';
}

export async function clientSessionJson(context: ServerContext, row: ClientSessionRow) {
  return {
    client_session_id: row.client_session_id,
    workspace_id: row.workspace_id,
    created_at: row.created_at,
    expires_at: row.expires_at,
    token: clientSessionToken(context.secrets.tokenSecret, row.client_session_id),
    user_identifier_key: row.user_identifier_key,
    device_count: await context.repo.sessions.phoneCountOfSession(row.client_session_id),
    connected_account_ids: [],
    connect_webview_ids: [],
    user_identity_ids: await context.repo.sessions.identityIdsOfSession(row.client_session_id),
    ...(row.user_identity_id !== null ? { user_identity_id: row.user_identity_id } : {}),
    ...(row.customer_key !== null ? { customer_key: row.customer_key } : {}),
  };
}

export function phoneJson(row: PhoneRow) {
  return {
    device_id: row.device_id,
    workspace_id: row.workspace_id,
    display_name: row.display_name,
    device_type: row.device_type,
    created_at: row.created_at,
    custom_metadata: {},
    errors: [],
    warnings: [],
    properties: {},
  };
}
