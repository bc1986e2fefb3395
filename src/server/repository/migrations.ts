/**
 * Versioned schema migrations. Each entry runs once, in order, inside one transaction together
 * with the bump of `PRAGMA user_version`, so a crash mid-migration leaves the previous version.
 * Never edit a shipped migration: append a new one.
 *
 * Rows are soft-deleted (`deleted_at`) where revocation needs history: a deleted grant's
 * credentials must still be found to revoke them, and ids must never be reused.
 */

export interface Migration {
  version: number;
  sql: string;
  /**
   * Runs before `sql` on a database that still needs this migration: a message naming what stands in
   * the way (rows the new constraint would refuse) stops the server from starting, with nothing
   * changed; the operator fixes the rows and starts again. Never deletes or rewrites rows itself.
   */
  precheck?: (db: MigrationDatabase) => string | undefined;
}

/** The part of better-sqlite3 a precheck reads with (kept minimal so this file stays free of the driver). */
export interface MigrationDatabase {
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
}

/** Live spaces of one workspace sharing a `space_key` (migration 8 makes such keys unique). */
export function duplicateSpaceKeys(db: MigrationDatabase): string | undefined {
  const rows = db.prepare(
    `SELECT workspace_id, space_key, group_concat(space_id, ', ') AS space_ids, count(*) AS n FROM spaces
     WHERE deleted_at IS NULL AND space_key IS NOT NULL GROUP BY workspace_id, space_key HAVING count(*) > 1 ORDER BY workspace_id, space_key`,
  ).all() as { workspace_id: string; space_key: string; space_ids: string }[];
  if (rows.length === 0) return undefined;
  const listed = rows.map((row) => `workspace ${row.workspace_id}: space_key ${JSON.stringify(row.space_key)} is held by spaces ${row.space_ids}`);
  return `migration 8 makes space_key unique among a workspace's live spaces, and these keys are shared: ${listed.join('; ')}. ` +
    'Give all but one of each a new space_key (spaces/update) or delete the extra spaces with the previous latchkey version, then start again (nothing was changed).';
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE workspaces (
  workspace_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  company_name TEXT NOT NULL,
  is_sandbox INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE api_keys (
  key_hash TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  created_at TEXT NOT NULL
);
CREATE TABLE acs_systems (
  acs_system_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  connected_account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  time_zone TEXT,
  created_at TEXT NOT NULL
);
CREATE TABLE acs_entrances (
  acs_entrance_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  acs_system_id TEXT NOT NULL REFERENCES acs_systems(acs_system_id),
  display_name TEXT NOT NULL,
  is_shared INTEGER NOT NULL,
  lock_id BLOB NOT NULL UNIQUE,
  certificate BLOB NOT NULL,
  door_sequence INTEGER NOT NULL DEFAULT 1,
  update_version INTEGER NOT NULL DEFAULT 0,
  update_bytes BLOB,
  created_at TEXT NOT NULL
);
CREATE INDEX acs_entrances_workspace ON acs_entrances(workspace_id, created_at);
CREATE TABLE virtual_lock_secrets (
  acs_entrance_id TEXT PRIMARY KEY REFERENCES acs_entrances(acs_entrance_id),
  signing_secret BLOB NOT NULL,
  agreement_secret BLOB NOT NULL
);
CREATE TABLE spaces (
  space_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  name TEXT NOT NULL,
  space_key TEXT,
  created_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE TABLE space_entrances (
  space_id TEXT NOT NULL REFERENCES spaces(space_id),
  acs_entrance_id TEXT NOT NULL REFERENCES acs_entrances(acs_entrance_id),
  PRIMARY KEY (space_id, acs_entrance_id)
);
CREATE TABLE user_identities (
  user_identity_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  user_identity_key TEXT,
  email_address TEXT,
  phone_number TEXT,
  full_name TEXT,
  created_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE UNIQUE INDEX user_identities_key ON user_identities(workspace_id, user_identity_key)
  WHERE user_identity_key IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX user_identities_workspace ON user_identities(workspace_id, created_at);
CREATE TABLE client_sessions (
  client_session_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  token_hash TEXT NOT NULL UNIQUE,
  user_identity_id TEXT REFERENCES user_identities(user_identity_id),
  user_identifier_key TEXT,
  customer_key TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE instant_keys (
  instant_key_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  user_identity_id TEXT NOT NULL REFERENCES user_identities(user_identity_id),
  client_session_id TEXT NOT NULL REFERENCES client_sessions(client_session_id),
  code_hash TEXT NOT NULL UNIQUE,
  customization_profile_id TEXT,
  max_use_count INTEGER,
  use_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  default_expires_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX instant_keys_identity ON instant_keys(user_identity_id, created_at);
CREATE TABLE access_grants (
  access_grant_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  user_identity_id TEXT NOT NULL REFERENCES user_identities(user_identity_id),
  instant_key_id TEXT REFERENCES instant_keys(instant_key_id),
  name TEXT,
  access_grant_key TEXT,
  reservation_key TEXT,
  starts_at TEXT NOT NULL,
  ends_at TEXT,
  revision INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE INDEX access_grants_workspace ON access_grants(workspace_id, created_at);
CREATE INDEX access_grants_identity ON access_grants(user_identity_id);
CREATE TABLE access_grant_entrances (
  access_grant_id TEXT NOT NULL REFERENCES access_grants(access_grant_id),
  acs_entrance_id TEXT NOT NULL REFERENCES acs_entrances(acs_entrance_id),
  door_sequence INTEGER NOT NULL,
  PRIMARY KEY (access_grant_id, acs_entrance_id)
);
CREATE TABLE access_grant_spaces (
  access_grant_id TEXT NOT NULL REFERENCES access_grants(access_grant_id),
  space_id TEXT NOT NULL REFERENCES spaces(space_id),
  PRIMARY KEY (access_grant_id, space_id)
);
CREATE TABLE access_methods (
  access_method_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  access_grant_id TEXT NOT NULL REFERENCES access_grants(access_grant_id),
  mode TEXT NOT NULL,
  display_name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  issued_at TEXT,
  deleted_at TEXT
);
CREATE INDEX access_methods_grant ON access_methods(access_grant_id);
CREATE TABLE phones (
  device_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  user_identity_id TEXT NOT NULL REFERENCES user_identities(user_identity_id),
  instant_key_id TEXT REFERENCES instant_keys(instant_key_id),
  public_key BLOB NOT NULL,
  display_name TEXT NOT NULL,
  device_type TEXT NOT NULL,
  created_at TEXT NOT NULL,
  deactivated_at TEXT
);
CREATE INDEX phones_identity ON phones(user_identity_id);
CREATE TABLE credentials (
  credential_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  device_id TEXT NOT NULL REFERENCES phones(device_id),
  access_grant_id TEXT NOT NULL REFERENCES access_grants(access_grant_id),
  grant_revision INTEGER NOT NULL,
  bytes BLOB NOT NULL,
  expires_at_s INTEGER NOT NULL,
  issued_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX credentials_device ON credentials(device_id);
CREATE INDEX credentials_grant ON credentials(access_grant_id);
CREATE TABLE credential_doors (
  credential_id TEXT NOT NULL REFERENCES credentials(credential_id),
  acs_entrance_id TEXT NOT NULL REFERENCES acs_entrances(acs_entrance_id),
  PRIMARY KEY (credential_id, acs_entrance_id)
);
CREATE TABLE lock_revocations (
  revocation_seq INTEGER PRIMARY KEY AUTOINCREMENT,
  acs_entrance_id TEXT NOT NULL REFERENCES acs_entrances(acs_entrance_id),
  credential_id TEXT NOT NULL REFERENCES credentials(credential_id),
  expires_at_s INTEGER NOT NULL
);
CREATE INDEX lock_revocations_entrance ON lock_revocations(acs_entrance_id, expires_at_s);
`,
  },
  {
    // Workspace customization of the Instant Key page (Seam: /workspaces/customization_profiles/*).
    version: 2,
    sql: `
CREATE TABLE customization_profiles (
  customization_profile_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  name TEXT,
  primary_color TEXT,
  secondary_color TEXT,
  logo BLOB,
  logo_type TEXT,
  logo_sha256 TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX customization_profiles_workspace ON customization_profiles(workspace_id, created_at);
`,
  },
  {
    // Audit records uploaded by phones (POST /instant_key_app/audit), served as Seam events.
    // audit_record_id is the phone's own id (re-uploads are idempotent); transcript_hash is TH2 of a
    // full-path record whose lock signature the server checked (one record per exchange).
    version: 3,
    sql: `
CREATE TABLE audit_records (
  audit_record_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  device_id TEXT NOT NULL REFERENCES phones(device_id),
  user_identity_id TEXT NOT NULL REFERENCES user_identities(user_identity_id),
  acs_entrance_id TEXT NOT NULL REFERENCES acs_entrances(acs_entrance_id),
  occurred_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  path TEXT NOT NULL,
  outcome TEXT NOT NULL,
  error_code TEXT,
  verified_by_lock INTEGER NOT NULL,
  transcript_hash TEXT UNIQUE,
  evidence TEXT
);
CREATE INDEX audit_records_workspace ON audit_records(workspace_id, created_at);
CREATE TABLE audit_uploads (
  device_id TEXT PRIMARY KEY REFERENCES phones(device_id),
  dropped_total INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
`,
  },
  {
    // Per-phone record counts (the server caps how many records one phone may have stored).
    version: 4,
    sql: `
CREATE INDEX audit_records_device ON audit_records(device_id);
`,
  },
  {
    // Issue 13: complete revocation delivery and proof of key possession.
    // - acs_entrances.sequence_floor: the supersede floor the door's signed update carries (raised
    //   when its live revocations would not fit one update); update_ceiling: the sequence ceiling of
    //   the stored update (the door's highest issued sequence when it was signed).
    // - credential_doors.door_sequence: the supersede sequence a credential holds at each door (the
    //   grant's sequence moves when a floor is raised, the credential's does not); filled from the grants.
    // - credentials.replaced_at: the credential was superseded at a door whose floor was raised; its
    //   phone gets a replacement on its next sync (it stays unrevoked: same holder, same grant).
    // - registration_challenges: single-use nonces a phone signs with its holder key to register.
    version: 5,
    sql: `
ALTER TABLE acs_entrances ADD COLUMN sequence_floor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE acs_entrances ADD COLUMN update_ceiling INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credential_doors ADD COLUMN door_sequence INTEGER NOT NULL DEFAULT 0;
UPDATE credential_doors SET door_sequence = COALESCE((
  SELECT ge.door_sequence FROM credentials c JOIN access_grant_entrances ge ON ge.access_grant_id = c.access_grant_id
  WHERE c.credential_id = credential_doors.credential_id AND ge.acs_entrance_id = credential_doors.acs_entrance_id), 0);
ALTER TABLE credentials ADD COLUMN replaced_at TEXT;
CREATE INDEX lock_revocations_credential ON lock_revocations(credential_id);
CREATE TABLE registration_challenges (
  challenge_hash TEXT PRIMARY KEY,
  client_session_id TEXT NOT NULL REFERENCES client_sessions(client_session_id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX registration_challenges_session ON registration_challenges(client_session_id, created_at);
CREATE INDEX registration_challenges_expiry ON registration_challenges(expires_at);
`,
  },
  {
    // Issue 12: update authority. acs_entrances.update_epoch: the epoch the door's routine updates
    // carry (an administration reset opens the next); admin_update: the newest reset signed offline
    // with the lock-administration key, which phones carry beside the routine update until the lock
    // has it (docs/PROTOCOL.md §8.1).
    version: 6,
    sql: `
ALTER TABLE acs_entrances ADD COLUMN update_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE acs_entrances ADD COLUMN admin_update BLOB;
`,
  },
  {
    // Issue 13: client sessions and workspaces.
    // - client_session_identities: the user identities a session acts for (Seam lets a session carry
    //   several, added with client_sessions/grant_access); filled from client_sessions.user_identity_id,
    //   which stays the session's first identity (the one the Instant Key app registers phones for).
    // - client_sessions.revoked_at / deleted_at: client_sessions/revoke and /delete; either kills the
    //   token at once (token lookups skip such sessions).
    // - api_keys: an id, a name, the first characters shown in listings, and revoked_at (api_keys/revoke).
    // - personal_access_tokens: `seam_at1_…` tokens that create workspaces (workspaces/create) and act
    //   on the workspaces they created (workspaces.created_by_token_id).
    version: 7,
    sql: `
CREATE TABLE client_session_identities (
  client_session_id TEXT NOT NULL REFERENCES client_sessions(client_session_id),
  user_identity_id TEXT NOT NULL REFERENCES user_identities(user_identity_id),
  added_at TEXT NOT NULL,
  PRIMARY KEY (client_session_id, user_identity_id)
);
CREATE INDEX client_session_identities_identity ON client_session_identities(user_identity_id);
INSERT INTO client_session_identities SELECT client_session_id, user_identity_id, created_at FROM client_sessions WHERE user_identity_id IS NOT NULL;
ALTER TABLE client_sessions ADD COLUMN revoked_at TEXT;
ALTER TABLE client_sessions ADD COLUMN deleted_at TEXT;
CREATE INDEX client_sessions_workspace ON client_sessions(workspace_id, created_at);
ALTER TABLE api_keys ADD COLUMN api_key_id TEXT;
UPDATE api_keys SET api_key_id = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));
CREATE UNIQUE INDEX api_keys_id ON api_keys(api_key_id);
ALTER TABLE api_keys ADD COLUMN name TEXT;
ALTER TABLE api_keys ADD COLUMN short_token TEXT;
ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;
CREATE INDEX api_keys_workspace ON api_keys(workspace_id, created_at);
CREATE TABLE personal_access_tokens (
  personal_access_token_id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  name TEXT,
  short_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
ALTER TABLE workspaces ADD COLUMN created_by_token_id TEXT REFERENCES personal_access_tokens(personal_access_token_id);
`,
  },
  {
    // A space_key names one live space of a workspace (spaces/get by key, access_grants/create
    // space_keys): two live spaces with one key made those lookups pick one at random. A deleted
    // space frees its key. Databases that already hold duplicates are refused before anything runs
    // (duplicateSpaceKeys names them).
    version: 8,
    precheck: duplicateSpaceKeys,
    sql: `
CREATE UNIQUE INDEX spaces_live_key ON spaces(workspace_id, space_key) WHERE deleted_at IS NULL AND space_key IS NOT NULL;
`,
  },
  {
    // Attack on issue 17 (F3): registration_challenges.source: 'page' for the challenge a first
    // visit's GET /ik/<code> hands out with the page (link previews by chat apps make those too),
    // 'api' for POST phones/challenge. Page challenges have a budget of their own and never evict.
    version: 9,
    sql: `
ALTER TABLE registration_challenges ADD COLUMN source TEXT NOT NULL DEFAULT 'api';
`,
  },
  {
    // Attack on issue 13 (budget lockout): phones.deactivated_by says who deactivated a phone:
    // 'guest' (a client session), 'operator' (an API key or PAT, a link's revocation, an identity's
    // deletion). The phone-change budget counts only the guest's (services/phone-budget.ts). Older
    // rows stay NULL and count as before.
    version: 10,
    sql: `
ALTER TABLE phones ADD COLUMN deactivated_by TEXT;
`,
  },
];
