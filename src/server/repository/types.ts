/**
 * Row shapes the repository hands to services. Column names match the SQL (and mostly the Seam
 * JSON), times are ISO-8601 strings with `Z`, binary columns are Uint8Array. Handlers and services
 * only see these types and the `Repository` methods, never SQL.
 */

export interface WorkspaceRow {
  workspace_id: string;
  name: string;
  company_name: string;
  is_sandbox: number;
  created_at: string;
  /** The personal access token that created it (workspaces/create), if one did. */
  created_by_token_id?: string | null;
}

export interface AcsSystemRow {
  acs_system_id: string;
  workspace_id: string;
  connected_account_id: string;
  name: string;
  time_zone: string | null;
  created_at: string;
}

export interface EntranceRow {
  acs_entrance_id: string;
  workspace_id: string;
  acs_system_id: string;
  display_name: string;
  is_shared: number;
  lock_id: Uint8Array;
  certificate: Uint8Array;
  door_sequence: number;
  update_version: number;
  update_bytes: Uint8Array | null;
  created_at: string;
  /** The supersede floor the door's signed update carries. */
  sequence_floor: number;
  /** The sequence ceiling of the stored signed update. */
  update_ceiling: number;
  /** The epoch routine updates carry; an administration reset opens the next. */
  update_epoch: number;
  /** The newest administration reset (signed offline), carried by phones beside the routine update. */
  admin_update: Uint8Array | null;
}

export interface LockSecretsRow {
  acs_entrance_id: string;
  signing_secret: Uint8Array;
  agreement_secret: Uint8Array;
}

export interface SpaceRow {
  space_id: string;
  workspace_id: string;
  name: string;
  space_key: string | null;
  created_at: string;
}

export interface UserIdentityRow {
  user_identity_id: string;
  workspace_id: string;
  user_identity_key: string | null;
  email_address: string | null;
  phone_number: string | null;
  full_name: string | null;
  created_at: string;
}

export interface ClientSessionRow {
  client_session_id: string;
  workspace_id: string;
  token_hash: string;
  user_identity_id: string | null;
  user_identifier_key: string | null;
  customer_key: string | null;
  created_at: string;
  expires_at: string;
  /** client_sessions/revoke: the token stops working (the session stays listed). */
  revoked_at?: string | null;
  /** client_sessions/delete: the token stops working and the session is no longer listed. */
  deleted_at?: string | null;
}

export interface InstantKeyRow {
  instant_key_id: string;
  workspace_id: string;
  user_identity_id: string;
  client_session_id: string;
  code_hash: string;
  customization_profile_id: string | null;
  max_use_count: number | null;
  use_count: number;
  created_at: string;
  default_expires_at: string;
  revoked_at: string | null;
}

export interface CustomizationProfileRow {
  customization_profile_id: string;
  workspace_id: string;
  name: string | null;
  /** `#rrggbb` (validated on the way in: it goes into the page's CSS). */
  primary_color: string | null;
  secondary_color: string | null;
  /** The logo's media type and SHA-256 (hex), when a logo was uploaded. */
  logo_type: string | null;
  logo_sha256: string | null;
  created_at: string;
}

export interface AccessGrantRow {
  access_grant_id: string;
  workspace_id: string;
  user_identity_id: string;
  instant_key_id: string | null;
  name: string | null;
  access_grant_key: string | null;
  reservation_key: string | null;
  starts_at: string;
  ends_at: string | null;
  revision: number;
  created_at: string;
}

export interface GrantEntranceRow {
  access_grant_id: string;
  acs_entrance_id: string;
  door_sequence: number;
}

export interface AccessMethodRow {
  access_method_id: string;
  workspace_id: string;
  access_grant_id: string;
  mode: string;
  display_name: string;
  created_at: string;
  issued_at: string | null;
}

export interface PhoneRow {
  device_id: string;
  workspace_id: string;
  user_identity_id: string;
  instant_key_id: string | null;
  public_key: Uint8Array;
  display_name: string;
  device_type: string;
  created_at: string;
  deactivated_at: string | null;
  /** Who deactivated it: 'guest' (a client session) or 'operator'; null while active (and on rows older than migration 10). */
  deactivated_by?: 'guest' | 'operator' | null;
}

export interface CredentialRow {
  credential_id: string;
  workspace_id: string;
  device_id: string;
  access_grant_id: string;
  grant_revision: number;
  bytes: Uint8Array;
  expires_at_s: number;
  issued_at: string;
  revoked_at: string | null;
  /** Superseded at a door whose floor was raised: the phone gets a replacement on its next sync. */
  replaced_at: string | null;
}

export interface RevocationRow {
  credential_id: string;
  expires_at_s: number;
}

/** A door a credential opens, with the supersede sequence it holds there. */
export interface CredentialDoorRow {
  acs_entrance_id: string;
  door_sequence: number;
}

/** Offset pagination: `cursor` is opaque to clients (base64url of the offset). */
export interface PageRequest {
  limit: number;
  offset: number;
}

export interface Page<T> {
  rows: T[];
  nextOffset: number | undefined;
}

/** An unlock attempt a phone reported (POST /instant_key_app/audit); `evidence` is the checked JSON. */
export interface AuditRecordRow {
  audit_record_id: string;
  workspace_id: string;
  device_id: string;
  user_identity_id: string;
  acs_entrance_id: string;
  /** The phone's wall clock when the lock answered. */
  occurred_at: string;
  /** When the server stored it. */
  created_at: string;
  path: 'full' | 'resume';
  outcome: 'unlocked' | 'refused';
  error_code: string | null;
  /** 1 when the lock's signature over the result was checked (full path), else 0 (phone-reported). */
  verified_by_lock: number;
  transcript_hash: string | null;
  evidence: string | null;
}
