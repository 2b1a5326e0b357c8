import type { EventCase, EventHandlers } from '@foodmesh/platform';
import type { Projector } from '../../app/projector';

/** Every saga event (the compiler insists: a new event must be listed); MenuPublished is not about an order. */
const ORDER_EVENTS = Object.keys({
  orderPaymentDeferred: true, orderPaymentAvailable: true, orderPlaced: true, orderPaymentFailed: true, orderCancellationRequested: true,
  orderCancelled: true, orderCompleted: true, orderRefunded: true,
  paymentApproved: true, paymentDeclined: true, paymentRefunded: true,
  orderAccepted: true, orderRejected: true, cookingStarted: true, cookingFinished: true, storeOrderCancelled: true, cancellationRejected: true,
  deliveryAvailable: true, deliveryPickedUp: true, deliveryCompleted: true, deliveryWithdrawn: true,
} satisfies Record<Exclude<EventCase, 'menuPublished'>, true>) as Exclude<EventCase, 'menuPublished'>[];

export const CONSUMED_TOPICS = ['order.events', 'payment.events', 'store.events', 'delivery.events'];

export function projectionHandlers(projector: Projector): EventHandlers {
  const apply = (_payload: unknown, env: Parameters<Projector['apply']>[0], tx: Parameters<Projector['apply']>[1]) => projector.apply(env, tx);
  return Object.fromEntries(ORDER_EVENTS.map((c) => [c, apply])) as EventHandlers;
}
