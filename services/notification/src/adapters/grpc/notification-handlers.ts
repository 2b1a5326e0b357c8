import { bindService, changeFlag, requireUser } from '@foodmesh/platform';
import { NotificationServiceService } from '@foodmesh/proto-gen/foodmesh/notification/v1/notification';
import type { NotificationQueries } from '../../app/notification-queries';
import { toProto } from './to-proto';

/** Any role reads its own notifications. */
export function notificationService(queries: NotificationQueries) {
  return bindService(NotificationServiceService, {
    async listNotifications(req, ctx) {
      const { items, nextPageToken } = await queries.list(requireUser(ctx), req.recipientId, req.page);
      return { notifications: items.map(toProto), nextPageToken };
    },
    async *watchNotifications(req, ctx) {
      for await (const n of queries.watch(requireUser(ctx), req.recipientId, req.since, changeFlag(ctx.signal))) yield { notification: toProto(n) };
    },
  });
}
