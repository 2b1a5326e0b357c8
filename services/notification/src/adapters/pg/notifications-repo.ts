import { enumNames, withTransaction, type Page, type Pool, type Tx } from '@foodmesh/platform';
import type { AttemptOutcome, NewNotification } from '../../app/ports';
import { NotificationChannel, NotificationDeliveryStatus, RecipientKind, type NotificationRecord } from '../../domain/notification';
import { IN_APP_BATCH } from '../../app/notification-queries';

// Stored by their short names ('CUSTOMER', 'IN_APP', 'PENDING'), under the migrations' CHECKs.
const KIND = enumNames<RecipientKind>(RecipientKind, 'RECIPIENT_KIND_');
const CHANNEL = enumNames<NotificationChannel>(NotificationChannel, 'NOTIFICATION_CHANNEL_');
const DELIVERY = enumNames<NotificationDeliveryStatus>(NotificationDeliveryStatus, 'NOTIFICATION_DELIVERY_STATUS_');

/** NOTIFY channels: a new in-app notification (payload: recipient id); a webhook notification to send. */
export const CREATED_CHANNEL = 'notification_created';
export const DISPATCH_CHANNEL = 'notification_dispatch';

const COLUMNS = `notification_id, recipient_id, recipient_kind, channel, locale, title, body, order_id, event_id,
  event_type, created_at, delivery_status, delivered_at, attempts`;

interface Row {
  notification_id: string;
  recipient_id: string;
  recipient_kind: string;
  channel: string;
  locale: string;
  title: string;
  body: string;
  order_id: string;
  event_id: string;
  event_type: string;
  created_at: Date;
  delivery_status: string;
  delivered_at: Date | null;
  attempts: number;
}

const toRecord = (r: Row): NotificationRecord => ({
  notificationId: r.notification_id,
  recipientId: r.recipient_id,
  recipientKind: KIND.value(r.recipient_kind),
  channel: CHANNEL.value(r.channel),
  locale: r.locale as NotificationRecord['locale'],
  title: r.title,
  body: r.body,
  orderId: r.order_id,
  eventId: r.event_id,
  eventType: r.event_type,
  createdAt: r.created_at,
  deliveryStatus: DELIVERY.value(r.delivery_status),
  deliveredAt: r.delivered_at ?? undefined,
  attempts: r.attempts,
});

