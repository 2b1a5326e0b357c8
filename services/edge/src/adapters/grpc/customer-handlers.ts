import { bindService, type CallContext } from '@foodmesh/platform';
import { CustomerServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/customer';
import type { CustomerRequests } from '../../app/customer-requests';
import { callerOf } from './caller';

/** The customer app's API: the caller must be a customer. */
export const customerService = (requests: CustomerRequests) => {
  const customer = (ctx: CallContext) => callerOf(ctx, 'customer');
  return bindService(CustomerServiceService, {
    async listStores(req, ctx) {
      return requests.listStores(customer(ctx), req);
    },
    async getMenu(req, ctx) {
      return requests.getMenu(customer(ctx), req);
    },
    async placeOrder(req, ctx) {
      return requests.placeOrder(customer(ctx), req);
    },
    async payOrder(req, ctx) {
      return requests.payOrder(customer(ctx), req);
    },
    async cancelOrder(req, ctx) {
      return requests.cancelOrder(customer(ctx), req);
    },
    async confirmDelivered(req, ctx) {
      return requests.confirmDelivered(customer(ctx), req);
    },
    async getOrderStatus(req, ctx) {
      return requests.getOrderStatus(customer(ctx), req);
    },
    async listMyOrders(req, ctx) {
      return requests.listMyOrders(customer(ctx), req);
    },
    async listOrderPayments(req, ctx) {
      return requests.listOrderPayments(customer(ctx), req);
    },
    async *watchOrderStatus(req, ctx) {
      yield* requests.watchOrderStatus(customer(ctx), req);
    },
  });
};
