import type { EventHandlers } from '@foodmesh/platform';
import { onCookingFinished, onOrderCancelled, onOrderCompleted } from '../../app/saga-reactions';
import { pgDeliveryRepository } from '../pg/delivery-repo';

/** What the delivery service does with `store.events` and `order.events`; each runs in the consumer's inbox transaction. */
export const sagaEventHandlers: EventHandlers = {
  cookingFinished: (e, env, tx) => onCookingFinished(pgDeliveryRepository(tx), e, env),
  orderCompleted: (e, env, tx) => onOrderCompleted(pgDeliveryRepository(tx), e, env),
  orderCancelled: (e, env, tx) => onOrderCancelled(pgDeliveryRepository(tx), e, env),
};
