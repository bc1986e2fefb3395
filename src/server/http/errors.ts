/**
 * API errors in the Seam envelope:
 * `{ error: { type, message, request_id, validation_errors? }, ok: false }`.
 * The type and HTTP status come from the shared error table (src/protocol/errors.ts), so the API,
 * lock and docs agree on names. Bad input is an ApiError; anything else reaching the error handler
 * is our bug and becomes a logged 500.
 *
 * `validation_errors` has Seam's keyed shape (zod's `format()`): `{ _errors: [], ends_at: { _errors:
 * ['must be after starts_at'] } }`, nested along the path (`records.0.evidence.nonce`), so the seam
 * SDK's `getValidationErrorMessages('ends_at')` finds the messages.
 * A missing resource is `<resource>_not_found` (404), a taken unique key `<key>_already_in_use` (409).
 */
import { errorCodes } from '../../protocol/errors.ts';

/** Resources whose absence has its own error type (Seam's `user_identity_not_found`, …). */
export const notFoundTypes = {
  user_identity: 'user_identity_not_found',
  access_grant: 'access_grant_not_found',
  access_method: 'access_method_not_found',
  acs_system: 'acs_system_not_found',
  acs_entrance: 'acs_entrance_not_found',
  space: 'space_not_found',
  instant_key: 'instant_key_not_found',
  client_session: 'client_session_not_found',
  phone: 'device_not_found',
  event: 'event_not_found',
  customization_profile: 'customization_profile_not_found',
} as const;

/** Unique keys whose reuse is a 409 conflict. */
export const conflictTypes = {
  user_identity_key: 'user_identity_key_already_in_use',
  access_grant_key: 'access_grant_key_already_in_use',
  space_key: 'space_key_already_in_use',
} as const;

export type ApiErrorType = 'invalid_input' | 'not_found' | 'unauthorized' | 'phone_changes_rate_limited' | 'phone_limit_reached' | 'dashboard_streams_limit_reached' | 'door_revocations_rate_limited' | (typeof notFoundTypes)[keyof typeof notFoundTypes] | (typeof conflictTypes)[keyof typeof conflictTypes];

/** One problem with one field; `path` is dotted (`requested_access_methods.0.mode`, `records[2].id`), '' for the whole input. */
export interface ValidationError {
  path: string;
  message: string;
}

/** Seam's keyed validation errors: each node has `_errors`, children by path segment. */
export interface ValidationErrorTree {
  _errors: string[];
  [segment: string]: ValidationErrorTree | string[];
}

/** Splits `records[2].evidence.nonce` into `records`, `2`, `evidence`, `nonce`. */
export function pathSegments(path: string): string[] {
  return path.split(/[.[\]]+/).filter((segment) => segment !== '');
}

export function validationErrorTree(errors: ValidationError[]): ValidationErrorTree {
  const root: ValidationErrorTree = { _errors: [] };
  for (const { path, message } of errors) {
    let node = root;
    for (const segment of pathSegments(path)) {
      // `_errors` is the tree's own key: a field of that name (never one of ours) nests one level lower.
      const key = segment === '_errors' ? '__errors' : segment;
      let child = Object.hasOwn(node, key) ? (node[key] as ValidationErrorTree) : undefined;
      if (child === undefined) {
        child = { _errors: [] };
        Object.defineProperty(node, key, { value: child, enumerable: true, writable: true, configurable: true });
      }
      node = child;
    }
    node._errors.push(message);
  }
  return root;
}

export interface ApiErrorBody {
  error: { type: string; message: string; request_id?: string; validation_errors?: ValidationErrorTree };
  ok: false;
}

export class ApiError extends Error {
  readonly type: ApiErrorType;
  readonly status: number;
  readonly validationErrors: ValidationError[] | undefined;
  constructor(type: ApiErrorType, message: string, validationErrors?: ValidationError[]) {
    super(message);
    this.name = 'ApiError';
    this.type = type;
    this.status = errorCodes[type].http;
    this.validationErrors = validationErrors;
  }

  toBody(requestId?: string): ApiErrorBody {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(requestId !== undefined ? { request_id: requestId } : {}),
        ...(this.validationErrors ? { validation_errors: validationErrorTree(this.validationErrors) } : {}),
      },
      ok: false,
    };
  }
}

export function invalidInput(message: string, validationErrors?: ValidationError[]): ApiError {
  return new ApiError('invalid_input', message, validationErrors ?? [{ path: '', message }]);
}

/** `what` starts with the resource name (`user_identity 1b2c…`); a known resource gets its own type. */
export function notFound(what: string): ApiError {
  const resource = /^[a-z_]+/.exec(what)?.[0] ?? '';
  const type = Object.hasOwn(notFoundTypes, resource) ? notFoundTypes[resource as keyof typeof notFoundTypes] : 'not_found';
  return new ApiError(type, `${what} not found`);
}

/** 409: a unique key (`user_identity_key`, `access_grant_key`, `space_key`) is held by another resource. */
export function conflict(field: keyof typeof conflictTypes): ApiError {
  return new ApiError(conflictTypes[field], `${field} is already in use`);
}

export function unauthorized(message = 'Unauthorized'): ApiError {
  return new ApiError('unauthorized', message);
}
