import { newEnvelope, type Cause } from '@foodmesh/platform';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { DeliveryEvent } from '../domain/delivery';
import type { DeliveryRecord } from './ports';

/** Delivery events: keyed by the order, aggregated on the delivery. */
function envelope(d: DeliveryRecord, payload: NonNullable<EventEnvelope['payload']>, cause: Cause): EventEnvelope {
  return newEnvelope({
    orderId: d.orderId,
    aggregateId: d.deliveryId,
    aggregateVersion: d.version,
    correlationId: cause.correlationId || d.orderId,
    causationId: cause.causationId,
    payload,
  });
}

export function deliveryAvailable(d: DeliveryRecord, cause: Cause): EventEnvelope {
  return envelope(
    d,
    {
      $case: 'deliveryAvailable',
      value: {
        deliveryId: d.deliveryId,
        orderId: d.orderId,
        storeId: d.storeId,
        customerId: d.customerId,
        region: d.region,
        pickup: d.pickup,
        dropoff: d.dropoff,
      },
    },
    cause,
  );
}

export function deliveryChanged(d: DeliveryRecord, event: DeliveryEvent, cause: Cause & { riderName?: string }): EventEnvelope {
  const ids = { deliveryId: d.deliveryId, orderId: d.orderId, customerId: d.customerId };
  switch (event.type) {
    case 'DeliveryPickedUp':
      return envelope(d, { $case: 'deliveryPickedUp', value: { ...ids, riderId: event.riderId, riderName: cause.riderName ?? '' } }, cause);
    case 'DeliveryCompleted':
      return envelope(d, { $case: 'deliveryCompleted', value: { ...ids, riderId: event.riderId } }, cause);
    case 'DeliveryWithdrawn':
      return envelope(d, { $case: 'deliveryWithdrawn', value: { ...ids, reason: event.reason } }, cause);
    case 'DeliveryDeclined':
      return envelope(
        d,
        { $case: 'deliveryDeclined', value: { ...ids, storeId: d.storeId, riderId: event.riderId, region: d.region, pickup: d.pickup, reason: event.reason } },
        cause,
      );
  }
}
