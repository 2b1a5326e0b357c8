import { status } from '@grpc/grpc-js';
import { DomainError, isStatusError, type ErrorKind, type PromiseClient, type ServiceDef } from '@foodmesh/platform';

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

function fromUpstream(err: unknown): unknown {
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

async function* translatedStream<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    for await (const msg of stream) yield msg;
  } catch (err) {
    throw fromUpstream(err);
  }
}

/** The client `client` of `def`, its calls' failures translated for the browser (the Upstreams port's promise). */
export function translated<D extends ServiceDef>(def: D, client: PromiseClient<D>): PromiseClient<D> {
  const api: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(def)) {
    const call = (client[key as keyof D] as (req: unknown, opts?: unknown) => unknown).bind(client);
    api[key] = method.responseStream
      ? (req: unknown, opts?: unknown) => translatedStream(call(req, opts) as AsyncIterable<unknown>)
      : (req: unknown, opts?: unknown) =>
          (call(req, opts) as Promise<unknown>).catch((err: unknown) => {
            throw fromUpstream(err);
          });
  }
  return api as PromiseClient<D>;
}
