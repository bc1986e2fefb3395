/**
 * The one table of error codes that the lock, the phone, the API and the docs share.
 *
 * A code is a stable snake_case string (it is what scenarios, audit records and JSON output carry)
 * with a one-byte wire number (what travels in a result message and an audit record). Codes never
 * change meaning; new ones are appended. Bad input from outside is an expected outcome carried as
 * a `LatchkeyError` or a `Refusal`; programmer bugs are `assert` failures and are never caught.
 */

export const errorCodes = {
  // -- encoding (CBOR, RFC 8949) --
  cbor_malformed: { wire: 0x01, http: 400, message: 'CBOR is not well-formed' },
  cbor_non_canonical: { wire: 0x02, http: 400, message: 'CBOR is not in deterministic encoding (RFC 8949 §4.2.1)' },
  cbor_trailing_bytes: { wire: 0x03, http: 400, message: 'bytes follow the CBOR item' },
  cbor_indefinite_length: { wire: 0x04, http: 400, message: 'indefinite-length CBOR item' },
  cbor_unsupported_type: { wire: 0x05, http: 400, message: 'CBOR type not allowed here (float, tag, undefined, simple)' },
  cbor_too_large: { wire: 0x06, http: 400, message: 'CBOR item exceeds a size, depth or count bound' },
  // -- COSE (RFC 9052) --
  cose_bad_structure: { wire: 0x10, http: 400, message: 'not a COSE_Sign1 structure' },
  cose_alg_not_allowed: { wire: 0x11, http: 400, message: 'signature algorithm outside the allowlist' },
  cose_alg_unprotected: { wire: 0x12, http: 400, message: 'algorithm or other header in the unprotected bucket' },
  cose_unknown_critical: { wire: 0x13, http: 400, message: 'unknown critical header' },
  cose_unknown_kid: { wire: 0x14, http: 400, message: 'signer key id is not trusted' },
  cose_bad_signature: { wire: 0x15, http: 400, message: 'signature does not verify' },
  cose_bad_key: { wire: 0x16, http: 400, message: 'malformed COSE_Key' },
  // -- credential claims (RFC 8392 CWT) --
  claim_missing: { wire: 0x20, http: 400, message: 'a required claim is missing' },
  claim_invalid: { wire: 0x21, http: 400, message: 'a claim has the wrong type or is out of bounds' },
  credential_version_unsupported: { wire: 0x22, http: 400, message: 'credential format version not supported' },
  credential_not_yet_valid: { wire: 0x23, http: 403, message: 'credential is not valid yet' },
  credential_expired: { wire: 0x24, http: 403, message: 'credential has expired' },
  credential_wrong_door: { wire: 0x25, http: 403, message: 'credential does not open this door' },
  credential_revoked: { wire: 0x26, http: 403, message: 'credential has been revoked' },
  credential_superseded: { wire: 0x27, http: 403, message: 'a newer credential for this door exists' },
  credential_unknown: { wire: 0x28, http: 403, message: 'credential reference not in the lock cache' },
  // -- unlock exchange --
  message_malformed: { wire: 0x30, http: 400, message: 'protocol message is malformed' },
  message_too_large: { wire: 0x31, http: 400, message: 'protocol message exceeds its bound' },
  message_truncated: { wire: 0x32, http: 400, message: 'protocol message is incomplete' },
  chunk_sequence: { wire: 0x33, http: 400, message: 'chunk missing, duplicated or out of order' },
  version_unsupported: { wire: 0x34, http: 400, message: 'no protocol version in common' },
  version_downgrade: { wire: 0x35, http: 403, message: 'protocol version negotiation was tampered with' },
  challenge_missing: { wire: 0x36, http: 403, message: 'no challenge outstanding on this connection' },
  challenge_expired: { wire: 0x37, http: 403, message: 'challenge expired' },
  challenge_used: { wire: 0x38, http: 403, message: 'challenge already used' },
  relay_suspected: { wire: 0x39, http: 403, message: 'response came later than the relay bound' },
  holder_proof_invalid: { wire: 0x3a, http: 403, message: 'holder proof-of-possession does not verify' },
  decrypt_failed: { wire: 0x3b, http: 403, message: 'AEAD authentication failed' },
  counter_exhausted: { wire: 0x3c, http: 403, message: 'session message counter exhausted' },
  ticket_unknown: { wire: 0x3d, http: 403, message: 'resumption ticket unknown or expired' },
  rate_limited: { wire: 0x3e, http: 429, message: 'too many failed attempts; wait' },
  lock_busy: { wire: 0x3f, http: 409, message: 'lock is busy with another connection' },
  action_unsupported: { wire: 0x40, http: 400, message: 'requested action not supported' },
  battery_depleted: { wire: 0x41, http: 503, message: 'lock battery too low to move the bolt; replace the batteries' },
  access_denied: { wire: 0x42, http: 403, message: 'refused; a credential that has not verified gets no reason' },
  // -- phone side: the lock's own proof --
  lock_cert_invalid: { wire: 0x50, http: 400, message: 'lock certificate does not verify' },
  lock_proof_invalid: { wire: 0x51, http: 400, message: 'lock proof does not verify (fake or tampered lock)' },
  lock_not_found: { wire: 0x52, http: 404, message: 'no eligible lock in range' },
  transport_timeout: { wire: 0x53, http: 504, message: 'transport operation timed out' },
  transport_disconnected: { wire: 0x54, http: 502, message: 'link dropped during the exchange' },
  transport_unsupported: { wire: 0x55, http: 501, message: 'transport unavailable (no Bluetooth)' },
  transport_att_error: { wire: 0x56, http: 502, message: 'the lock answered with an unexpected ATT error' },
  // -- phone SDK (src/sdk: latchkey/phone) --
  tap_ambiguous: { wire: 0x57, http: 409, message: 'two of your entrances are equally close: hold the phone to one door' },
  phone_no_entrances: { wire: 0x58, http: 404, message: 'this phone holds no key for any entrance (not synced, or access not started)' },
  network_unavailable: { wire: 0x59, http: 503, message: 'the key server could not be reached (offline, timed out, or an answer that is not the server\'s)' },
  // -- signed lock updates (revocation list, supersede, configuration, time) --
  update_rollback: { wire: 0x60, http: 409, message: 'update version is not newer than the one held' },
  update_wrong_lock: { wire: 0x61, http: 400, message: 'update addressed to another lock' },
  time_rollback: { wire: 0x62, http: 409, message: 'time would move back beyond the tolerance' },
  update_not_authorized: { wire: 0x63, http: 403, message: 'this update needs the lock-administration key' },
  // -- API (Seam error envelope types) --
  invalid_input: { wire: 0x70, http: 400, message: 'invalid input' },
  not_found: { wire: 0x71, http: 404, message: 'not found' },
  unauthorized: { wire: 0x72, http: 401, message: 'unauthorized' },
  // -- storage --
  storage_corrupt: { wire: 0x78, http: 500, message: 'non-volatile record failed its integrity check' },
  // -- API: a named resource is missing (Seam's per-resource types), a unique key is taken (409) --
  user_identity_not_found: { wire: 0x80, http: 404, message: 'user identity not found' },
  access_grant_not_found: { wire: 0x81, http: 404, message: 'access grant not found' },
  access_method_not_found: { wire: 0x82, http: 404, message: 'access method not found' },
  acs_system_not_found: { wire: 0x83, http: 404, message: 'access control system not found' },
  acs_entrance_not_found: { wire: 0x84, http: 404, message: 'entrance not found' },
  space_not_found: { wire: 0x85, http: 404, message: 'space not found' },
  instant_key_not_found: { wire: 0x86, http: 404, message: 'Instant Key not found (or revoked, expired, used up)' },
  client_session_not_found: { wire: 0x87, http: 404, message: 'client session not found' },
  device_not_found: { wire: 0x88, http: 404, message: 'device (phone) not found' },
  event_not_found: { wire: 0x89, http: 404, message: 'event not found' },
  customization_profile_not_found: { wire: 0x8a, http: 404, message: 'customization profile not found' },
  user_identity_key_already_in_use: { wire: 0x90, http: 409, message: 'another user identity has this user_identity_key' },
  access_grant_key_already_in_use: { wire: 0x91, http: 409, message: 'another access grant has this access_grant_key' },
  space_key_already_in_use: { wire: 0x92, http: 409, message: 'another space has this space_key' },
  phone_changes_rate_limited: { wire: 0x93, http: 429, message: 'too many phone registrations and deactivations for this user identity; wait' },
  phone_limit_reached: { wire: 0x94, http: 409, message: 'this Instant Key already has as many active phones as it may' },
  dashboard_streams_limit_reached: { wire: 0x95, http: 429, message: 'too many open dashboard event streams; close one or wait' },
  door_revocations_rate_limited: { wire: 0x96, http: 429, message: 'a door already lists as many revoked phone credentials as guests may add; an operator can deactivate the phone, or wait' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

const codeByWire = new Map<number, ErrorCode>();
for (const [code, entry] of Object.entries(errorCodes) as [ErrorCode, (typeof errorCodes)[ErrorCode]][]) {
  if (codeByWire.has(entry.wire)) throw new Error(`duplicate wire number ${entry.wire} for ${code}`);
  codeByWire.set(entry.wire, code);
}

export function wireOf(code: ErrorCode): number {
  return errorCodes[code].wire;
}

export function codeOfWire(wire: number): ErrorCode | undefined {
  return codeByWire.get(wire);
}

/** Bad input from outside: carries a stable code; never used for our own bugs. */
export class LatchkeyError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  constructor(code: ErrorCode, detail?: string) {
    super(detail === undefined ? `${code}: ${errorCodes[code].message}` : `${code}: ${detail}`);
    this.name = 'LatchkeyError';
    this.code = code;
    this.detail = detail;
  }
}

export function fail(code: ErrorCode, detail?: string): never {
  throw new LatchkeyError(code, detail);
}

/** Programmer-bug check: stays on in production, never caught. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

export function isLatchkeyError(error: unknown): error is LatchkeyError {
  return error instanceof LatchkeyError;
}
