import { bindService, notFound, pageOf, permissionDenied, readPage, requiredText, requireUser, type CallContext } from '@foodmesh/platform';
import { DeliveryServiceService, DeliveryStatus, type Delivery } from '@foodmesh/proto-gen/foodmesh/delivery/v1/delivery';
import { declineDelivery } from '../../app/decline-delivery';
import { pickUp } from '../../app/pick-up';
import type { DeliveryRecord, InTransaction } from '../../app/ports';
import { rankByDistance, validateNearbyQuery } from '../../domain/nearby';
import type { DeliveryQueries } from '../pg/delivery-queries';

const toDelivery = (d: DeliveryRecord): Delivery => ({
  deliveryId: d.deliveryId,
  orderId: d.orderId,
  storeId: d.storeId,
  storeName: d.storeName,
  region: d.region,
  pickup: d.pickup,
  dropoff: d.dropoff,
  status: DeliveryStatus[`DELIVERY_STATUS_${d.status}`],
  riderId: d.riderId,
  createdAt: d.createdAt,
  pickedUpAt: d.pickedUpAt,
  completedAt: d.completedAt,
});

/** A rider acts only as themselves: the signed-in rider must be the rider the request names. */
function checkActingRider(ctx: CallContext, riderId: string): void {
  const me = requireUser(ctx, 'rider');
  if (me.userId !== riderId) throw permissionDenied(`you are signed in as rider "${me.userId}", not "${riderId}"`);
}

/** The DeliveryService RPCs: validate the request, read or run a use case, map the result. */
export function deliveryService(deps: { queries: DeliveryQueries; inTx: InTransaction }) {
  const { queries, inTx } = deps;

  return bindService(DeliveryServiceService, {
    async listAvailableDeliveries(req) {
      const query = validateNearbyQuery({ region: req.region, near: req.near, radiusM: req.radiusM });
      const page = readPage(req.page);
      const ranked = rankByDistance(await queries.availableIn(query.region), (d) => d.pickup.location!, query);
      const { items, nextPageToken } = pageOf(ranked.slice(page.offset, page.offset + page.limit + 1), page);
      return { deliveries: items.map((r) => ({ delivery: toDelivery(r.item), distanceM: r.distanceM })), nextPageToken };
    },
    async pickUp(req, ctx) {
      const deliveryId = requiredText(req.deliveryId, 'delivery_id');
      const riderId = requiredText(req.riderId, 'rider_id');
      checkActingRider(ctx, riderId);
      return { delivery: toDelivery(await pickUp(inTx, { deliveryId, riderId })) };
    },
    async declineDelivery(req, ctx) {
      const deliveryId = requiredText(req.deliveryId, 'delivery_id');
      const riderId = requiredText(req.riderId, 'rider_id');
      checkActingRider(ctx, riderId);
      return { delivery: toDelivery(await declineDelivery(inTx, { deliveryId, riderId, reason: req.reason.trim() })) };
    },
    async listMyDeliveries(req, ctx) {
      const riderId = requiredText(req.riderId, 'rider_id');
      checkActingRider(ctx, riderId);
      const page = readPage(req.page);
      if (!(await queries.findRider(riderId))) throw notFound(`there is no rider "${riderId}"`);
      const { items, nextPageToken } = pageOf(await queries.ofRider(riderId, page), page);
      return { deliveries: items.map(toDelivery), nextPageToken };
    },
    async getDelivery(req) {
      const deliveryId = requiredText(req.deliveryId, 'delivery_id');
      const delivery = await queries.findDelivery(deliveryId);
      if (!delivery) throw notFound(`there is no delivery "${deliveryId}"`);
      return { delivery: toDelivery(delivery) };
    },
    async getRider(req) {
      const riderId = requiredText(req.riderId, 'rider_id');
      const rider = await queries.findRider(riderId);
      if (!rider) throw notFound(`there is no rider "${riderId}"`);
      return { rider };
    },
  });
}
