import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { EventCase, PayloadOf } from '@foodmesh/platform';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { OrderCancelReason } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import { formatItems, formatMoney, formatSeoulTime, type MessageCode, type MessageParams } from '@foodmesh/platform/customer-text';

/** Who should hear about an event, before looking anyone up. */
export type Audience = { kind: 'customer'; customerId: string } | { kind: 'owner'; storeId: string } | { kind: 'riders'; region: string };

export interface Rule {
  audience: Audience;
  template: MessageCode;
  params: MessageParams;
}

const won = formatMoney;
const seoulTime = formatSeoulTime;
const items = formatItems;

type RuleOf<C extends EventCase> = (e: PayloadOf<C>) => Rule[];
const customer = (customerId: string, template: MessageCode, params: MessageParams = {}): Rule => ({
  audience: { kind: 'customer', customerId },
  template,
  params,
});
const owner = (storeId: string, template: MessageCode, params: MessageParams = {}): Rule => ({ audience: { kind: 'owner', storeId }, template, params });

/**
 * Event → who is told what, for every event of the catalogue (`null`: no one,
 * and the service does not even subscribe). The customer hears of every change
 * of their order's status; the owner of new orders, cancellation requests,
 * paid cancellations and deliveries given back; the riders of a region of new
 * deliveries and of deliveries given back. Events that
 * change no status (payment events, OrderRejected before its refund,
 * OrderRefunded of a cancellation, which OrderCancelled reports) notify no one.
 */
const RULES: { [C in EventCase]: RuleOf<C> | null } = {
  orderPaymentDeferred: (e) => [customer(e.customerId, 'PAYMENT_DEFERRED', { retryAfterSeconds: e.retryAfterSeconds })],
  orderPlaced: (e) => [
    customer(e.customerId, 'ORDER_PLACED', { store: e.storeName, total: won(e.total) }),
    owner(e.storeId, 'OWNER_NEW_ORDER', { items: items(e.items), total: won(e.total) }),
  ],
  orderPaymentFailed: (e) => [customer(e.customerId, 'PAYMENT_FAILED', { reason: e.reason })],
  orderCancellationRequested: (e) => [
    customer(e.customerId, 'CANCELLATION_REQUESTED'),
    owner(e.storeId, 'OWNER_CANCELLATION_REQUESTED', { reason: e.reason || '-' }),
  ],
  orderPaymentAvailable: (e) => [customer(e.customerId, 'PAYMENT_AVAILABLE', { store: e.storeName, total: won(e.total), payBy: seoulTime(e.payBy) })],
  orderCancelled: (e) =>
    // An unpaid order never reached the store, so its owner has nothing to hear.
    e.wasPaid
      ? [customer(e.customerId, 'CANCELLED_PAID', { refund: won(e.refund) }), owner(e.storeId, 'OWNER_CANCELLED')]
      : [customer(e.customerId, e.reasonCode === OrderCancelReason.ORDER_CANCEL_REASON_PAYMENT_NOT_COMPLETED ? 'EXPIRED_UNPAID' : 'CANCELLED_UNPAID')],
  orderCompleted: (e) => [customer(e.customerId, 'COMPLETED')],
  orderRefunded: (e) =>
    e.finalStatus === OrderStatus.ORDER_STATUS_REJECTED ? [customer(e.customerId, 'REJECTED', { refund: won(e.refund), reason: e.reason })] : [],
  orderAccepted: (e) => [customer(e.customerId, 'ACCEPTED', { minutes: e.estimatedReadyMinutes })],
  cookingStarted: (e) => [customer(e.customerId, 'COOKING_STARTED')],
  cookingFinished: (e) => [customer(e.customerId, 'COOKING_FINISHED')],
  cancellationRejected: (e) => [customer(e.customerId, 'CANCELLATION_REFUSED', { reason: e.reason })],
  deliveryAvailable: (e) => [
    { audience: { kind: 'riders', region: e.region }, template: 'RIDER_DELIVERY_AVAILABLE', params: { region: e.region, pickup: e.pickup?.text ?? '' } },
  ],
  deliveryPickedUp: (e) => [customer(e.customerId, 'PICKED_UP', { rider: e.riderName || e.riderId })],
  deliveryDeclined: (e) => [
    customer(e.customerId, 'DELIVERY_DECLINED'),
    owner(e.storeId, 'OWNER_DELIVERY_DECLINED'),
    { audience: { kind: 'riders', region: e.region }, template: 'RIDER_DELIVERY_AVAILABLE', params: { region: e.region, pickup: e.pickup?.text ?? '' } },
  ],
  paymentApproved: null,
  paymentDeclined: null,
  paymentRefunded: null,
  orderRejected: null,
  storeOrderCancelled: null,
  deliveryCompleted: null,
  deliveryWithdrawn: null,
  menuPublished: null,
};

/** The events some rule notifies about: the ones the service consumes for notifications. */
export const NOTIFIED_EVENTS = (Object.keys(RULES) as EventCase[]).filter((c) => RULES[c] !== null);

export function rulesFor(env: EventEnvelope): Rule[] {
  const p = env.payload;
  if (!p) return [];
  const rule = RULES[p.$case] as RuleOf<typeof p.$case> | null;
  return rule ? rule(p.value) : [];
}