export function createNotificationsRepo(pool: Pool) {
  return {
    /**
     * Inserts the notifications that do not exist yet for their (event, recipient,
     * channel) and tells the in-app watchers and the dispatcher, on commit. In-app
     * ones are delivered by being stored (the stream reads them); webhook ones
     * wait for the dispatcher.
     */
    async insert(tx: Tx, items: NewNotification[]): Promise<number> {
      let inserted = 0;
      let dispatch = false;
      const recipients = new Set<string>();
      for (const n of items) {
        const inApp = n.channel === NotificationChannel.NOTIFICATION_CHANNEL_IN_APP;
        const res = await tx.query(
          `INSERT INTO notifications (notification_id, recipient_id, recipient_kind, channel, locale, title, body, order_id, event_id, event_type,
             delivery_status, delivered_at, attempts, next_attempt_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $11 THEN 'DELIVERED' ELSE 'PENDING' END, CASE WHEN $11 THEN now() END,
                   CASE WHEN $11 THEN 1 ELSE 0 END, CASE WHEN $11 THEN NULL ELSE now() END)
           ON CONFLICT (event_id, recipient_id, channel) DO NOTHING`,
          [
            n.notificationId,
            n.recipientId,
            KIND.name(n.recipientKind),
            CHANNEL.name(n.channel),
            n.locale,
            n.title,
            n.body,
            n.orderId,
            n.eventId,
            n.eventType,
            inApp,
          ],
        );
        if (!res.rowCount) continue;
        inserted++;
        if (inApp) recipients.add(n.recipientId);
        else dispatch = true;
      }
      for (const r of recipients) await tx.query('SELECT pg_notify($1, $2)', [CREATED_CHANNEL, r]);
      if (dispatch) await tx.query(`SELECT pg_notify($1, '')`, [DISPATCH_CHANNEL]);
      return inserted;
    },

    /** A recipient's notifications, newest first (`page.limit + 1` rows, to tell whether a next page exists). */
    async listForRecipient(recipientId: string, page: Page): Promise<NotificationRecord[]> {
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM notifications WHERE recipient_id = $1 ORDER BY created_at DESC, notification_id DESC LIMIT $2 OFFSET $3`,
        [recipientId, page.limit + 1, page.offset],
      );
      return rows.map(toRecord);
    },

    /** A recipient's in-app notifications created after `after`, oldest first. */
    async inAppAfter(recipientId: string, after: Date): Promise<NotificationRecord[]> {
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM notifications WHERE recipient_id = $1 AND channel = 'IN_APP' AND created_at > $2
         ORDER BY created_at, notification_id LIMIT $3`,
        [recipientId, after, IN_APP_BATCH],
      );
      return rows.map(toRecord);
    },

    async dbNow(): Promise<Date> {
      const { rows } = await pool.query<{ now: Date }>('SELECT now() AS now');
      return rows[0]!.now;
    },

    /**
     * Claims up to `limit` webhook notifications that are due, leasing them for
     * `leaseMs` (SKIP LOCKED + a lease in next_attempt_at: safe with several
     * dispatchers, and a crashed one's claims come due again).
     */
    async claimDue(limit: number, leaseMs: number): Promise<NotificationRecord[]> {
      const { rows } = await pool.query<Row>(
        `UPDATE notifications SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
         WHERE notification_id IN (
           SELECT notification_id FROM notifications
           WHERE next_attempt_at <= now() AND delivery_status = 'PENDING'
           ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING ${COLUMNS}`,
        [limit, leaseMs],
      );
      return rows.map(toRecord);
    },

    /** Milliseconds until the next pending send is due (undefined: none pending). */
    async msUntilNextDue(): Promise<number | undefined> {
      const { rows } = await pool.query<{ ms: number | null }>(
        `SELECT (extract(epoch FROM min(next_attempt_at) - now()) * 1000)::float8 AS ms FROM notifications WHERE next_attempt_at IS NOT NULL AND delivery_status = 'PENDING'`,
      );
      return rows[0]?.ms ?? undefined;
    },

    /** Records one send and its outcome: delivered, retry after `retryInMs`, or failed for good. */
    async recordAttempt(notificationId: string, attempt: number, outcome: AttemptOutcome): Promise<void> {
      await withTransaction(pool, async (tx) => {
        await tx.query('INSERT INTO notification_attempts (notification_id, attempt, delivered, http_status, error) VALUES ($1, $2, $3, $4, $5)', [
          notificationId,
          attempt,
          outcome.delivered,
          outcome.httpStatus ?? null,
          outcome.delivered ? null : outcome.error,
        ]);
        if (outcome.delivered) {
          await tx.query(
            `UPDATE notifications SET delivery_status = 'DELIVERED', delivered_at = now(), attempts = $2, next_attempt_at = NULL, last_error = NULL WHERE notification_id = $1`,
            [notificationId, attempt],
          );
        } else if (outcome.retryInMs !== undefined) {
          await tx.query(
            `UPDATE notifications SET attempts = $2, next_attempt_at = now() + make_interval(secs => $3::double precision / 1000), last_error = $4 WHERE notification_id = $1`,
            [notificationId, attempt, outcome.retryInMs, outcome.error],
          );
        } else {
          await tx.query(
            `UPDATE notifications SET delivery_status = 'FAILED', attempts = $2, next_attempt_at = NULL, last_error = $3 WHERE notification_id = $1`,
            [notificationId, attempt, outcome.error],
          );
        }
      });
    },
  };
}
export type NotificationsRepo = ReturnType<typeof createNotificationsRepo>;
