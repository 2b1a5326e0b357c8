import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { Money } from '@foodmesh/proto-gen/foodmesh/common/v1/money';
import type { OrderItem } from '@foodmesh/proto-gen/foodmesh/common/v1/order_item';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { OrderCancelReason } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';

/** The view's fields an event may set; the fold keeps the latest non-empty value of each. */
export interface FactFields {
  customerId?: string;
  storeId?: string;
  storeName?: string;
  itemsSummary?: string;
  totalCurrency?: string;
  totalUnits?: number;
  riderId?: string;
  riderName?: string;
  estimatedReadyMinutes?: number;
  retryAfterSeconds?: number;
  /** ISO 8601: until when an AWAITING_PAYMENT order can be paid. */
  payBy?: string;
  /** Set by the events that create an order (OrderPaymentDeferred, OrderPlaced). */
  createdAt?: string;
}

/**
 * What one event contributes to an order's view, kept with the row (JSON) so
 * the view can always be recomputed from the set of its events.
 */
export interface ViewFact {
  eventId: string;
  eventType: string;
  producer: string;
  aggregateId: string;
  aggregateVersion: number;
  /** ISO 8601, from the envelope. */
  occurredAt: string;
  /** The trace the event was created in (its envelope's traceparent), for operators; absent in facts stored before it was kept. */
  traceId?: string;
  /** The status this event moves the order to, if it moves it. */
  status?: OrderStatus;
  /** CancellationRejected may move an order back from CANCEL_REQUESTED to an earlier stage. */
  resumes?: boolean;
  /** A short English sentence for the timeline. */
  description: string;
  set: FactFields;
}

/** The trace id of a W3C `traceparent` (version-traceid-spanid-flags); "" when there is none. */
export function traceIdOf(traceContext: Record<string, string>): string {
  return /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceContext.traceparent ?? '')?.[1] ?? '';
}

/** "₩15,000" for KRW; "1500 USD" otherwise. */
export function formatMoney(m: Money | undefined): string {
  if (!m) return '';
  if (m.currencyCode === 'KRW' || m.currencyCode === '') return `₩${m.units.toLocaleString('en-US')}`;
  return `${m.units} ${m.currencyCode}`;
}

/** "14:05" in Seoul, where the customers are. */
export const formatTime = (d: Date | undefined) => (d ? d.toLocaleTimeString('en-GB', { timeZone: 'Asia/Seoul', hour: '2-digit', minute: '2-digit' }) : '');

/** "Fried Chicken ×2, Cola ×1". */
export function itemsSummary(items: OrderItem[]): string {
  return items.map((i) => `${i.name || i.menuItemId} ×${i.quantity}`).join(', ');
}

const money = (m: Money | undefined): FactFields => (m ? { totalCurrency: m.currencyCode, totalUnits: m.units } : {});
const S = OrderStatus;

/**
 * The fact an event contributes, or undefined for events that are not about an
 * order (MenuPublished). Pure: everything comes from the envelope.
 */
