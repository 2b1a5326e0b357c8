import { NotificationChannel, RecipientKind, type NotificationRecord } from '../../domain/notification';
import type { SendResult } from '../../app/dispatcher';

/**
 * The KakaoTalk-style channel: POST the notification as JSON. The
 * Idempotency-Key (the notification id) lets the receiver drop a retry of a
 * send it already took, e.g. when our request timed out after it succeeded.
 */
export function webhookSender(url: string, timeoutMs: number) {
  return async (n: NotificationRecord): Promise<SendResult> => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': n.notificationId },
        body: JSON.stringify({
          notification_id: n.notificationId,
          recipient_id: n.recipientId,
          recipient_kind: RecipientKind[n.recipientKind],
          channel: NotificationChannel[n.channel],
          locale: n.locale,
          title: n.title,
          body: n.body,
          order_id: n.orderId,
          event_type: n.eventType,
          created_at: n.createdAt.toISOString(),
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined); // drain, so the connection is reused
      return res.ok ? { ok: true, httpStatus: res.status } : { ok: false, httpStatus: res.status, error: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, error: (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message };
    }
  };
}
