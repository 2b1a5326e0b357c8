import { pageOf, permissionDenied, readPage, type User, type ChangeFlag, type PageRequestLike } from '@foodmesh/platform';
import type { NotificationRecord } from '../domain/notification';
import type { NotificationChanges, NotificationReads } from './ports';

/**
 * created_at is the inserting transaction's start, so a row can become visible
 * after a later-stamped one. Each read looks this far behind the newest row
 * sent, and skips ids already sent.
 */
const VISIBILITY_WINDOW_MS = 30_000;

/** The most rows one read returns (the repo's LIMIT). */
export const IN_APP_BATCH = 500;

/** The acting user may only read their own notifications; an empty recipient means "mine". */
function recipientOf(me: User, recipientId: string): string {
  if (recipientId && recipientId !== me.userId) throw permissionDenied('you can only read your own notifications');
  return me.userId;
}

export function createNotificationQueries(deps: { reads: NotificationReads; changes: NotificationChanges }) {
  return {
    async list(me: User, recipientId: string, page: PageRequestLike | undefined) {
      const p = readPage(page);
      return pageOf(await deps.reads.listForRecipient(recipientOf(me, recipientId), p), p);
    },

    /** In-app notifications created after `since` (or from now on), oldest first, then each new one; until the caller leaves. */
    async *watch(me: User, recipientId: string, since: Date | undefined, waiter: ChangeFlag): AsyncGenerator<NotificationRecord> {
      const recipient = recipientOf(me, recipientId);
      const unsubscribe = deps.changes.subscribe(recipient, () => waiter.raise());
      try {
        const sent = new Map<string, number>(); // id → created_at ms
        let floor: number;
        if (since) floor = since.getTime();
        else {
          // "Only new ones": what is visible now counts as already seen.
          floor = (await deps.reads.dbNow()).getTime() - VISIBILITY_WINDOW_MS;
          for (const n of await deps.reads.inAppAfter(recipient, new Date(floor))) sent.set(n.notificationId, n.createdAt.getTime());
        }
        let newest = floor;
        for (;;) {
          const after = Math.max(floor, newest - VISIBILITY_WINDOW_MS);
          const batch = await deps.reads.inAppAfter(recipient, new Date(after));
          for (const n of batch) {
            if (sent.has(n.notificationId)) continue;
            sent.set(n.notificationId, n.createdAt.getTime());
            newest = Math.max(newest, n.createdAt.getTime());
            yield n;
          }
          for (const [id, at] of sent) if (at < newest - VISIBILITY_WINDOW_MS) sent.delete(id);
          if (batch.length >= IN_APP_BATCH) continue; // more to read before waiting
          if (!(await waiter.next())) return;
        }
      } finally {
        unsubscribe();
        waiter.dispose();
      }
    },
  };
}
export type NotificationQueries = ReturnType<typeof createNotificationQueries>;