export function factOf(env: EventEnvelope): ViewFact | undefined {
  const p = env.payload;
  if (!p || !env.orderId) return undefined;
  const occurredAt = (env.occurredAt ?? new Date(0)).toISOString();
  const base = {
    eventId: env.eventId,
    eventType: env.type,
    producer: env.producer,
    aggregateId: env.aggregateId,
    aggregateVersion: env.aggregateVersion,
    occurredAt,
    traceId: traceIdOf(env.traceContext),
  };
  const fact = (f: Omit<ViewFact, keyof typeof base>): ViewFact => ({ ...base, ...f });

  switch (p.$case) {
    case 'orderPaymentDeferred': {
      const e = p.value;
      return fact({
        status: S.ORDER_STATUS_AWAITING_PAYMENT,
        description: `Payment is busy right now; your order is saved. Pay again in about ${e.retryAfterSeconds} seconds.`,
        set: {
          customerId: e.customerId,
          storeId: e.storeId,
          storeName: e.storeName,
          itemsSummary: itemsSummary(e.items),
          ...money(e.total),
          retryAfterSeconds: e.retryAfterSeconds,
          payBy: e.payBy?.toISOString(),
          createdAt: occurredAt,
        },
      });
    }
    case 'orderPlaced': {
      const e = p.value;
      return fact({
        status: S.ORDER_STATUS_PAID,
        description: `Your order was paid and sent to ${e.storeName || 'the store'}.`,
        set: { customerId: e.customerId, storeId: e.storeId, storeName: e.storeName, itemsSummary: itemsSummary(e.items), ...money(e.total), createdAt: occurredAt },
      });
    }
    case 'orderPaymentFailed':
      return fact({ status: S.ORDER_STATUS_PAYMENT_FAILED, description: `Payment was declined: ${p.value.reason}.`, set: { customerId: p.value.customerId, storeId: p.value.storeId } });
    case 'orderCancellationRequested':
      return fact({
        status: S.ORDER_STATUS_CANCEL_REQUESTED,
        description: `Cancellation requested${p.value.reason ? ` (${p.value.reason})` : ''}; waiting for the store's answer.`,
        set: { customerId: p.value.customerId, storeId: p.value.storeId },
      });
    case 'orderPaymentAvailable':
      return fact({
        description: `Payment works again: you can pay now (until ${formatTime(p.value.payBy)}).`,
        set: { customerId: p.value.customerId, storeId: p.value.storeId },
      });
    case 'orderCancelled': {
      const e = p.value;
      const expired = e.reasonCode === OrderCancelReason.ORDER_CANCEL_REASON_PAYMENT_NOT_COMPLETED;
      return fact({
        status: S.ORDER_STATUS_CANCELLED,
        description: e.wasPaid
          ? `The order was cancelled and ${formatMoney(e.refund)} refunded.`
          : expired
            ? 'The order was not paid in time and was cancelled. Nothing was charged.'
            : 'The order was cancelled.',
        set: { customerId: e.customerId, storeId: e.storeId },
      });
    }
    case 'orderCompleted':
      return fact({ status: S.ORDER_STATUS_COMPLETED, description: 'You confirmed the delivery. Enjoy your meal!', set: { customerId: p.value.customerId, storeId: p.value.storeId, riderId: p.value.riderId } });
    case 'orderRefunded': {
      const e = p.value;
      const rejected = e.finalStatus === S.ORDER_STATUS_REJECTED;
      return fact({
        status: rejected ? S.ORDER_STATUS_REJECTED : S.ORDER_STATUS_CANCELLED,
        description: rejected ? `The store rejected the order; ${formatMoney(e.refund)} was refunded.` : `${formatMoney(e.refund)} was refunded.`,
        set: { customerId: e.customerId, storeId: e.storeId },
      });
    }
    case 'paymentApproved':
      return fact({ description: `Payment of ${formatMoney(p.value.amount)} approved.`, set: { customerId: p.value.customerId } });
    case 'paymentDeclined':
      return fact({ description: `Payment of ${formatMoney(p.value.amount)} declined: ${p.value.reason}.`, set: { customerId: p.value.customerId } });
    case 'paymentRefunded':
      return fact({ description: `Refund of ${formatMoney(p.value.amount)} issued.`, set: { customerId: p.value.customerId } });
    case 'orderAccepted': {
      const e = p.value;
      const eta = e.estimatedReadyMinutes > 0 ? ` (ready in about ${e.estimatedReadyMinutes} minutes)` : '';
      return fact({
        status: S.ORDER_STATUS_ACCEPTED,
        description: `The store accepted your order${eta}.`,
        set: { customerId: e.customerId, storeId: e.storeId, estimatedReadyMinutes: e.estimatedReadyMinutes },
      });
    }
    case 'orderRejected':
      // The order becomes REJECTED only when the refund lands (OrderRefunded).
      return fact({ description: `The store rejected your order: ${p.value.reason}. A refund is on its way.`, set: { customerId: p.value.customerId, storeId: p.value.storeId } });
    case 'cookingStarted':
      return fact({ status: S.ORDER_STATUS_COOKING, description: 'The store started cooking.', set: { customerId: p.value.customerId, storeId: p.value.storeId } });
    case 'cookingFinished':
      return fact({
        status: S.ORDER_STATUS_COOKED,
        description: 'Your food is ready and waits for a rider.',
        set: { customerId: p.value.customerId, storeId: p.value.storeId, storeName: p.value.storeName },
      });
    case 'storeOrderCancelled':
      // CANCELLED comes with the refund (OrderCancelled).
      return fact({ description: 'The store agreed to cancel; a refund is on its way.', set: { customerId: p.value.customerId, storeId: p.value.storeId } });
    case 'cancellationRejected':
      return fact({
        status: p.value.resumedStatus || undefined,
        resumes: true,
        description: `The store could not cancel the order: ${p.value.reason}.`,
        set: { customerId: p.value.customerId, storeId: p.value.storeId },
      });
    case 'deliveryAvailable':
      return fact({ description: 'Looking for a rider nearby.', set: { customerId: p.value.customerId, storeId: p.value.storeId } });
    case 'deliveryPickedUp': {
      const e = p.value;
      return fact({
        status: S.ORDER_STATUS_PICKED_UP,
        description: `${e.riderName || 'A rider'} picked up your food and is on the way.`,
        set: { customerId: e.customerId, riderId: e.riderId, riderName: e.riderName },
      });
    }
    case 'deliveryCompleted':
      return fact({ description: 'The delivery is complete.', set: { customerId: p.value.customerId, riderId: p.value.riderId } });
    case 'deliveryWithdrawn':
      return fact({ description: `The delivery was withdrawn: ${p.value.reason}.`, set: { customerId: p.value.customerId } });
    case 'menuPublished':
      return undefined;
  }
}
