import { v7 as uuidv7 } from 'uuid';
import { causedBy } from '@foodmesh/platform';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { OrderCancelled, OrderCompleted } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import type { CookingFinished } from '@foodmesh/proto-gen/foodmesh/events/v1/store_events';
import { decide, type DeliveryInput } from '../domain/delivery';
import { deliveryAvailable, deliveryChanged } from './delivery-events';
import type { DeliveryRepository, NewDelivery } from './ports';

const noAddress = { region: '', location: { lat: 0, lng: 0 }, text: '' };

/**
 * Cooked food waits for a rider: one AVAILABLE delivery per order, in the
 * customer's region (riders near the customer see it). A repeated
 * CookingFinished finds the order's delivery and changes nothing.
 */
export async function onCookingFinished(repo: DeliveryRepository, e: CookingFinished, env: EventEnvelope): Promise<void> {
  const pickup = { ...noAddress, ...e.pickup, location: e.pickup?.location ?? noAddress.location };
  const dropoff = { ...noAddress, ...e.dropoff, location: e.dropoff?.location ?? noAddress.location };
  const delivery: NewDelivery = {
    deliveryId: uuidv7(),
    orderId: e.orderId,
    storeId: e.storeId,
    storeName: e.storeName,
    customerId: e.customerId,
    region: dropoff.region || pickup.region,
    pickup,
    dropoff,
    status: 'AVAILABLE',
    riderId: '',
    version: 1,
  };
  if (await repo.insertDelivery(delivery)) await repo.publish([deliveryAvailable({ ...delivery, createdAt: new Date() }, causedBy(env))]);
}

async function applyToOrderDelivery(repo: DeliveryRepository, orderId: string, input: DeliveryInput, env: EventEnvelope): Promise<void> {
  const delivery = await repo.lockDeliveryOfOrder(orderId);
  // No delivery: the order never got cooked (e.g. cancelled before), nothing to do.
  if (!delivery) return;
  const decision = decide(delivery, input);
  if (decision.outcome === 'duplicate') return;
  const saved = await repo.saveDelivery({ ...delivery, ...decision.next, version: delivery.version + 1 }, delivery.status);
  await repo.publish([deliveryChanged(saved, decision.event, causedBy(env))]);
}

/** The customer confirmed: the delivery is COMPLETED (DeliveryCompleted). */
export const onOrderCompleted = (repo: DeliveryRepository, e: OrderCompleted, env: EventEnvelope) =>
  applyToOrderDelivery(repo, e.orderId, { type: 'complete', riderId: e.riderId }, env);

/** The order was cancelled: an AVAILABLE delivery is WITHDRAWN and leaves the riders' lists. */
export const onOrderCancelled = (repo: DeliveryRepository, e: OrderCancelled, env: EventEnvelope) =>
  applyToOrderDelivery(repo, e.orderId, { type: 'withdraw', reason: e.reason ? `order cancelled: ${e.reason}` : 'order cancelled' }, env);
