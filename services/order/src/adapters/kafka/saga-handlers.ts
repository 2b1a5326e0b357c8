import type { EventHandlers, Tx } from '@foodmesh/platform';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { OrderDeps } from '../../app/order-deps';
import { applyEvent, applyMenu } from '../../app/saga-reactions';
import type { OrderInput } from '../../domain/order-machine';
import { pgOrderRepository } from '../pg/orders-repo';

/**
 * The other services' events that move an order, translated into the state
 * machine's inputs. Stale and duplicate ones are ignored by the machine.
 */
export function sagaHandlers(deps: Pick<OrderDeps, 'logger' | 'now'>): EventHandlers {
  const apply = (tx: Tx, orderId: string, input: OrderInput, env: EventEnvelope) => applyEvent(pgOrderRepository(tx), deps, orderId, input, env);
  return {
    menuPublished: (e, _env, tx) => applyMenu(pgOrderRepository(tx), deps.logger, e),
    orderAccepted: (e, env, tx) => apply(tx, e.orderId, { kind: 'orderAccepted' }, env),
    orderRejected: (e, env, tx) => apply(tx, e.orderId, { kind: 'orderRejected', reason: e.reason }, env),
    cookingStarted: (e, env, tx) => apply(tx, e.orderId, { kind: 'cookingStarted' }, env),
    cookingFinished: (e, env, tx) => apply(tx, e.orderId, { kind: 'cookingFinished' }, env),
    storeOrderCancelled: (e, env, tx) => apply(tx, e.orderId, { kind: 'storeOrderCancelled', reason: e.reason }, env),
    cancellationRejected: (e, env, tx) => apply(tx, e.orderId, { kind: 'cancellationRejected', resumedStatus: e.resumedStatus, reason: e.reason }, env),
    // Payment's record of a charge settles an order whose Pay reply never came back (a timeout
    // after payment committed): without it the order would wait, charged, for the customer to pay
    // again or for its pay-by time. Usually the reply came first and the machine ignores this.
    paymentApproved: (e, env, tx) => apply(tx, e.orderId, { kind: 'paymentApproved', paymentId: e.paymentId, method: e.method }, env),
    paymentRefunded: (e, env, tx) =>
      apply(tx, e.orderId, { kind: 'paymentRefunded', paymentId: e.paymentId, units: e.amount?.units ?? 0, reason: e.reason }, env),
    deliveryPickedUp: (e, env, tx) => apply(tx, e.orderId, { kind: 'deliveryPickedUp', deliveryId: e.deliveryId, riderId: e.riderId }, env),
    deliveryCompleted: (e, env, tx) => apply(tx, e.orderId, { kind: 'deliveryCompleted' }, env),
    deliveryDeclined: (e, env, tx) => apply(tx, e.orderId, { kind: 'deliveryDeclined' }, env),
  };
}
