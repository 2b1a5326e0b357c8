import { bindService } from '@foodmesh/platform';
import { NotificationsServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/notifications';
import type { NotificationRequests } from '../../app/notification-requests';
import { callerOf } from './caller';

/** Any signed-in user's own in-app notifications. */
export const notificationsService = (requests: NotificationRequests) =>
  bindService(NotificationsServiceService, {
    async listMyNotifications(req, ctx) {
      return requests.listMyNotifications(callerOf(ctx), req);
    },
    async *watchMyNotifications(req, ctx) {
      yield* requests.watchMyNotifications(callerOf(ctx), req);
    },
  });
