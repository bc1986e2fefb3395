/**
 * The PostgreSQL store's schema migrations, versioned like the SQLite ones (migrations.ts) but kept
 * apart: the dialects differ (BYTEA for BLOB, BIGINT for INTEGER, identity columns). Version 1 is the
 * SQLite schema at its version 10, translated, with one addition per table: `seq`, an identity column
 * that plays SQLite's rowid (insertion order, the tie-break every listing sorts by). Version 2 holds
 * the issuer's public keys every node must share (repository/postgres.ts checks them at start).
 * Each runs once, in order, in one transaction with its row in `latchkey_schema`; nodes starting
 * together serialise on an advisory lock (postgres.ts `migratePostgres`). Never edit a shipped
 * migration: append a new one.
 */

export interface PostgresMigration {
  version: number;
  sql: string;
}

export const postgresMigrations: readonly PostgresMigration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE personal_access_tokens (
        personal_access_token_id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        name TEXT,
        short_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE TABLE workspaces (
        workspace_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        company_name TEXT NOT NULL,
        is_sandbox BIGINT NOT NULL,
        created_at TEXT NOT NULL,
        created_by_token_id TEXT REFERENCES personal_access_tokens(personal_access_token_id),
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE TABLE api_keys (
        key_hash TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
        created_at TEXT NOT NULL,
        api_key_id TEXT, name TEXT, short_token TEXT, revoked_at TEXT,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE TABLE acs_systems (
        acs_system_id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
        connected_account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        time_zone TEXT,
        created_at TEXT NOT NULL,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE TABLE acs_entrances (
        acs_entrance_id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
        acs_system_id TEXT NOT NULL REFERENCES acs_systems(acs_system_id),
        display_name TEXT NOT NULL,
        is_shared BIGINT NOT NULL,
        lock_id BYTEA NOT NULL UNIQUE,
        certificate BYTEA NOT NULL,
        door_sequence BIGINT NOT NULL DEFAULT 1,
        update_version BIGINT NOT NULL DEFAULT 0,
        update_bytes BYTEA,
        created_at TEXT NOT NULL,
        sequence_floor BIGINT NOT NULL DEFAULT 0, update_ceiling BIGINT NOT NULL DEFAULT 0, update_epoch BIGINT NOT NULL DEFAULT 0, admin_update BYTEA,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE INDEX acs_entrances_workspace ON acs_entrances(workspace_id, created_at);
      CREATE TABLE virtual_lock_secrets (
        acs_entrance_id TEXT PRIMARY KEY REFERENCES acs_entrances(acs_entrance_id),
        signing_secret BYTEA NOT NULL,
        agreement_secret BYTEA NOT NULL,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE TABLE spaces (
        space_id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
        name TEXT NOT NULL,
        space_key TEXT,
        created_at TEXT NOT NULL,
        deleted_at TEXT,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE TABLE space_entrances (
        space_id TEXT NOT NULL REFERENCES spaces(space_id),
        acs_entrance_id TEXT NOT NULL REFERENCES acs_entrances(acs_entrance_id),
        PRIMARY KEY (space_id, acs_entrance_id),
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE TABLE user_identities (
        user_identity_id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
        user_identity_key TEXT,
        email_address TEXT,
        phone_number TEXT,
        full_name TEXT,
        created_at TEXT NOT NULL,
        deleted_at TEXT,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
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
        expires_at TEXT NOT NULL,
        revoked_at TEXT, deleted_at TEXT,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE TABLE instant_keys (
        instant_key_id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
        user_identity_id TEXT NOT NULL REFERENCES user_identities(user_identity_id),
        client_session_id TEXT NOT NULL REFERENCES client_sessions(client_session_id),
        code_hash TEXT NOT NULL UNIQUE,
        customization_profile_id TEXT,
        max_use_count BIGINT,
        use_count BIGINT NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        default_expires_at TEXT NOT NULL,
        revoked_at TEXT,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
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
        revision BIGINT NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        deleted_at TEXT,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE INDEX access_grants_workspace ON access_grants(workspace_id, created_at);
      CREATE INDEX access_grants_identity ON access_grants(user_identity_id);
      CREATE TABLE access_grant_entrances (
        access_grant_id TEXT NOT NULL REFERENCES access_grants(access_grant_id),
        acs_entrance_id TEXT NOT NULL REFERENCES acs_entrances(acs_entrance_id),
        door_sequence BIGINT NOT NULL,
        PRIMARY KEY (access_grant_id, acs_entrance_id),
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE TABLE access_grant_spaces (
        access_grant_id TEXT NOT NULL REFERENCES access_grants(access_grant_id),
        space_id TEXT NOT NULL REFERENCES spaces(space_id),
        PRIMARY KEY (access_grant_id, space_id),
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE TABLE access_methods (
        access_method_id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
        access_grant_id TEXT NOT NULL REFERENCES access_grants(access_grant_id),
        mode TEXT NOT NULL,
        display_name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        issued_at TEXT,
        deleted_at TEXT,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE INDEX access_methods_grant ON access_methods(access_grant_id);
      CREATE TABLE phones (
        device_id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
        user_identity_id TEXT NOT NULL REFERENCES user_identities(user_identity_id),
        instant_key_id TEXT REFERENCES instant_keys(instant_key_id),
        public_key BYTEA NOT NULL,
        display_name TEXT NOT NULL,
        device_type TEXT NOT NULL,
        created_at TEXT NOT NULL,
        deactivated_at TEXT,
        deactivated_by TEXT,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE INDEX phones_identity ON phones(user_identity_id);
      CREATE TABLE credentials (
        credential_id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
        device_id TEXT NOT NULL REFERENCES phones(device_id),
        access_grant_id TEXT NOT NULL REFERENCES access_grants(access_grant_id),
        grant_revision BIGINT NOT NULL,
        bytes BYTEA NOT NULL,
        expires_at_s BIGINT NOT NULL,
        issued_at TEXT NOT NULL,
        revoked_at TEXT,
        replaced_at TEXT,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE INDEX credentials_device ON credentials(device_id);
      CREATE INDEX credentials_grant ON credentials(access_grant_id);
      CREATE TABLE credential_doors (
        credential_id TEXT NOT NULL REFERENCES credentials(credential_id),
        acs_entrance_id TEXT NOT NULL REFERENCES acs_entrances(acs_entrance_id), door_sequence BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (credential_id, acs_entrance_id),
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE TABLE lock_revocations (
        revocation_seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        acs_entrance_id TEXT NOT NULL REFERENCES acs_entrances(acs_entrance_id),
        credential_id TEXT NOT NULL REFERENCES credentials(credential_id),
        expires_at_s BIGINT NOT NULL
      );
      CREATE INDEX lock_revocations_entrance ON lock_revocations(acs_entrance_id, expires_at_s);
      CREATE TABLE customization_profiles (
        customization_profile_id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
        name TEXT,
        primary_color TEXT,
        secondary_color TEXT,
        logo BYTEA,
        logo_type TEXT,
        logo_sha256 TEXT,
        created_at TEXT NOT NULL,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE INDEX customization_profiles_workspace ON customization_profiles(workspace_id, created_at);
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
        verified_by_lock BIGINT NOT NULL,
        transcript_hash TEXT UNIQUE,
        evidence TEXT,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE INDEX audit_records_workspace ON audit_records(workspace_id, created_at);
      CREATE TABLE audit_uploads (
        device_id TEXT PRIMARY KEY REFERENCES phones(device_id),
        dropped_total BIGINT NOT NULL,
        updated_at TEXT NOT NULL,
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE INDEX audit_records_device ON audit_records(device_id);
      CREATE INDEX lock_revocations_credential ON lock_revocations(credential_id);
      CREATE TABLE registration_challenges (
        challenge_hash TEXT PRIMARY KEY,
        client_session_id TEXT NOT NULL REFERENCES client_sessions(client_session_id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'api',
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE INDEX registration_challenges_session ON registration_challenges(client_session_id, created_at);
      CREATE INDEX registration_challenges_expiry ON registration_challenges(expires_at);
      CREATE TABLE client_session_identities (
        client_session_id TEXT NOT NULL REFERENCES client_sessions(client_session_id),
        user_identity_id TEXT NOT NULL REFERENCES user_identities(user_identity_id),
        added_at TEXT NOT NULL,
        PRIMARY KEY (client_session_id, user_identity_id),
        seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE INDEX client_session_identities_identity ON client_session_identities(user_identity_id);
      CREATE INDEX client_sessions_workspace ON client_sessions(workspace_id, created_at);
      CREATE UNIQUE INDEX api_keys_id ON api_keys(api_key_id);
      CREATE INDEX api_keys_workspace ON api_keys(workspace_id, created_at);
      CREATE UNIQUE INDEX spaces_live_key ON spaces(workspace_id, space_key) WHERE deleted_at IS NULL AND space_key IS NOT NULL;
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE latchkey_issuer (
        singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
        fingerprint TEXT NOT NULL,
        public_keys TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
    `,
  },
];
