import { bindService, requireService, requireUser } from '@foodmesh/platform';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { Order as OrderMessage, OrderServiceService, PaymentOutcome } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { payOrder, placeOrder } from '../../app/checkout';
import { cancelOrder, confirmDelivered, orderOwner } from '../../app/customer-commands';
import type { OrderDeps } from '../../app/order-deps';
import { ownOrder } from '../../app/order-transition';
import type { PaymentOutcomeKind, PaymentReply } from '../../app/payment-reply';
import { krw } from '../../domain/money';
import type { Order } from '../../domain/order';

export const toOrderMessage = (o: Order): OrderMessage =>
  OrderMessage.fromPartial({
    orderId: o.orderId,
    customerId: o.customerId,
    storeId: o.storeId,
    storeName: o.storeName,
    items: o.items,
    total: krw(o.totalUnits),
    deliveryAddress: o.deliveryAddress,
    status: o.status,
    paymentId: o.paymentId,
    paymentMethod: o.paymentMethod,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    version: o.version,
    payBy: o.status === OrderStatus.ORDER_STATUS_AWAITING_PAYMENT ? o.payBy : undefined,
  });

const OUTCOME: Record<PaymentOutcomeKind, PaymentOutcome> = {
  paid: PaymentOutcome.PAYMENT_OUTCOME_PAID,
  deferred: PaymentOutcome.PAYMENT_OUTCOME_DEFERRED,
  declined: PaymentOutcome.PAYMENT_OUTCOME_DECLINED,
  none: PaymentOutcome.PAYMENT_OUTCOME_UNSPECIFIED,
};

const toPaymentReply = (r: PaymentReply) => ({
  order: toOrderMessage(r.order),
  paymentOutcome: OUTCOME[r.outcome],
  customerMessage: r.customerMessage,
  retryAfterSeconds: r.retryAfterSeconds,
});

/** Every RPC acts for the signed-in customer whose token the edge forwards, except GetOrderOwner: the edge's own call. */
export const orderService = (deps: OrderDeps) =>
  bindService(OrderServiceService, {
    async placeOrder(req, ctx) {
      const who = requireUser(ctx, 'customer');
      return toPaymentReply(await placeOrder(deps, who, req));
    },
    async payOrder(req, ctx) {
      return toPaymentReply(await payOrder(deps, requireUser(ctx, 'customer'), req.orderId, req.paymentMethod));
    },
    async cancelOrder(req, ctx) {
      return { order: toOrderMessage(await cancelOrder(deps, requireUser(ctx, 'customer'), req.orderId, req.reason)) };
    },
    async confirmDelivered(req, ctx) {
      return { order: toOrderMessage(await confirmDelivered(deps, requireUser(ctx, 'customer'), req.orderId)) };
    },
    async getOrder(req, ctx) {
      return { order: toOrderMessage(await ownOrder(deps, requireUser(ctx, 'customer'), req.orderId)) };
    },
    async getOrderOwner(req, ctx) {
      requireService(ctx, 'edge');
      return orderOwner(deps, req.orderId);
    },
  });
