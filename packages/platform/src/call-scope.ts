import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What an inbound call hands down to the work it causes: its deadline, its
 * cancellation and its request id. The gRPC client factory reads it so that a
 * call with 300 ms left never starts a downstream call with a 2 s timeout, and
 * pg.ts so that a call the client abandoned stops its database work.
 */
export interface CallScope {
  /** Epoch milliseconds; Infinity when the caller set no deadline, or once the call has finished. */
  deadline: number;
  /** Aborted when the caller cancels or the deadline passes; gone once the call has finished. */
  signal?: AbortSignal;
  requestId: string;
}

const storage = new AsyncLocalStorage<CallScope>();

export function runInScope<T>(scope: CallScope, fn: () => T): T {
  return storage.run(scope, fn);
}

export function currentScope(): CallScope | undefined {
  return storage.getStore();
}

/** The tighter of `now + timeoutMs` and the inbound call's deadline. */
export function effectiveDeadline(timeoutMs: number, now = Date.now()): number {
  const inbound = storage.getStore()?.deadline ?? Infinity;
  return Math.min(now + timeoutMs, inbound);
}
