import type { ListMyNotificationsRequest, WatchMyNotificationsRequest } from '@foodmesh/proto-gen/foodmesh/edge/v1/notifications';
import type { Caller, Upstreams } from './ports';

/** What any signed-in user may ask of their own in-app notifications. */
export function notificationRequests(deps: { up: Upstreams }) {
  const { up } = deps;
  return {
    listMyNotifications: (me: Caller, req: ListMyNotificationsRequest) =>
      up.notification.listNotifications({ recipientId: me.user.userId, page: req.page }, me.upstream),
    watchMyNotifications: (me: Caller, req: WatchMyNotificationsRequest) =>
      up.notification.watchNotifications({ recipientId: me.user.userId, since: req.since }, me.upstream),
  };
}
export type NotificationRequests = ReturnType<typeof notificationRequests>;
