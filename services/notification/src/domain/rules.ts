import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { Money } from '@foodmesh/proto-gen/foodmesh/common/v1/money';
import type { OrderItem } from '@foodmesh/proto-gen/foodmesh/common/v1/order_item';
import type { EventCase, PayloadOf } from '@foodmesh/platform';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { OrderCancelReason } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import type { TemplateKey, TemplateParams } from './templates';

/** Who should hear about an event, before looking anyone up. */
export type Audience =
  | { kind: 'customer'; customerId: string }
  | { kind: 'owner'; storeId: string }
  | { kind: 'riders'; region: string };

export interface Rule {
  audience: Audience;
  template: TemplateKey;
  params: TemplateParams;
}

const won = (m: Money | undefined) => (m ? (m.currencyCode === 'KRW' || !m.currencyCode ? `₩${m.units.toLocaleString('en-US')}` : `${m.units} ${m.currencyCode}`) : '');
/** "14:05": the stores, riders and customers are in Seoul. */
const seoulTime = (d: Date | undefined) => (d ? d.toLocaleTimeString('en-GB', { timeZone: 'Asia/Seoul', hour: '2-digit', minute: '2-digit' }) : '');
const items = (xs: OrderItem[]) => xs.map((i) => `${i.name} ×${i.quantity}`).join(', ');

type RuleOf<C extends EventCase> = (e: PayloadOf<C>) => Rule[];
const customer = (customerId: string, template: TemplateKey, params: TemplateParams = {}): Rule => ({ audience: { kind: 'customer', customerId }, template, params });
const owner = (storeId: string, template: TemplateKey, params: TemplateParams = {}): Rule => ({ audience: { kind: 'owner', storeId }, template, params });

/**
 * Event → who is told what, for every event of the catalogue (`null`: no one,
 * and the service does not even subscribe). The customer hears of every change
 * of their order's status; the owner of new orders, cancellation requests and
 * paid cancellations; the riders of a region of new deliveries. Events that
 * change no status (payment events, OrderRejected before its refund,
 * OrderRefunded of a cancellation, which OrderCancelled reports) notify no one.
 */
const RULES: { [C in EventCase]: RuleOf<C> | null } = {
  orderPaymentDeferred: (e) => [customer(e.customerId, 'paymentDeferred', { retryAfter: String(e.retryAfterSeconds) })],
  orderPlaced: (e) => [
    customer(e.customerId, 'orderPlaced', { store: e.storeName, total: won(e.total) }),
    owner(e.storeId, 'ownerNewOrder', { items: items(e.items), total: won(e.total) }),
  ],
  orderPaymentFailed: (e) => [customer(e.customerId, 'paymentFailed', { reason: e.reason })],
  orderCancellationRequested: (e) => [customer(e.customerId, 'cancellationRequested'), owner(e.storeId, 'ownerCancellationRequested', { reason: e.reason || '-' })],
  orderPaymentAvailable: (e) => [customer(e.customerId, 'paymentAvailable', { store: e.storeName, total: won(e.total), payBy: seoulTime(e.payBy) })],
  orderCancelled: (e) =>
    // An unpaid order never reached the store, so its owner has nothing to hear.
    e.wasPaid
      ? [customer(e.customerId, 'cancelledPaid', { refund: won(e.refund) }), owner(e.storeId, 'ownerCancelled')]
      : [customer(e.customerId, e.reasonCode === OrderCancelReason.ORDER_CANCEL_REASON_PAYMENT_NOT_COMPLETED ? 'expiredUnpaid' : 'cancelledUnpaid')],
  orderCompleted: (e) => [customer(e.customerId, 'completed')],
  orderRefunded: (e) => (e.finalStatus === OrderStatus.ORDER_STATUS_REJECTED ? [customer(e.customerId, 'rejected', { refund: won(e.refund), reason: e.reason })] : []),
  orderAccepted: (e) => [customer(e.customerId, 'accepted', { minutes: String(e.estimatedReadyMinutes) })],
  cookingStarted: (e) => [customer(e.customerId, 'cookingStarted')],
  cookingFinished: (e) => [customer(e.customerId, 'cookingFinished')],
  cancellationRejected: (e) => [customer(e.customerId, 'cancellationRefused', { reason: e.reason })],
  deliveryAvailable: (e) => [{ audience: { kind: 'riders', region: e.region }, template: 'riderDeliveryAvailable', params: { region: e.region, pickup: e.pickup?.text ?? '' } }],
  deliveryPickedUp: (e) => [customer(e.customerId, 'pickedUp', { rider: e.riderName || e.riderId })],
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
