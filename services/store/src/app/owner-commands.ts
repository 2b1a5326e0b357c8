import { notFound, permissionDenied } from '@foodmesh/platform/errors';
import { decide, validateCommand, type StoreOrderCommand } from '../domain/store-order';
import type { InTransaction, StoreOrderRecord } from './ports';
import { storeOrderEnvelope } from './store-events';

export interface OwnerCommand {
  ownerId: string;
  storeId: string;
  orderId: string;
  command: Exclude<StoreOrderCommand, { type: 'requestCancellation' }>;
}

/**
 * Accept, reject, start or finish cooking: checks the input, that the caller
 * owns the store and that the order is the store's, then applies the state
 * machine's decision under the store order's row lock, together with its event.
 * The lock is what makes a StartCooking racing a cancellation have one winner.
 */
export async function runOwnerCommand(inTx: InTransaction, input: OwnerCommand): Promise<StoreOrderRecord> {
  const command = validateCommand(input.command);
  return inTx(async (repo) => {
    const store = await repo.findStore(input.storeId);
    if (!store) throw notFound(`there is no store "${input.storeId}"`);
    if (store.ownerId !== input.ownerId) throw permissionDenied(`store "${input.storeId}" is not yours; you can only handle your own store's orders`);
    const order = await repo.lockStoreOrder(input.orderId);
    if (!order || order.storeId !== store.storeId) throw notFound(`store "${input.storeId}" has no order "${input.orderId}"`);

    const decision = decide(order, command);
    if (decision.outcome !== 'applied') return order;
    const saved = await repo.saveStoreOrder({ ...order, ...decision.next, version: order.version + 1 });
    await repo.publish([storeOrderEnvelope(saved, store, decision.event, { correlationId: order.orderId })]);
    return saved;
  });
}
