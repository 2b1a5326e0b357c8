/**
 * A fix for kafkajs 2.2.4 (its last release), applied once when the platform loads.
 *
 * `RequestQueue.scheduleCheckPendingRequests` arms a timer for `throttledUntil - Date.now()` even
 * when nothing is pending; unthrottled, `throttledUntil` is -1, so the delay is minus the epoch
 * (Node 24 warns: TimeoutNegativeWarning, kafkajs#1751) and Node runs it after 1 ms. The timer
 * calls `checkPendingRequests`, which schedules again: every broker connection of every client
 * spins a 1 ms timer for as long as it lives (measured here: ~900 wake-ups/s and 4% of a core for
 * one idle producer). Requests only ever wait in `pending` after `push()`, which schedules the
 * check itself, so the check is armed only while something is pending.
 */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's own interval for re-checking a queue that is full rather than throttled. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
const FIXED_VERSION = '2.2.4';

function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const untilThrottleEnds = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    untilThrottleEnds > 0 ? untilThrottleEnds : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
}

/** The kafkajs RequestQueue class, with the fix applied (idempotent). */
export function fixKafkajsRequestQueue(): { prototype: RequestQueueInternals } {
  const version = (require('kafkajs/package.json') as { version: string }).version;
  if (version !== FIXED_VERSION) {
    throw new Error(`kafkajs ${version}: the RequestQueue fix in kafkajs-request-queue.ts was written for ${FIXED_VERSION}; check whether it is still needed`);
  }
  const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals };
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  return RequestQueue;
}
