import { bindService, type CallContext } from '@foodmesh/platform';
import { CustomerServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/customer';
import { callerOf } from './caller';
import type { OrderGuard } from './order-guard';
import { upstream, upstreamStream } from './upstream';
import type { Upstreams } from './upstreams';

/** The customer app's API: the customer is the token's user; their orders only. */
export const customerService = (deps: { up: Upstreams; guard: OrderGuard }) => {
  const { up, guard } = deps;
  const customer = (ctx: CallContext) => callerOf(ctx, 'customer');

  return bindService(CustomerServiceService, {
    async listStores(req, ctx) {
      const me = customer(ctx);
      return upstream(up.store.listStores({ region: req.region, page: req.page }, me.upstream));
    },
    async getMenu(req, ctx) {
      const me = customer(ctx);
      return upstream(up.store.getMenu({ storeId: req.storeId }, me.upstream));
    },
    async placeOrder(req, ctx) {
      const me = customer(ctx);
      return upstream(up.order.placeOrder({ ...req, customerId: me.user.userId }, me.upstream));
    },
    async payOrder(req, ctx) {
      const me = customer(ctx);
      return guard.customer(req.orderId, me.user.userId, () => upstream(up.order.payOrder(req, me.upstream)));
    },
    async cancelOrder(req, ctx) {
      const me = customer(ctx);
      return guard.customer(req.orderId, me.user.userId, () => upstream(up.order.cancelOrder(req, me.upstream)));
    },
    async confirmDelivered(req, ctx) {
      const me = customer(ctx);
      return guard.customer(req.orderId, me.user.userId, () => upstream(up.order.confirmDelivered(req, me.upstream)));
    },
    async getOrderStatus(req, ctx) {
      const me = customer(ctx);
      return guard.customer(req.orderId, me.user.userId, () => upstream(up.orderview.getOrderStatus(req, me.upstream)));
    },
    async listMyOrders(req, ctx) {
      const me = customer(ctx);
      return upstream(up.orderview.listMyOrders({ customerId: me.user.userId, page: req.page }, me.upstream));
    },
    async listOrderPayments(req, ctx) {
      const me = customer(ctx);
      return guard.customerFirst(req.orderId, me.user.userId, async () => {
        // Payment lists only the payments of the customer whose token the edge forwards: another customer's order has none.
        const { payments } = await upstream(up.payment.listPayments({ orderId: req.orderId, customerId: '', page: undefined }, me.upstream));
        return { payments };
      });
    },
    async *watchOrderStatus(req, ctx) {
      const me = customer(ctx);
      yield* guard.customerStream(req.orderId, me.user.userId, () => upstreamStream(up.orderview.watchOrderStatus(req, me.upstream)));
    },
  });
};
