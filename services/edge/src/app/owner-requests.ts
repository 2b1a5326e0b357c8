import type { CallOptions } from '@foodmesh/platform';
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
  /** A command about one order of the owner's store, sent to the store service for that store. */
  const onStoreOrder = async <R extends { orderId: string }, T>(
    me: Caller,
    req: R,
    command: (req: R & { storeId: string }, opts: CallOptions) => Promise<T>,
  ) => {
    const storeId = storeOf(me);
    return guard.store(req.orderId, storeId, () => command({ ...req, storeId }, me.upstream));
  };
  return {
    listStoreOrders: async (me: Caller, req: ListStoreOrdersRequest) =>
      up.store.listStoreOrders({ storeId: storeOf(me), status: req.status, page: req.page }, me.upstream),
    acceptOrder: (me: Caller, req: AcceptOrderRequest) => onStoreOrder(me, req, up.store.acceptOrder),
    rejectOrder: (me: Caller, req: RejectOrderRequest) => onStoreOrder(me, req, up.store.rejectOrder),
    startCooking: (me: Caller, req: StartCookingRequest) => onStoreOrder(me, req, up.store.startCooking),
    finishCooking: (me: Caller, req: FinishCookingRequest) => onStoreOrder(me, req, up.store.finishCooking),
  };
}
export type OwnerRequests = ReturnType<typeof ownerRequests>;
