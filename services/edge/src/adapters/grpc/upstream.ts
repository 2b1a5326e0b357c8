import { status } from '@grpc/grpc-js';
import { DomainError, isStatusError, type ErrorKind } from '@foodmesh/platform';

/**
 * Upstream statuses the edge passes through to the browser as they are (code
 * and message). Anything else (INTERNAL, UNKNOWN, an UNAUTHENTICATED that means
 * the edge forgot the identity…) becomes INTERNAL with a generic message via the
 * platform's one error mapping; DEADLINE_EXCEEDED stays DEADLINE_EXCEEDED.
 */
const PASSED: Partial<Record<number, ErrorKind>> = {
  [status.INVALID_ARGUMENT]: 'INVALID_ARGUMENT',
  [status.NOT_FOUND]: 'NOT_FOUND',
  [status.ALREADY_EXISTS]: 'ALREADY_EXISTS',
  [status.FAILED_PRECONDITION]: 'FAILED_PRECONDITION',
  [status.PERMISSION_DENIED]: 'PERMISSION_DENIED',
  [status.UNAVAILABLE]: 'UNAVAILABLE',
  [status.RESOURCE_EXHAUSTED]: 'RESOURCE_EXHAUSTED',
  [status.ABORTED]: 'ABORTED',
};

export function fromUpstream(err: unknown): unknown {
  if (!isStatusError(err)) return err;
  const kind = PASSED[err.code];
  if (!kind) return err;
  const reason = err.metadata?.get('x-error-reason')[0];
  const retry = err.metadata?.get('retry-after-seconds')[0];
  return new DomainError(kind, err.details, {
    reason: typeof reason === 'string' ? reason : undefined,
    retryAfterSeconds: typeof retry === 'string' ? Number(retry) : undefined,
  });
}

export const isNotFound = (err: unknown) => err instanceof DomainError && err.kind === 'NOT_FOUND';

/** An upstream unary call with its errors translated. */
export const upstream = <T>(call: Promise<T>): Promise<T> =>
  call.catch((err: unknown) => {
    throw fromUpstream(err);
  });

/** An upstream server stream with its errors translated. */
export async function* upstreamStream<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    for await (const msg of stream) yield msg;
  } catch (err) {
    throw fromUpstream(err);
  }
}
