import { causedBy } from '@foodmesh/platform';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { OrderCancellationRequested, OrderPlaced } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import { decide } from '../domain/store-order';
import type { NewStoreOrder, StoreRepository } from './ports';
import { storeOrderEnvelope } from './store-events';

const emptyAddress = { region: '', location: { lat: 0, lng: 0 }, text: '' };

/**
 * A paid order reaches its store: a REQUESTED store order. A repeated
 * OrderPlaced finds the order already there and changes nothing. An order for
 * a store this service does not know is rejected at once (OrderRejected leads
 * to the refund) rather than left waiting for an owner who does not exist.
 */
export async function onOrderPlaced(repo: StoreRepository, e: OrderPlaced, env: EventEnvelope): Promise<void> {
  const store = await repo.findStore(e.storeId);
  const order: NewStoreOrder = {
    orderId: e.orderId,
    storeId: e.storeId,
    customerId: e.customerId,
    items: e.items,
    total: e.total ?? { currencyCode: 'KRW', units: 0 },
    dropoff: { ...emptyAddress, ...e.deliveryAddress, location: e.deliveryAddress?.location ?? emptyAddress.location },
    status: store ? 'REQUESTED' : 'REJECTED',
    estimatedReadyMinutes: 0,
    reason: store ? '' : 'the store is not on the platform',
    version: store ? 0 : 1,
  };
  const inserted = await repo.insertStoreOrder(order);
  if (inserted && !store) {
    const saved = { ...order, createdAt: new Date(), updatedAt: new Date() };
    await repo.publish([storeOrderEnvelope(saved, null, { type: 'OrderRejected', reason: order.reason }, causedBy(env))]);
  }
}

/**
 * The customer asks to cancel: the store decides under the store order's row
 * lock (the same lock StartCooking takes), so exactly one of them wins.
 *
 * A request for an order the store has not seen (impossible while OrderPlaced
 * and the request share the order's partition, but cheap to make safe) is
 * granted, and a CANCELLED store order is recorded so that a late OrderPlaced
 * finds the order already there and never makes it REQUESTED.
 */
export async function onCancellationRequested(repo: StoreRepository, e: OrderCancellationRequested, env: EventEnvelope): Promise<void> {
  const cause = { ...causedBy(env), previousStatus: e.previousStatus };
  let order = await repo.lockStoreOrder(e.orderId);
  if (!order) {
    const tombstone: NewStoreOrder = {
      orderId: e.orderId,
      storeId: e.storeId,
      customerId: e.customerId,
      items: [],
      total: { currencyCode: 'KRW', units: 0 },
      dropoff: emptyAddress,
      status: 'CANCELLED',
      estimatedReadyMinutes: 0,
      reason: e.reason,
      version: 1,
    };
    if (await repo.insertStoreOrder(tombstone)) {
      const saved = { ...tombstone, createdAt: new Date(), updatedAt: new Date() };
      await repo.publish([storeOrderEnvelope(saved, null, { type: 'StoreOrderCancelled', reason: e.reason }, cause)]);
      return;
    }
    order = await repo.lockStoreOrder(e.orderId);
    if (!order) throw new Error(`store order ${e.orderId} vanished while cancelling`);
  }

  const decision = decide(order, { type: 'requestCancellation', reason: e.reason });
  if (decision.outcome === 'duplicate') return;
  // Refusing changes no state, but it is this store order's event, so its version moves on.
  const next = decision.outcome === 'applied' ? { ...order, ...decision.next } : order;
  const saved = await repo.saveStoreOrder({ ...next, version: order.version + 1 });
  await repo.publish([storeOrderEnvelope(saved, null, decision.event, cause)]);
}
