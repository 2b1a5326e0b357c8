import type { EventHandlers } from '@foodmesh/platform';
import type { Orders } from '../../app/orders';

/**
 * The other services' events that move an order, translated into the state
 * machine's inputs. Stale and duplicate ones are ignored by the machine.
 */
export function sagaHandlers(orders: Orders): EventHandlers {
  return {
    menuPublished: (e, _env, tx) => orders.applyMenu(tx, e),
    orderAccepted: (e, env, tx) => orders.applyEvent(tx, e.orderId, { kind: 'orderAccepted' }, env),
    orderRejected: (e, env, tx) => orders.applyEvent(tx, e.orderId, { kind: 'orderRejected', reason: e.reason }, env),
    cookingStarted: (e, env, tx) => orders.applyEvent(tx, e.orderId, { kind: 'cookingStarted' }, env),
    cookingFinished: (e, env, tx) => orders.applyEvent(tx, e.orderId, { kind: 'cookingFinished' }, env),
    storeOrderCancelled: (e, env, tx) => orders.applyEvent(tx, e.orderId, { kind: 'storeOrderCancelled', reason: e.reason }, env),
    cancellationRejected: (e, env, tx) =>
      orders.applyEvent(tx, e.orderId, { kind: 'cancellationRejected', resumedStatus: e.resumedStatus, reason: e.reason }, env),
    paymentRefunded: (e, env, tx) =>
      orders.applyEvent(tx, e.orderId, { kind: 'paymentRefunded', paymentId: e.paymentId, units: e.amount?.units ?? 0, reason: e.reason }, env),
    deliveryPickedUp: (e, env, tx) =>
      orders.applyEvent(tx, e.orderId, { kind: 'deliveryPickedUp', deliveryId: e.deliveryId, riderId: e.riderId }, env),
    deliveryCompleted: (e, env, tx) => orders.applyEvent(tx, e.orderId, { kind: 'deliveryCompleted' }, env),
    deliveryDeclined: (e, env, tx) => orders.applyEvent(tx, e.orderId, { kind: 'deliveryDeclined' }, env),
  };
}
