import type { EventHandlers } from '@foodmesh/platform';
import { onCancellationRequested, onOrderPlaced } from '../../app/order-reactions';
import { pgStoreRepository } from '../pg/store-repo';

/** What the store does with `order.events`; each runs in the consumer's inbox transaction. */
export const orderEventHandlers: EventHandlers = {
  orderPlaced: (e, env, tx) => onOrderPlaced(pgStoreRepository(tx), e, env),
  orderCancellationRequested: (e, env, tx) => onCancellationRequested(pgStoreRepository(tx), e, env),
};
