/**
 * What latchkey does with every request field the Seam spec (@seamapi/types 1.724.0) lists for an
 * endpoint it implements: `honoured` fields are read and acted on (filters filter, ids are checked);
 * `refused` fields are answered with 400 `invalid_input` naming the field and saying why, before the
 * handler runs, so nothing is silently ignored (an integrator scoping a list by `customer_key` must
 * not get every customer's rows). Fields outside the spec are ignored, as Seam does.
 *
 * test/server/wire-filters.test.ts checks this table against the spec (every spec field in exactly
 * one list, every registered Seam route in the table), that each refused field is refused and that
 * each honoured one is read by the handler. docs/API.md's endpoint table is written from it.
 */
import { invalidInput, type ValidationError } from './errors.ts';

const noCustomers = 'not supported: latchkey keeps no customer keys on this resource';
const noDevices = 'not supported: latchkey doors are entrances, use acs_entrance_ids';
const noAcsCredentials = 'not supported: latchkey has no ACS credentials (phones hold latchkey credentials)';
const noCredentialManager = 'not supported: latchkey has no credential-manager ACS systems';
const noConnectedAccountOnSpaces = 'not supported: spaces are not tied to connected accounts';

export interface EndpointFields {
  honoured: readonly string[];
  refused?: Readonly<Record<string, string>>;
}

