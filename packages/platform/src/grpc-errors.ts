import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { DomainError, type ErrorKind } from './errors';
import type { Logger } from './logger';

const CODE_OF: Record<ErrorKind, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  UNAVAILABLE: status.UNAVAILABLE,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  ABORTED: status.ABORTED,
};

export interface StatusError extends Partial<ServiceError> {
  code: status;
  details: string;
  metadata: Metadata;
}

/**
 * The one mapping from thrown errors to gRPC statuses. Domain errors keep their
 * message (it is written for the caller); anything else becomes INTERNAL with a
 * generic message and a reference, the details going to the log only.
 */
export function toServiceError(err: unknown, logger?: Logger, ref?: string): StatusError {
  const metadata = new Metadata();
  if (err instanceof DomainError) {
    metadata.set('x-error-reason', err.reason.slice(0, 64));
    if (err.retryAfterSeconds !== undefined) metadata.set('retry-after-seconds', String(err.retryAfterSeconds));
    const details = shortened(err.message);
    return Object.assign(new Error(details), { code: CODE_OF[err.kind], details, metadata });
  }
  if (isStatusError(err) && err.code === status.DEADLINE_EXCEEDED) {
    return Object.assign(new Error('deadline exceeded'), { code: status.DEADLINE_EXCEEDED, details: 'the request ran out of time; try again', metadata });
  }
  // Work stopped because the caller went away (pg.ts, grpc-client.ts): nobody waits for a reason.
  if (isStatusError(err) && err.code === status.CANCELLED) {
    return Object.assign(new Error('cancelled'), { code: status.CANCELLED, details: 'the request was cancelled by its caller', metadata });
  }
  logger?.error({ err, ref }, 'unexpected error');
  const details = `internal error${ref ? ` (ref ${ref})` : ''}; it has been logged`;
  return Object.assign(new Error(details), { code: status.INTERNAL, details, metadata });
}

/**
 * The most characters of a message sent on the wire. Messages quote at most ids (which requests
 * bound to 64 characters); this is the backstop: the status travels in a header, and one too
 * large makes the client drop the connection (GOAWAY) instead of seeing the error.
 */
export const MAX_DETAILS_LENGTH = 300;
const shortened = (message: string) => (message.length > MAX_DETAILS_LENGTH ? `${message.slice(0, MAX_DETAILS_LENGTH - 1)}…` : message);

export function isStatusError(err: unknown): err is ServiceError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number' && 'details' in err;
}

export function statusName(code: number): string {
  return status[code] ?? String(code);
}
