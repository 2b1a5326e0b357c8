import type { EventHandlers } from '@foodmesh/platform';
import type { Payments } from '../../app/payments';

/**
 * The compensation side of the saga: a rejected or store-cancelled order is
 * refunded; an order cancelled while unpaid is voided (and refunded if a
 * timed-out charge went through after all). A paid cancellation's own
 * OrderCancelled needs nothing: StoreOrderCancelled already refunded it.
 */
export function refundHandlers(payments: Payments): EventHandlers {
  return {
    orderRejected: async (e, env, tx) => {
      await payments.refund(tx, { orderId: e.orderId, reason: `store rejected the order: ${e.reason}`, cause: env });
    },
    storeOrderCancelled: async (e, env, tx) => {
      await payments.refund(tx, { orderId: e.orderId, reason: `order cancelled: ${e.reason}`, cause: env });
    },
    orderCancelled: async (e, env, tx) => {
      if (e.wasPaid) return;
      await payments.voidOrder(tx, { orderId: e.orderId, reason: `order cancelled before payment completed: ${e.reason}`, cause: env });
    },
  };
}
