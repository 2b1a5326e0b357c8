import { bindService, changeFlag, invalidArgument, requireUser } from '@foodmesh/platform';
import { OrderViewServiceService } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview';
import type { OrderQueries } from '../../app/order-queries';
import { toProto } from './to-proto';

const orderIdOf = (req: { orderId: string }) => {
  if (!req.orderId) throw invalidArgument('order_id is required');
  return req.orderId;
};

/** The customer-facing queries (and an operator's read of any order); the acting user is the one of the token the edge forwards. */
export function orderViewService(queries: OrderQueries) {
  return bindService(OrderViewServiceService, {
    async getOrderStatus(req, ctx) {
      // An operator reads any order (the operations page's saga timeline); a customer only their own.
      if (requireUser(ctx).role === 'ops') return { view: toProto(await queries.getAny(orderIdOf(req))) };
      const me = requireUser(ctx, 'customer');
      return { view: toProto(await queries.get(orderIdOf(req), me.userId)) };
    },
    async listMyOrders(req, ctx) {
      const me = requireUser(ctx, 'customer');
      const { items, nextPageToken } = await queries.listMine(me.userId, req.customerId, req.page);
      return { views: items.map(toProto), nextPageToken };
    },
    async *watchOrderStatus(req, ctx) {
      const me = requireUser(ctx, 'customer');
      for await (const v of queries.watch(orderIdOf(req), me.userId, changeFlag(ctx.signal))) yield { view: toProto(v) };
    },
  });
}
