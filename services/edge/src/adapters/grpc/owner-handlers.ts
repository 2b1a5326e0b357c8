import { bindService, type CallContext } from '@foodmesh/platform';
import { OwnerServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/owner';
import type { OwnerRequests } from '../../app/owner-requests';
import { callerOf } from './caller';

/** The store owner's API: the caller must be an owner. */
export const ownerService = (requests: OwnerRequests) => {
  const owner = (ctx: CallContext) => callerOf(ctx, 'owner');
  return bindService(OwnerServiceService, {
    async listStoreOrders(req, ctx) {
      return requests.listStoreOrders(owner(ctx), req);
    },
    async acceptOrder(req, ctx) {
      return requests.acceptOrder(owner(ctx), req);
    },
    async rejectOrder(req, ctx) {
      return requests.rejectOrder(owner(ctx), req);
    },
    async startCooking(req, ctx) {
      return requests.startCooking(owner(ctx), req);
    },
    async finishCooking(req, ctx) {
      return requests.finishCooking(owner(ctx), req);
    },
  });
};
