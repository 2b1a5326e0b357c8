import { bindService, type CallContext } from '@foodmesh/platform';
import { RiderServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/rider';
import type { RiderRequests } from '../../app/rider-requests';
import { callerOf } from './caller';

/** The rider's API: the caller must be a rider. */
export const riderService = (requests: RiderRequests) => {
  const rider = (ctx: CallContext) => callerOf(ctx, 'rider');
  return bindService(RiderServiceService, {
    async listAvailableDeliveries(req, ctx) {
      return requests.listAvailableDeliveries(rider(ctx), req);
    },
    async pickUp(req, ctx) {
      return requests.pickUp(rider(ctx), req);
    },
    async declineDelivery(req, ctx) {
      return requests.declineDelivery(rider(ctx), req);
    },
    async listMyDeliveries(req, ctx) {
      return requests.listMyDeliveries(rider(ctx), req);
    },
  });
};
