import type { Logger } from '@foodmesh/platform';
import { isRetryable, retryDelay, type RetryPolicy } from '../domain/backoff';
import type { NotificationRecord } from '../domain/notification';
import type { NotificationStore } from './ports';

/** One send to an external channel: the HTTP status, or no status when the request itself failed. */
export type SendResult = { ok: true; httpStatus: number } | { ok: false; httpStatus?: number; error: string };
export type Sender = (n: NotificationRecord) => Promise<SendResult>;

/**
 * Sends pending webhook notifications in the background, never in the
 * consumer's path: each send runs on its own (up to `concurrency` at once), so
 * a slow or failing webhook delays only itself. A failed send is retried with
 * exponential backoff until `policy.maxAttempts`, then the notification is
 * FAILED. Every attempt is recorded.
 */
export function startDispatcher(deps: {
  notifications: NotificationStore;
  send: Sender;
  policy: RetryPolicy;
  concurrency: number;
  /** How long a claimed send may take before another dispatcher may claim it again. */
  leaseMs: number;
  pollMs: number;
  logger: Logger;
}) {
  const log = deps.logger.child({ component: 'webhook-dispatcher' });
  let stopped = false;
  let inFlight = 0;
  const sends = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  const kick = () => wake?.();

  async function deliver(n: NotificationRecord): Promise<void> {
    const attempt = n.attempts + 1;
    let result: SendResult;
    try {
      result = await deps.send(n);
    } catch (err) {
      result = { ok: false, error: (err as Error).message };
    }
    if (result.ok) {
      await deps.notifications.recordAttempt(n.notificationId, attempt, { delivered: true, httpStatus: result.httpStatus });
      log.debug({ notification_id: n.notificationId, attempt }, 'webhook delivered');
      return;
    }
    const retryInMs = isRetryable(result.httpStatus) ? retryDelay(attempt, deps.policy) : undefined;
    await deps.notifications.recordAttempt(n.notificationId, attempt, { delivered: false, httpStatus: result.httpStatus, error: result.error, retryInMs });
    if (retryInMs === undefined) log.warn({ notification_id: n.notificationId, attempt, error: result.error }, 'webhook notification failed for good');
    else log.info({ notification_id: n.notificationId, attempt, retryInMs, error: result.error }, 'webhook send failed; will retry');
  }

  async function claimAndSend(): Promise<number> {
    const free = deps.concurrency - inFlight;
    if (free <= 0) return 0;
    const due = await deps.notifications.claimDue(free, deps.leaseMs);
    for (const n of due) {
      inFlight++;
      const p = deliver(n)
        .catch((err: unknown) => log.error({ err, notification_id: n.notificationId }, 'recording a webhook attempt failed; the lease will bring it back'))
        .finally(() => {
          inFlight--;
          sends.delete(p);
          kick();
        });
      sends.add(p);
    }
    return due.length;
  }

  const loop = (async () => {
    while (!stopped) {
      let waitMs = deps.pollMs;
      try {
        if ((await claimAndSend()) > 0) continue;
        const next = await deps.notifications.msUntilNextDue();
        if (next !== undefined) waitMs = Math.max(0, Math.min(waitMs, next));
      } catch (err) {
        if (!stopped) log.warn({ err }, 'dispatcher pass failed; retrying');
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, waitMs);
        wake = () => {
          clearTimeout(t);
          wake = undefined;
          resolve();
        };
      });
    }
  })();

  return {
    /** Something may be due now (a NOTIFY from a consumer transaction). */
    kick,
    async stop(): Promise<void> {
      stopped = true;
      kick();
      await loop;
      await Promise.allSettled([...sends]);
    },
  };
}
