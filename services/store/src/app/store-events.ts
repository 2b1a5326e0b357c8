import { newEnvelope, type Cause as EventCause } from '@foodmesh/platform';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { StoreOrderEvent, StoreOrderStatus } from '../domain/store-order';
import type { PendingMenu, StoreOrderRecord, StoreRecord } from './ports';

/** What caused an event: the incoming event (consumers) or nothing (owner RPCs). */
export interface Cause extends EventCause {
  /** From OrderCancellationRequested: where the order returns if the store refuses. */
  previousStatus?: OrderStatus;
}

function resumedStatus(status: StoreOrderStatus, cause: Cause): OrderStatus {
  if (status === 'COOKING') return OrderStatus.ORDER_STATUS_COOKING;
  if (status === 'COOKED') return OrderStatus.ORDER_STATUS_COOKED;
  // Refused before cooking (the store already rejected it): the order goes back
  // to where it was; the store's OrderRejected carries the rest.
  return cause.previousStatus || OrderStatus.ORDER_STATUS_PAID;
}

function payloadOf(order: StoreOrderRecord, store: StoreRecord | null, event: StoreOrderEvent, cause: Cause): EventEnvelope['payload'] & object {
  const ids = { orderId: order.orderId, storeId: order.storeId, customerId: order.customerId };
  switch (event.type) {
    case 'OrderAccepted':
      return { $case: 'orderAccepted', value: { ...ids, estimatedReadyMinutes: event.estimatedReadyMinutes } };
    case 'OrderRejected':
      return { $case: 'orderRejected', value: { ...ids, reason: event.reason } };
    case 'CookingStarted':
      return { $case: 'cookingStarted', value: ids };
    case 'CookingFinished':
      if (!store) throw new Error(`CookingFinished for ${order.orderId} needs its store ${order.storeId}`);
      return {
        $case: 'cookingFinished',
        value: {
          ...ids,
          storeName: store.name,
          pickup: { region: store.region, location: store.location, text: store.addressText },
          dropoff: order.dropoff,
        },
      };
    case 'StoreOrderCancelled':
      return { $case: 'storeOrderCancelled', value: { ...ids, reason: event.reason } };
    case 'CancellationRejected':
      return { $case: 'cancellationRejected', value: { ...ids, reason: event.reason, resumedStatus: resumedStatus(event.statusWhenRefused, cause) } };
  }
}

/** The envelope of a store-order event: keyed by the order, aggregate version = the store order's. */
export function storeOrderEnvelope(order: StoreOrderRecord, store: StoreRecord | null, event: StoreOrderEvent, cause: Cause = {}): EventEnvelope {
  return newEnvelope({
    orderId: order.orderId,
    aggregateVersion: order.version,
    correlationId: cause.correlationId,
    causationId: cause.causationId,
    payload: payloadOf(order, store, event, cause),
  });
}

/** MenuPublished: not about an order, so keyed by (and aggregated on) the store. */
export function menuPublishedEnvelope(menu: PendingMenu): EventEnvelope {
  const { store } = menu;
  return newEnvelope({
    orderId: '',
    aggregateId: store.storeId,
    aggregateVersion: menu.menuVersion,
    payload: {
      $case: 'menuPublished',
      value: {
        storeId: store.storeId,
        storeName: store.name,
        ownerId: store.ownerId,
        region: store.region,
        location: store.location,
        addressText: store.addressText,
        open: store.open,
        items: menu.items,
        menuVersion: menu.menuVersion,
      },
    },
  });
}
