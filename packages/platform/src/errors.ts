/**
 * Typed domain errors. Domain and application code throw these; the transport
 * adapter maps them to gRPC status codes in exactly one place (grpc-errors.ts).
 * This module imports nothing, so pure domain code may depend on it.
 */
export type ErrorKind =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'UNAVAILABLE'
  | 'RESOURCE_EXHAUSTED'
  | 'ABORTED';

export class DomainError extends Error {
  /** A stable, machine-readable reason, e.g. `ORDER_ALREADY_COOKING`. */
  readonly reason: string;
  /** For UNAVAILABLE / RESOURCE_EXHAUSTED: when the caller may try again. */
  readonly retryAfterSeconds?: number;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    opts: { reason?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'DomainError';
    this.reason = opts.reason ?? kind;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export const invalidArgument = (message: string, reason?: string) => new DomainError('INVALID_ARGUMENT', message, { reason });
export const notFound = (message: string, reason?: string) => new DomainError('NOT_FOUND', message, { reason });
export const alreadyExists = (message: string, reason?: string) => new DomainError('ALREADY_EXISTS', message, { reason });
export const failedPrecondition = (message: string, reason?: string) => new DomainError('FAILED_PRECONDITION', message, { reason });
export const permissionDenied = (message: string, reason?: string) => new DomainError('PERMISSION_DENIED', message, { reason });
export const unauthenticated = (message: string, reason?: string) => new DomainError('UNAUTHENTICATED', message, { reason });
export const unavailable = (message: string, retryAfterSeconds?: number, reason?: string) =>
  new DomainError('UNAVAILABLE', message, { retryAfterSeconds, reason });

/** A required text field, trimmed; INVALID_ARGUMENT naming the field when it is blank. */
export function requiredText(value: string, field: string): string {
  const v = value.trim();
  if (!v) throw invalidArgument(`${field} is required`);
  return v;
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
