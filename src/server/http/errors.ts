/**
 * API errors in the Seam envelope: `{ error: { type, message, validation_errors? }, ok: false }`.
 * The type and HTTP status come from the shared error table (src/protocol/errors.ts), so the API,
 * lock and docs agree on names. Bad input is an ApiError; anything else reaching the error handler
 * is our bug and becomes a logged 500.
 */
import { errorCodes } from '../../protocol/errors.ts';

export type ApiErrorType = 'invalid_input' | 'not_found' | 'unauthorized';

export interface ValidationError {
  path: string;
  message: string;
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

  toBody(): { error: { type: ApiErrorType; message: string; validation_errors?: ValidationError[] }; ok: false } {
    return { error: { type: this.type, message: this.message, ...(this.validationErrors ? { validation_errors: this.validationErrors } : {}) }, ok: false };
  }
}

export function invalidInput(message: string, validationErrors?: ValidationError[]): ApiError {
  return new ApiError('invalid_input', message, validationErrors ?? [{ path: '', message }]);
}

export function notFound(what: string): ApiError {
  return new ApiError('not_found', `${what} not found`);
}

export function unauthorized(message = 'Unauthorized'): ApiError {
  return new ApiError('unauthorized', message);
}
