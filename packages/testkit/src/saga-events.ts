import { randomBytes } from 'node:crypto';
import { newEnvelope, type EventPayload } from '@foodmesh/platform';
import { Address } from '@foodmesh/proto-gen/foodmesh/common/v1/geo';
import type { Money } from '@foodmesh/proto-gen/foodmesh/common/v1/money';
import { OrderItem } from '@foodmesh/proto-gen/foodmesh/common/v1/order_item';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { OrderCancelReason } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';

export interface SagaOptions {
  orderId?: string;
  customerId?: string;
  storeId?: string;
  storeName?: string;
  region?: string;
  items?: { name: string; quantity: number; unitPrice: number }[];
  /** occurred_at of the first event (default: a minute ago, so no event is in the future); each later event is `stepMs` later. */
  start?: Date;
  stepMs?: number;
}

/**
 * The events one order's saga produces, built as the real producers would
 * build them: producer, aggregate (order id, payment id, delivery id) and
 * per-aggregate versions, and occurred_at increasing in call order. For tests
 * of consumers that run without the producing services.
 */
export function orderSaga(opts: SagaOptions = {}) {
  const id = randomBytes(4).toString('hex');
  const orderId = opts.orderId ?? `order-${id}`;
  const customerId = opts.customerId ?? 'customer-1';
  const storeId = opts.storeId ?? 'store-gangnam-chicken';
  const storeName = opts.storeName ?? 'Gangnam Fried Chicken';
  const region = opts.region ?? 'seoul-gangnam';
  const paymentId = `pay-${id}`;
  const deliveryId = `dlv-${id}`;
  const items = (
    opts.items ?? [
      { name: 'Fried Chicken', quantity: 2, unitPrice: 18000 },
      { name: 'Cola', quantity: 1, unitPrice: 2000 },
    ]
  ).map((i, n) =>
    OrderItem.fromPartial({ menuItemId: `item-${n + 1}`, name: i.name, quantity: i.quantity, unitPrice: { currencyCode: 'KRW', units: i.unitPrice } }),
  );
  const total: Money = { currencyCode: 'KRW', units: items.reduce((s, i) => s + i.quantity * (i.unitPrice?.units ?? 0), 0) };
  const start = (opts.start ?? new Date(Date.now() - 60_000)).getTime();
  const stepMs = opts.stepMs ?? 1000;
  const dropoff = Address.fromPartial({ region, text: '서울 강남구 테헤란로 152', location: { lat: 37.5, lng: 127.03 } });
  const pickup = Address.fromPartial({ region, text: '서울 강남구 역삼로 1', location: { lat: 37.49, lng: 127.02 } });
  const versions = new Map<string, number>();
  let step = 0;

  const ev = (producer: string, aggregateId: string, payload: EventPayload): EventEnvelope => {
    const version = (versions.get(`${producer}/${aggregateId}`) ?? 0) + 1;
    versions.set(`${producer}/${aggregateId}`, version);
    return newEnvelope({ orderId, aggregateId, aggregateVersion: version, occurredAt: new Date(start + step++ * stepMs), correlationId: orderId, payload });
  };
  const order = (payload: EventPayload) => ev('order', orderId, payload);
  const payment = (payload: EventPayload) => ev('payment', paymentId, payload);
  const store = (payload: EventPayload) => ev('store', orderId, payload);
  const delivery = (payload: EventPayload) => ev('delivery', deliveryId, payload);
  const base = { orderId, customerId, storeId };

  const saga = {
    orderId,
    customerId,
    storeId,
    storeName,
    region,
    paymentId,
    deliveryId,
    total,
    deferred: (retryAfterSeconds = 30) =>
      order({
        $case: 'orderPaymentDeferred',
        value: {
          ...base,
          storeName,
          items,
          total,
          deliveryAddress: dropoff,
          paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
          retryAfterSeconds,
          reason: 'circuit open',
          payBy: new Date(start + 15 * 60_000),
        },
      }),
    paymentAvailable: () => order({ $case: 'orderPaymentAvailable', value: { ...base, storeName, total, payBy: new Date(start + 15 * 60_000) } }),
    /** The order was not paid in time: CANCELLED, PAYMENT_NOT_COMPLETED. */
    expired: () =>
      order({
        $case: 'orderCancelled',
        value: {
          ...base,
          reason: 'PAYMENT_NOT_COMPLETED',
          reasonCode: OrderCancelReason.ORDER_CANCEL_REASON_PAYMENT_NOT_COMPLETED,
          wasPaid: false,
          paymentId: '',
          refund: undefined,
        },
      }),
    paymentApproved: () =>
      payment({ $case: 'paymentApproved', value: { paymentId, orderId, customerId, amount: total, method: PaymentMethod.PAYMENT_METHOD_CARD } }),
    paymentDeclined: (reason = 'card limit exceeded') =>
      payment({ $case: 'paymentDeclined', value: { paymentId, orderId, customerId, amount: total, method: PaymentMethod.PAYMENT_METHOD_CARD, reason } }),
    paymentFailed: (reason = 'card limit exceeded') => order({ $case: 'orderPaymentFailed', value: { ...base, paymentId, reason } }),
    placed: () =>
      order({
        $case: 'orderPlaced',
        value: {
          ...base,
          storeName,
          items,
          total,
          deliveryAddress: dropoff,
          paymentId,
          paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
          placedAt: new Date(start + step * stepMs),
        },
      }),
    accepted: (estimatedReadyMinutes = 20) => store({ $case: 'orderAccepted', value: { orderId, storeId, customerId, estimatedReadyMinutes } }),
    rejected: (reason = 'out of chicken') => store({ $case: 'orderRejected', value: { orderId, storeId, customerId, reason } }),
    cookingStarted: () => store({ $case: 'cookingStarted', value: { orderId, storeId, customerId } }),
    cookingFinished: () => store({ $case: 'cookingFinished', value: { orderId, storeId, storeName, customerId, pickup, dropoff } }),
    cancellationRequested: (previousStatus = OrderStatus.ORDER_STATUS_ACCEPTED, reason = 'changed my mind') =>
      order({ $case: 'orderCancellationRequested', value: { ...base, reason, requestedBy: customerId, previousStatus } }),
    storeCancelled: (reason = 'changed my mind') => store({ $case: 'storeOrderCancelled', value: { orderId, storeId, customerId, reason } }),
    cancellationRejected: (resumedStatus = OrderStatus.ORDER_STATUS_COOKING, reason = 'cooking already started') =>
      store({ $case: 'cancellationRejected', value: { orderId, storeId, customerId, reason, resumedStatus } }),
    paymentRefunded: (reason = 'refund') => payment({ $case: 'paymentRefunded', value: { paymentId, orderId, customerId, amount: total, reason } }),
    refunded: (finalStatus: OrderStatus, reason = 'refund') =>
      order({ $case: 'orderRefunded', value: { ...base, paymentId, refund: total, reason, finalStatus } }),
    cancelled: (wasPaid: boolean, reason = 'changed my mind') =>
      order({
        $case: 'orderCancelled',
        value: {
          ...base,
          reason,
          reasonCode: OrderCancelReason.ORDER_CANCEL_REASON_CUSTOMER_REQUEST,
          wasPaid,
          paymentId: wasPaid ? paymentId : '',
          refund: wasPaid ? total : undefined,
        },
      }),
    deliveryAvailable: () => delivery({ $case: 'deliveryAvailable', value: { deliveryId, orderId, storeId, customerId, region, pickup, dropoff } }),
    pickedUp: (riderId = 'rider-1', riderName = 'Kim Minjun') =>
      delivery({ $case: 'deliveryPickedUp', value: { deliveryId, orderId, customerId, riderId, riderName } }),
    completed: (riderId = 'rider-1') => order({ $case: 'orderCompleted', value: { ...base, deliveryId, riderId } }),
    /** The rider gives the delivery back; it is on offer again in `region`. */
    deliveryDeclined: (riderId = 'rider-1', reason = 'flat tyre') =>
      delivery({ $case: 'deliveryDeclined', value: { deliveryId, orderId, customerId, storeId, riderId, region, pickup, reason } }),
    deliveryCompleted: (riderId = 'rider-1') => delivery({ $case: 'deliveryCompleted', value: { deliveryId, orderId, customerId, riderId } }),

    /** The ten-step happy path, in the order the services produce it. */
    happyPath: (): EventEnvelope[] => [
      saga.paymentApproved(),
      saga.placed(),
      saga.accepted(),
      saga.cookingStarted(),
      saga.cookingFinished(),
      saga.deliveryAvailable(),
      saga.pickedUp(),
      saga.completed(),
      saga.deliveryCompleted(),
    ],
    /** The store rejects; payment refunds; the order ends REJECTED. */
    rejectedPath: (): EventEnvelope[] => [
      saga.paymentApproved(),
      saga.placed(),
      saga.rejected(),
      saga.paymentRefunded(),
      saga.refunded(OrderStatus.ORDER_STATUS_REJECTED),
    ],
    /** The customer cancels before cooking; the store agrees; refund; CANCELLED. */
    cancelledPath: (): EventEnvelope[] => [
      saga.paymentApproved(),
      saga.placed(),
      saga.accepted(),
      saga.cancellationRequested(),
      saga.storeCancelled(),
      saga.paymentRefunded(),
      saga.refunded(OrderStatus.ORDER_STATUS_CANCELLED),
      saga.cancelled(true),
    ],
  };
  return saga;
}
export type OrderSaga = ReturnType<typeof orderSaga>;
