import type { EventCase, EventHandlers } from '@foodmesh/platform';
import type { Projector } from '../../app/projector';

/** Every saga event; MenuPublished is not about an order. */
const ORDER_EVENTS: Exclude<EventCase, 'menuPublished'>[] = [
  'orderPaymentDeferred', 'orderPlaced', 'orderPaymentFailed', 'orderCancellationRequested', 'orderCancelled', 'orderCompleted', 'orderRefunded',
  'paymentApproved', 'paymentDeclined', 'paymentRefunded',
  'orderAccepted', 'orderRejected', 'cookingStarted', 'cookingFinished', 'storeOrderCancelled', 'cancellationRejected',
  'deliveryAvailable', 'deliveryPickedUp', 'deliveryCompleted', 'deliveryWithdrawn',
];

export const CONSUMED_TOPICS = ['order.events', 'payment.events', 'store.events', 'delivery.events'];

export function projectionHandlers(projector: Projector): EventHandlers {
  const apply = (_payload: unknown, env: Parameters<Projector['apply']>[0], tx: Parameters<Projector['apply']>[1]) => projector.apply(env, tx);
  return Object.fromEntries(ORDER_EVENTS.map((c) => [c, apply])) as EventHandlers;
}
