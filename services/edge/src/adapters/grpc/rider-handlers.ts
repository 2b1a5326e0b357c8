import { bindService, invalidArgument, type CallContext } from '@foodmesh/platform';
import { RiderServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/rider';
import { callerOf, missingClaim } from './caller';
import { upstream } from './upstream';
import type { Upstreams } from './upstreams';

/** The rider's API: the rider and region are the token's; deliveries of that region only. */
export const riderService = (deps: { up: Upstreams }) => {
  const { up } = deps;
  const rider = (ctx: CallContext) => {
    const me = callerOf(ctx, 'rider');
    if (!me.user.region) throw missingClaim('region', 'where you ride');
    return { ...me, region: me.user.region };
  };

  return bindService(RiderServiceService, {
    async listAvailableDeliveries(req, ctx) {
      const me = rider(ctx);
      return upstream(up.delivery.listAvailableDeliveries({ region: me.region, near: req.near, radiusM: req.radiusM, page: req.page }, me.upstream));
    },
    async pickUp(req, ctx) {
      const me = rider(ctx);
      if (!req.deliveryId.trim()) throw invalidArgument('delivery_id is required');
      // The delivery service keeps the region rule (PERMISSION_DENIED, OTHER_REGION), which passes through.
      return upstream(up.delivery.pickUp({ deliveryId: req.deliveryId, riderId: me.user.userId }, me.upstream));
    },
    async declineDelivery(req, ctx) {
      const me = rider(ctx);
      if (!req.deliveryId.trim()) throw invalidArgument('delivery_id is required');
      return upstream(up.delivery.declineDelivery({ deliveryId: req.deliveryId, riderId: me.user.userId, reason: req.reason }, me.upstream));
    },
    async listMyDeliveries(req, ctx) {
      const me = rider(ctx);
      return upstream(up.delivery.listMyDeliveries({ riderId: me.user.userId, page: req.page }, me.upstream));
    },
  });
};
