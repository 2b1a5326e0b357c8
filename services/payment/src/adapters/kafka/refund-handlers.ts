import type { EventHandlers, Logger } from '@foodmesh/platform';
import { refund, voidOrder } from '../../app/refund';
import { pgPaymentRepository } from '../pg/payment-repo';

/**
 * The compensation side of the saga: a rejected or store-cancelled order is
 * refunded; an order cancelled while unpaid is voided (and refunded if a
 * timed-out charge went through after all). A paid cancellation's own
 * OrderCancelled needs nothing: StoreOrderCancelled already refunded it.
 */
export function refundHandlers(logger: Logger): EventHandlers {
  return {
    orderRejected: async (e, env, tx) => {
      await refund(pgPaymentRepository(tx), logger, { orderId: e.orderId, reason: `store rejected the order: ${e.reason}`, cause: env });
    },
    storeOrderCancelled: async (e, env, tx) => {
      await refund(pgPaymentRepository(tx), logger, { orderId: e.orderId, reason: `order cancelled: ${e.reason}`, cause: env });
    },
    orderCancelled: async (e, env, tx) => {
      if (e.wasPaid) return;
      await voidOrder(pgPaymentRepository(tx), logger, { orderId: e.orderId, reason: `order cancelled before payment completed: ${e.reason}`, cause: env });
    },
  };
}
