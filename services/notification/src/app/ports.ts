import type { Tx } from '@foodmesh/platform';
import type { NotificationRecord } from '../domain/notification';

/** Where the queries read notifications. */
export interface NotificationReads {
  listForRecipient(recipientId: string, page: { limit: number; offset: number }): Promise<NotificationRecord[]>;
  inAppAfter(recipientId: string, after: Date): Promise<NotificationRecord[]>;
  dbNow(): Promise<Date>;
}

/** Tells a watcher that a recipient may have a new notification. */
export interface NotificationChanges {
  /** Calls `fn` after a recipient's new notification commits (and after any gap in notifications). */
  subscribe(recipientId: string, fn: () => void): () => void;
}

/** A notification about to be stored: one recipient, one channel. */
export type NewNotification = Omit<NotificationRecord, 'createdAt' | 'deliveryStatus' | 'deliveredAt' | 'attempts'>;

/** One webhook attempt's outcome: delivered, to be retried in `retryInMs`, or given up. */
export type AttemptOutcome = { delivered: true; httpStatus: number } | { delivered: false; httpStatus?: number; error: string; retryInMs?: number };

/** Where notifications are kept and claimed for sending (adapters/pg/notifications-repo.ts). */
export interface NotificationStore {
  /** Stores them inside the consumer's transaction; a second time is a no-op. Returns how many were new. */
  insert(tx: Tx, items: NewNotification[]): Promise<number>;
  /** Up to `limit` webhook notifications due now, leased for `leaseMs`. */
  claimDue(limit: number, leaseMs: number): Promise<NotificationRecord[]>;
  /** Until the next due one; undefined when none waits. */
  msUntilNextDue(): Promise<number | undefined>;
  recordAttempt(notificationId: string, attempt: number, outcome: AttemptOutcome): Promise<void>;
}

/** Who owns a store and which riders serve a region (adapters/pg/directory-repo.ts). */
export interface Directory {
  ownerOf(tx: Tx, storeId: string): Promise<string | undefined>;
  ridersIn(tx: Tx, region: string): Promise<string[]>;
}