export const endpointFields: Readonly<Record<string, EndpointFields>> = {
  '/workspaces/get': { honoured: [] },
  '/acs/systems/list': { honoured: ['connected_account_id'], refused: { customer_key: noCustomers } },
  '/acs/systems/get': { honoured: ['acs_system_id'] },
  '/acs/entrances/list': {
    honoured: ['acs_entrance_ids', 'acs_system_id', 'connected_account_id', 'limit', 'location_id', 'page_cursor', 'search', 'space_id'],
    refused: { acs_credential_id: noAcsCredentials, customer_key: noCustomers },
  },
  '/acs/entrances/get': { honoured: ['acs_entrance_id'] },
  '/spaces/create': { honoured: ['acs_entrance_ids', 'device_ids', 'name', 'space_key'], refused: { customer_key: noCustomers } },
  '/spaces/get': { honoured: ['space_id', 'space_key'] },
  '/spaces/list': { honoured: ['search', 'space_key'], refused: { connected_account_id: noConnectedAccountOnSpaces, customer_key: noCustomers } },
  '/spaces/update': { honoured: ['acs_entrance_ids', 'device_ids', 'name', 'space_id', 'space_key'], refused: { customer_key: noCustomers } },
  '/spaces/delete': { honoured: ['space_id'] },
  '/spaces/add_acs_entrances': { honoured: ['acs_entrance_ids', 'space_id'] },
  '/spaces/remove_acs_entrances': { honoured: ['acs_entrance_ids', 'space_id'] },
  '/user_identities/create': { honoured: ['acs_system_ids', 'email_address', 'full_name', 'phone_number', 'user_identity_key'] },
  '/user_identities/get': { honoured: ['user_identity_id', 'user_identity_key'] },
  '/user_identities/list': {
    honoured: ['created_before', 'limit', 'page_cursor', 'search', 'user_identity_ids'],
    refused: { credential_manager_acs_system_id: noCredentialManager },
  },
  '/user_identities/update': { honoured: ['email_address', 'full_name', 'phone_number', 'user_identity_id', 'user_identity_key'] },
  '/user_identities/delete': { honoured: ['user_identity_id'] },
  '/user_identities/generate_instant_key': { honoured: ['customization_profile_id', 'max_use_count', 'user_identity_id'] },
  '/access_grants/create': {
    honoured: ['user_identity_id', 'user_identity', 'access_grant_key', 'acs_entrance_ids', 'ends_at', 'location_ids', 'name', 'requested_access_methods', 'reservation_key', 'space_ids', 'space_keys', 'starts_at'],
    refused: {
      customization_profile_id: 'not supported on a grant: pass it to user_identities/generate_instant_key',
      device_ids: noDevices,
      location: 'not supported: create a space (spaces/create) and pass space_ids',
    },
  },
  '/access_grants/get': { honoured: ['access_grant_id', 'access_grant_key'] },
  '/access_grants/list': {
    honoured: ['access_grant_ids', 'access_grant_key', 'acs_entrance_id', 'acs_system_id', 'limit', 'location_id', 'page_cursor', 'reservation_key', 'space_id', 'user_identity_id'],
    refused: { customer_key: noCustomers },
  },
  '/access_grants/update': { honoured: ['access_grant_id', 'ends_at', 'name', 'starts_at'] },
  '/access_grants/delete': { honoured: ['access_grant_id'] },
  '/access_methods/list': { honoured: ['access_grant_id', 'acs_entrance_id', 'space_id'], refused: { device_id: noDevices } },
  '/access_methods/get': { honoured: ['access_method_id'] },
  '/access_methods/delete': { honoured: ['access_method_id'] },
  '/instant_keys/get': { honoured: ['instant_key_id', 'instant_key_url'] },
  '/instant_keys/list': { honoured: ['user_identity_id'] },
  '/instant_keys/delete': { honoured: ['instant_key_id'] },
  '/client_sessions/create': {
    honoured: ['connect_webview_ids', 'connected_account_ids', 'customer_key', 'expires_at', 'user_identifier_key', 'user_identity_id', 'user_identity_ids'],
    refused: { customer_id: 'not supported: use customer_key' },
  },
  '/client_sessions/get': { honoured: ['client_session_id', 'user_identifier_key'] },
  '/client_sessions/list': { honoured: ['client_session_id', 'connect_webview_id', 'user_identifier_key', 'user_identity_id', 'without_user_identifier_key'] },
  '/client_sessions/get_or_create': { honoured: ['connect_webview_ids', 'connected_account_ids', 'expires_at', 'user_identifier_key', 'user_identity_id', 'user_identity_ids'] },
  '/client_sessions/grant_access': { honoured: ['client_session_id', 'connect_webview_ids', 'connected_account_ids', 'user_identifier_key', 'user_identity_id', 'user_identity_ids'] },
  '/client_sessions/revoke': { honoured: ['client_session_id'] },
  '/client_sessions/delete': { honoured: ['client_session_id'] },
  '/acs/credentials/list': { honoured: ['acs_system_id', 'acs_user_id', 'created_before', 'is_multi_phone_sync_credential', 'limit', 'page_cursor', 'search', 'user_identity_id'] },
  '/phones/list': { honoured: ['owner_user_identity_id'], refused: { acs_credential_id: noAcsCredentials } },
  '/phones/get': { honoured: ['device_id'] },
  '/phones/deactivate': { honoured: ['device_id'] },
  '/events/list': {
    // Filters naming things latchkey records no events for (access codes, webviews, …) are honoured: they match nothing.
    honoured: [
      'access_code_id', 'access_code_ids', 'access_grant_id', 'access_grant_ids', 'access_method_id', 'access_method_ids', 'acs_access_group_id',
      'acs_credential_id', 'acs_encoder_id', 'acs_entrance_id', 'acs_system_id', 'acs_system_ids', 'acs_user_id', 'between', 'connect_webview_id',
      'connected_account_id', 'customer_key', 'device_id', 'device_ids', 'event_ids', 'event_type', 'event_types', 'limit', 'since',
      'space_id', 'space_ids', 'unstable_offset', 'user_identity_id',
    ],
  },
  '/events/get': { honoured: ['device_id', 'event_id', 'event_type'] },
  '/workspaces/customization_profiles/create': {
    honoured: ['name', 'primary_color', 'secondary_color'],
    refused: { customer_portal_theme: 'not supported: latchkey has no customer portal' },
  },
  '/workspaces/customization_profiles/get': { honoured: ['customization_profile_id'] },
  '/workspaces/customization_profiles/list': { honoured: [], refused: { customer_key: noCustomers } },
  '/workspaces/customization_profiles/update': {
    honoured: ['customization_profile_id', 'name', 'primary_color', 'secondary_color'],
    refused: { customer_portal_theme: 'not supported: latchkey has no customer portal' },
  },
};

/** latchkey's own endpoints (no Seam spec to check against), registered through apiRoute too. */
export const latchkeyOnlyEndpoints: readonly string[] = ['/api_keys/create', '/api_keys/list', '/api_keys/revoke'];

/** 400 naming every refused field present in `input` (null counts: the caller sent it). */
export function refuseUnimplementedFields(path: string, input: Record<string, unknown>): void {
  const refused = endpointFields[path]?.refused;
  if (refused === undefined) return;
  const errors: ValidationError[] = [];
  for (const [field, reason] of Object.entries(refused)) if (Object.hasOwn(input, field) && input[field] !== undefined) errors.push({ path: field, message: reason });
  if (errors.length > 0) throw invalidInput(errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
}
