import type {
  AcceptOrderRequest,
  FinishCookingRequest,
  ListStoreOrdersRequest,
  RejectOrderRequest,
  StartCookingRequest,
} from '@foodmesh/proto-gen/foodmesh/edge/v1/owner';
import { storeOf } from './claims';
import type { OrderGuard } from './order-guard';
import type { Caller, Upstreams } from './ports';

/** What a store owner may ask: about the token's user's store and its orders only. */
export function ownerRequests(deps: { up: Upstreams; guard: OrderGuard }) {
  const { up, guard } = deps;
  return {
    listStoreOrders: async (me: Caller, req: ListStoreOrdersRequest) =>
      up.store.listStoreOrders({ storeId: storeOf(me), status: req.status, page: req.page }, me.upstream),
    acceptOrder: async (me: Caller, req: AcceptOrderRequest) => {
      const storeId = storeOf(me);
      return guard.store(req.orderId, storeId, () => up.store.acceptOrder({ ...req, storeId }, me.upstream));
    },
    rejectOrder: async (me: Caller, req: RejectOrderRequest) => {
      const storeId = storeOf(me);
      return guard.store(req.orderId, storeId, () => up.store.rejectOrder({ ...req, storeId }, me.upstream));
    },
    startCooking: async (me: Caller, req: StartCookingRequest) => {
      const storeId = storeOf(me);
      return guard.store(req.orderId, storeId, () => up.store.startCooking({ ...req, storeId }, me.upstream));
    },
    finishCooking: async (me: Caller, req: FinishCookingRequest) => {
      const storeId = storeOf(me);
      return guard.store(req.orderId, storeId, () => up.store.finishCooking({ ...req, storeId }, me.upstream));
    },
  };
}
export type OwnerRequests = ReturnType<typeof ownerRequests>;
