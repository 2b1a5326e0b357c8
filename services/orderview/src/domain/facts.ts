import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { formatItems, formatMoney, formatSeoulTime, renderMessage, type MessageCode, type MessageParams } from '@foodmesh/platform/customer-text';
import type { BackwardMove } from '@foodmesh/platform/order-lifecycle';
import type { Money } from '@foodmesh/proto-gen/foodmesh/common/v1/money';
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
  backward?: BackwardMove;
  /** A short English sentence for the timeline. */
  description: string;
  set: FactFields;
}

/** The trace id of a W3C `traceparent` (version-traceid-spanid-flags); "" when there is none. */
export function traceIdOf(traceContext: Record<string, string>): string {
  return /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceContext.traceparent ?? '')?.[1] ?? '';
}

/** The timeline's sentence for what happened (the view is in English). */
const say = (code: MessageCode, params?: MessageParams) => renderMessage({ code, params }, 'en').body;
const itemsSummary = formatItems;

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
        description: say('PAYMENT_DEFERRED', { retryAfterSeconds: e.retryAfterSeconds }),
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
        description: say('ORDER_PLACED', { store: e.storeName || 'the store', total: formatMoney(e.total) }),
        set: {
          customerId: e.customerId,
          storeId: e.storeId,
          storeName: e.storeName,
          itemsSummary: itemsSummary(e.items),
          ...money(e.total),
          createdAt: occurredAt,
        },
      });
    }
    case 'orderPaymentFailed':
      return fact({
        status: S.ORDER_STATUS_PAYMENT_FAILED,
        description: say('PAYMENT_FAILED', { reason: p.value.reason }),
        set: { customerId: p.value.customerId, storeId: p.value.storeId },
      });
    case 'orderCancellationRequested':
      return fact({
        status: S.ORDER_STATUS_CANCEL_REQUESTED,
        description: say('CANCELLATION_REQUESTED'),
        set: { customerId: p.value.customerId, storeId: p.value.storeId },
      });
    case 'orderPaymentAvailable':
      return fact({
        description: say('PAYMENT_AVAILABLE', { store: p.value.storeName, total: formatMoney(p.value.total), payBy: formatSeoulTime(p.value.payBy) }),
        set: { customerId: p.value.customerId, storeId: p.value.storeId },
      });
    case 'orderCancelled': {
      const e = p.value;
      const expired = e.reasonCode === OrderCancelReason.ORDER_CANCEL_REASON_PAYMENT_NOT_COMPLETED;
      return fact({
        status: S.ORDER_STATUS_CANCELLED,
        description: e.wasPaid ? say('CANCELLED_PAID', { refund: formatMoney(e.refund) }) : say(expired ? 'EXPIRED_UNPAID' : 'CANCELLED_UNPAID'),
        set: { customerId: e.customerId, storeId: e.storeId },
      });
    }
    case 'orderCompleted':
      return fact({
        status: S.ORDER_STATUS_COMPLETED,
        description: say('COMPLETED'),
        set: { customerId: p.value.customerId, storeId: p.value.storeId, riderId: p.value.riderId },
      });
    case 'orderRefunded': {
      const e = p.value;
      const rejected = e.finalStatus === S.ORDER_STATUS_REJECTED;
      return fact({
        status: rejected ? S.ORDER_STATUS_REJECTED : S.ORDER_STATUS_CANCELLED,
        description: rejected ? say('REJECTED', { refund: formatMoney(e.refund), reason: e.reason }) : say('REFUNDED', { refund: formatMoney(e.refund) }),
        set: { customerId: e.customerId, storeId: e.storeId },
      });
    }
    case 'paymentApproved':
      return fact({ description: say('PAYMENT_APPROVED', { amount: formatMoney(p.value.amount) }), set: { customerId: p.value.customerId } });
    case 'paymentDeclined':
      return fact({
        description: say('PAYMENT_DECLINED', { amount: formatMoney(p.value.amount), reason: p.value.reason }),
        set: { customerId: p.value.customerId },
      });
    case 'paymentRefunded':
      return fact({ description: say('PAYMENT_REFUNDED', { amount: formatMoney(p.value.amount) }), set: { customerId: p.value.customerId } });
    case 'orderAccepted': {
      const e = p.value;
      return fact({
        status: S.ORDER_STATUS_ACCEPTED,
        description: say('ACCEPTED', { minutes: e.estimatedReadyMinutes }),
        set: { customerId: e.customerId, storeId: e.storeId, estimatedReadyMinutes: e.estimatedReadyMinutes },
      });
    }
    case 'orderRejected':
      // The order becomes REJECTED only when the refund lands (OrderRefunded).
      return fact({ description: say('STORE_REJECTED', { reason: p.value.reason }), set: { customerId: p.value.customerId, storeId: p.value.storeId } });
    case 'cookingStarted':
      return fact({ status: S.ORDER_STATUS_COOKING, description: say('COOKING_STARTED'), set: { customerId: p.value.customerId, storeId: p.value.storeId } });
    case 'cookingFinished':
      return fact({
        status: S.ORDER_STATUS_COOKED,
        description: say('COOKING_FINISHED'),
        set: { customerId: p.value.customerId, storeId: p.value.storeId, storeName: p.value.storeName },
      });
    case 'storeOrderCancelled':
      // CANCELLED comes with the refund (OrderCancelled).
      return fact({ description: say('STORE_AGREED_TO_CANCEL'), set: { customerId: p.value.customerId, storeId: p.value.storeId } });
    case 'cancellationRejected':
      return fact({
        status: p.value.resumedStatus || undefined,
        backward: 'resume',
        description: say('CANCELLATION_REFUSED', { reason: p.value.reason }),
        set: { customerId: p.value.customerId, storeId: p.value.storeId },
      });
    case 'deliveryAvailable':
      return fact({ description: say('DELIVERY_AVAILABLE'), set: { customerId: p.value.customerId, storeId: p.value.storeId } });
    case 'deliveryPickedUp': {
      const e = p.value;
      return fact({
        status: S.ORDER_STATUS_PICKED_UP,
        description: say('PICKED_UP', { rider: e.riderName || 'A rider' }),
        set: { customerId: e.customerId, riderId: e.riderId, riderName: e.riderName },
      });
    }
    case 'deliveryCompleted':
      return fact({ description: say('DELIVERY_COMPLETED'), set: { customerId: p.value.customerId, riderId: p.value.riderId } });
    case 'deliveryWithdrawn':
      return fact({ description: say('DELIVERY_WITHDRAWN', { reason: p.value.reason }), set: { customerId: p.value.customerId } });
    case 'deliveryDeclined':
      return fact({
        status: S.ORDER_STATUS_COOKED,
        backward: 'redeliver',
        description: say('DELIVERY_DECLINED'),
        set: { customerId: p.value.customerId, storeId: p.value.storeId },
      });
    case 'menuPublished':
      return undefined;
  }
}
