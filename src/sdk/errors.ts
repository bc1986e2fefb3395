/**
 * The SDK's one error type: a stable code from the shared table (src/protocol/errors.ts) that an
 * app can switch on, the HTTP status when the server answered, and a message for logs.
 */
import { errorCodes, type ErrorCode } from '../protocol/errors.ts';

export class PhoneError extends Error {
  readonly code: ErrorCode;
  /** The server's HTTP status, when the error is the server's answer. */
  readonly status: number | undefined;
  constructor(code: ErrorCode, message?: string, status?: number) {
    super(`${code}: ${message ?? errorCodes[code].message}`);
    this.name = 'PhoneError';
    this.code = code;
    this.status = status;
  }
}

export function isPhoneError(error: unknown): error is PhoneError {
  return error instanceof PhoneError;
}
