import { invalidArgument } from '@foodmesh/platform';
import type {
  DeclineDeliveryRequest,
  ListAvailableDeliveriesRequest,
  ListMyDeliveriesRequest,
  PickUpRequest,
} from '@foodmesh/proto-gen/foodmesh/edge/v1/rider';
import { regionOf } from './claims';
import type { Caller, Upstreams } from './ports';

/** What a rider may ask: as the token's user, about deliveries of the token's region. */
export function riderRequests(deps: { up: Upstreams }) {
  const { up } = deps;
  return {
    listAvailableDeliveries: async (me: Caller, req: ListAvailableDeliveriesRequest) =>
      up.delivery.listAvailableDeliveries({ region: regionOf(me), near: req.near, radiusM: req.radiusM, page: req.page }, me.upstream),
    // The delivery service keeps the region rule (PERMISSION_DENIED, OTHER_REGION), which passes through.
    pickUp: async (me: Caller, req: PickUpRequest) => {
      regionOf(me);
      if (!req.deliveryId.trim()) throw invalidArgument('delivery_id is required');
      return up.delivery.pickUp({ deliveryId: req.deliveryId, riderId: me.user.userId }, me.upstream);
    },
    declineDelivery: async (me: Caller, req: DeclineDeliveryRequest) => {
      regionOf(me);
      if (!req.deliveryId.trim()) throw invalidArgument('delivery_id is required');
      return up.delivery.declineDelivery({ deliveryId: req.deliveryId, riderId: me.user.userId, reason: req.reason }, me.upstream);
    },
    listMyDeliveries: async (me: Caller, req: ListMyDeliveriesRequest) => {
      regionOf(me);
      return up.delivery.listMyDeliveries({ riderId: me.user.userId, page: req.page }, me.upstream);
    },
  };
}
export type RiderRequests = ReturnType<typeof riderRequests>;
