import { bindService, type CallContext } from '@foodmesh/platform';
import { OwnerServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/owner';
import { callerOf, missingClaim } from './caller';
import type { OrderGuard } from './order-guard';
import { upstream } from './upstream';
import type { Upstreams } from './upstreams';

/** The store owner's API: the store is the token's user's store; its orders only. */
export const ownerService = (deps: { up: Upstreams; guard: OrderGuard }) => {
  const { up, guard } = deps;
  const owner = (ctx: CallContext) => {
    const me = callerOf(ctx, 'owner');
    if (!me.user.storeId) throw missingClaim('store_id', 'which store you run');
    return { ...me, storeId: me.user.storeId };
  };

  return bindService(OwnerServiceService, {
    async listStoreOrders(req, ctx) {
      const me = owner(ctx);
      return upstream(up.store.listStoreOrders({ storeId: me.storeId, status: req.status, page: req.page }, me.upstream));
    },
    async acceptOrder(req, ctx) {
      const me = owner(ctx);
      return guard.store(req.orderId, me.storeId, () => upstream(up.store.acceptOrder({ ...req, storeId: me.storeId }, me.upstream)));
    },
    async rejectOrder(req, ctx) {
      const me = owner(ctx);
      return guard.store(req.orderId, me.storeId, () => upstream(up.store.rejectOrder({ ...req, storeId: me.storeId }, me.upstream)));
    },
    async startCooking(req, ctx) {
      const me = owner(ctx);
      return guard.store(req.orderId, me.storeId, () => upstream(up.store.startCooking({ ...req, storeId: me.storeId }, me.upstream)));
    },
    async finishCooking(req, ctx) {
      const me = owner(ctx);
      return guard.store(req.orderId, me.storeId, () => upstream(up.store.finishCooking({ ...req, storeId: me.storeId }, me.upstream)));
    },
  });
};
