import { bindService } from '@foodmesh/platform';
import { NotificationsServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/notifications';
import { callerOf } from './caller';
import { upstream, upstreamStream } from './upstream';
import type { Upstreams } from './upstreams';

/** Any signed-in user's own in-app notifications. */
export const notificationsService = (deps: { up: Upstreams }) => {
  const { up } = deps;
  return bindService(NotificationsServiceService, {
    async listMyNotifications(req, ctx) {
      const me = callerOf(ctx);
      return upstream(up.notification.listNotifications({ recipientId: me.user.userId, page: req.page }, me.upstream));
    },
    async *watchMyNotifications(req, ctx) {
      const me = callerOf(ctx);
      yield* upstreamStream(up.notification.watchNotifications({ recipientId: me.user.userId, since: req.since }, me.upstream));
    },
  });
};
