import { OrderStatusView } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview';
import type { OrderView } from '../../domain/order-view';

export function toProto(v: OrderView): OrderStatusView {
  return OrderStatusView.fromPartial({
    orderId: v.orderId,
    customerId: v.customerId,
    storeId: v.storeId,
    storeName: v.storeName,
    status: v.status,
    itemsSummary: v.itemsSummary,
    total: v.totalCurrency ? { currencyCode: v.totalCurrency, units: v.totalUnits } : undefined,
    riderId: v.riderId,
    riderName: v.riderName,
    timeline: v.timeline.map((t) => ({
      eventId: t.eventId,
      eventType: t.eventType,
      status: t.status,
      occurredAt: new Date(t.occurredAt),
      description: t.description,
      traceId: t.traceId ?? '',
    })),
    version: v.version,
    updatedAt: new Date(v.updatedAt),
    createdAt: new Date(v.createdAt),
    estimatedReadyMinutes: v.estimatedReadyMinutes,
    retryAfterSeconds: v.retryAfterSeconds,
    payBy: v.payBy ? new Date(v.payBy) : undefined,
  });
}
