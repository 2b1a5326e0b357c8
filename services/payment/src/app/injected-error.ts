import { DomainError, type ErrorKind } from '@foodmesh/platform/errors';

const KIND_OF: Partial<Record<number, ErrorKind>> = {
  3: 'INVALID_ARGUMENT',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};
const DEADLINE_EXCEEDED = 4;

/**
 * The error a fault-injected Pay call fails with, shaped so the platform's one
 * error mapping sends `code` on the wire. Codes without a domain kind (e.g. 13)
 * surface as INTERNAL, which is what such a code means anyway.
 */
export function injectedError(code: number): Error {
  const message = `payment failed on purpose (fault injection, code ${code})`;
  const kind = KIND_OF[code];
  if (kind) return new DomainError(kind, message, { reason: 'INJECTED_FAULT', retryAfterSeconds: kind === 'UNAVAILABLE' ? 1 : undefined });
  if (code === DEADLINE_EXCEEDED) return Object.assign(new Error(message), { code, details: message });
  return new Error(message);
}
