import type {
  CancelOrderRequest,
  ConfirmDeliveredRequest,
  GetMenuRequest,
  GetOrderStatusRequest,
  ListMyOrdersRequest,
  ListOrderPaymentsRequest,
  ListStoresRequest,
  PayOrderRequest,
  PlaceOrderRequest,
  WatchOrderStatusRequest,
} from '@foodmesh/proto-gen/foodmesh/edge/v1/customer';
import type { OrderGuard } from './order-guard';
import type { Caller, Upstreams } from './ports';

/** What a customer may ask: as the token's user, about their own orders only. */
export function customerRequests(deps: { up: Upstreams; guard: OrderGuard }) {
  const { up, guard } = deps;
  return {
    listStores: (me: Caller, req: ListStoresRequest) => up.store.listStores({ region: req.region, page: req.page }, me.upstream),
    getMenu: (me: Caller, req: GetMenuRequest) => up.store.getMenu({ storeId: req.storeId }, me.upstream),
    placeOrder: (me: Caller, req: PlaceOrderRequest) => up.order.placeOrder({ ...req, customerId: me.user.userId }, me.upstream),
    payOrder: (me: Caller, req: PayOrderRequest) => guard.customer(req.orderId, me.user.userId, () => up.order.payOrder(req, me.upstream)),
    cancelOrder: (me: Caller, req: CancelOrderRequest) => guard.customer(req.orderId, me.user.userId, () => up.order.cancelOrder(req, me.upstream)),
    confirmDelivered: (me: Caller, req: ConfirmDeliveredRequest) =>
      guard.customer(req.orderId, me.user.userId, () => up.order.confirmDelivered(req, me.upstream)),
    getOrderStatus: (me: Caller, req: GetOrderStatusRequest) =>
      guard.customer(req.orderId, me.user.userId, () => up.orderview.getOrderStatus(req, me.upstream)),
    listMyOrders: (me: Caller, req: ListMyOrdersRequest) => up.orderview.listMyOrders({ customerId: me.user.userId, page: req.page }, me.upstream),
    listOrderPayments: (me: Caller, req: ListOrderPaymentsRequest) =>
      guard.customerFirst(req.orderId, me.user.userId, async () => {
        // Payment lists only the payments of the customer whose token the edge forwards: another customer's order has none.
        const { payments } = await up.payment.listPayments({ orderId: req.orderId, customerId: '', page: undefined }, me.upstream);
        return { payments };
      }),
    watchOrderStatus: (me: Caller, req: WatchOrderStatusRequest) =>
      guard.customerStream(req.orderId, me.user.userId, () => up.orderview.watchOrderStatus(req, me.upstream)),
  };
}
export type CustomerRequests = ReturnType<typeof customerRequests>;
