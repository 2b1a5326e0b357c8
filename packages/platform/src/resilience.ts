import { Metadata, status } from '@grpc/grpc-js';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  bulkhead,
  circuitBreaker,
  handleWhen,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { BREAKER_FAILURE_CODES, type LocalSettings } from './mesh-policy';
import type { Logger } from './logger';
import type { PlatformMetrics } from './metrics';

const codeName = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? status[code] : undefined;
};

function unavailable(message: string, reason: string): Error {
  const metadata = new Metadata();
  metadata.set('x-error-reason', reason);
  return Object.assign(new Error(message), { code: status.UNAVAILABLE, details: message, metadata });
}

const STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

export interface UpstreamResilience {
  /**
   * Runs one logical call: `attempt(deadline)` per try, each try with its own
   * deadline (per-try timeout, never past `deadline`), retried only for
   * idempotent methods and retryable codes, guarded by the breaker and the
   * concurrency cap. Rejections are gRPC UNAVAILABLE errors, so callers treat
   * them like any unreachable upstream (e.g. the pay-later fallback).
   */
  execute<T>(method: string, deadline: number, attempt: (tryDeadline: number) => Promise<T>): Promise<T>;
  breakerState(): 'closed' | 'half-open' | 'open' | 'none';
}

export function createUpstreamResilience(opts: { upstream: string; settings: LocalSettings; logger?: Logger; metrics?: PlatformMetrics }): UpstreamResilience {
  const { upstream, settings, metrics } = opts;
  const log = opts.logger?.child({ component: 'resilience', upstream });
  const retries = settings.retries;
  let breaker: CircuitBreakerPolicy | undefined;
  let cap: BulkheadPolicy | undefined;

  if (settings.breaker) {
    const b = settings.breaker;
    breaker = circuitBreaker(
      handleWhen((err) => (BREAKER_FAILURE_CODES as readonly string[]).includes(codeName(err) ?? '')),
      { halfOpenAfter: b.halfOpenAfterMs, breaker: new ConsecutiveBreaker(b.consecutiveErrors) },
    );
    breaker.onStateChange((state) => {
      metrics?.breakerState.set({ upstream }, STATE_VALUE[state]);
      const name = state === CircuitState.Open ? 'open' : state === CircuitState.HalfOpen ? 'half-open' : 'closed';
      log?.warn({ state: name }, `circuit breaker to ${upstream} is ${name}`);
    });
    metrics?.breakerState.set({ upstream }, 0);
    cap = bulkhead(b.maxConcurrent, b.maxQueued);
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // Retries to this upstream in flight (from their backoff until they settle), bounded by the
  // policy's budget as Envoy's maxRetries bounds them in the mesh.
  let retriesInFlight = 0;
  const budgetSpent = () => retries?.maxConcurrent !== undefined && retriesInFlight >= retries.maxConcurrent;

  async function tryOnce<T>(attempt: (d: number) => Promise<T>, tryDeadline: number): Promise<T> {
    if (!breaker) return attempt(tryDeadline);
    try {
      return await breaker.execute(() => attempt(tryDeadline));
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        metrics?.resilienceRejections.inc({ upstream, reason: 'circuit_open' });
        throw unavailable(`${upstream} is failing; calls are paused for a few seconds (circuit open)`, 'CIRCUIT_OPEN');
      }
      throw err;
    }
  }

  async function withRetries<T>(method: string, deadline: number, attempt: (d: number) => Promise<T>): Promise<T> {
    const retryable = retries && retries.methods.includes(method) ? retries : undefined;
    const attempts = retryable?.attempts ?? 1;
    let retrying = false;
    try {
      for (let n = 1; ; n++) {
        const tryDeadline = retryable ? Math.min(deadline, Date.now() + retryable.perTryTimeoutMs) : deadline;
        try {
          return await tryOnce(attempt, tryDeadline);
        } catch (err) {
          const code = codeName(err);
          const backoff = (retryable?.backoffMs ?? 0) * 2 ** (n - 1) * (0.5 + Math.random() / 2);
          const again =
            retryable &&
            n < attempts &&
            code !== undefined &&
            retryable.retryOn.includes(code) &&
            (err as { metadata?: Metadata }).metadata?.get('x-error-reason')[0] !== 'CIRCUIT_OPEN' &&
            Date.now() + backoff < deadline;
          if (!again) throw err;
          if (!retrying && budgetSpent()) {
            metrics?.resilienceRejections.inc({ upstream, reason: 'retry_budget' });
            throw err;
          }
          if (!retrying) retriesInFlight++;
          retrying = true;
          metrics?.resilienceRetries.inc({ upstream, method, code });
          log?.info({ method, code, attempt: n }, 'retrying');
          await sleep(backoff);
        }
      }
    } finally {
      if (retrying) retriesInFlight--;
    }
  }

  return {
    async execute(method, deadline, attempt) {
      if (!cap) return withRetries(method, deadline, attempt);
      try {
        return await cap.execute(() => withRetries(method, deadline, attempt));
      } catch (err) {
        if (err instanceof BulkheadRejectedError) {
          metrics?.resilienceRejections.inc({ upstream, reason: 'overloaded' });
          throw unavailable(`${upstream} has too many calls in flight; try again shortly`, 'CLIENT_OVERLOADED');
        }
        throw err;
      }
    },
    breakerState() {
      if (!breaker) return 'none';
      const s = breaker.state;
      return s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half-open' : 'open';
    },
  };
}
