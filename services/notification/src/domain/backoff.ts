export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** After failed attempt number `attempt` (1-based): wait this long, or give up (undefined). Exponential, capped. */
export function retryDelay(attempt: number, policy: RetryPolicy): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
}

/** Whether a webhook answer is worth retrying: network trouble, timeouts, throttling, server errors. */
export function isRetryable(httpStatus: number | undefined): boolean {
  return httpStatus === undefined || httpStatus === 408 || httpStatus === 429 || httpStatus >= 500;
}
