import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { Money } from '@foodmesh/proto-gen/foodmesh/common/v1/money';
import type { OrderItem } from '@foodmesh/proto-gen/foodmesh/common/v1/order_item';
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

/**
 * Event → who is told what. The customer hears of every change of their
 * order's status; the owner of new orders, cancellation requests and paid
 * cancellations; the riders of a region of new deliveries. Events that change
 * no status (payment events, OrderRejected before its refund, OrderRefunded of
 * a cancellation, which OrderCancelled reports) notify no one.
 */
export function rulesFor(env: EventEnvelope): Rule[] {
  const p = env.payload;
  if (!p) return [];
  const customer = (customerId: string, template: TemplateKey, params: TemplateParams = {}): Rule => ({ audience: { kind: 'customer', customerId }, template, params });
  const owner = (storeId: string, template: TemplateKey, params: TemplateParams = {}): Rule => ({ audience: { kind: 'owner', storeId }, template, params });

  switch (p.$case) {
    case 'orderPaymentDeferred':
      return [customer(p.value.customerId, 'paymentDeferred', { retryAfter: String(p.value.retryAfterSeconds) })];
    case 'orderPlaced': {
      const e = p.value;
      return [
        customer(e.customerId, 'orderPlaced', { store: e.storeName, total: won(e.total) }),
        owner(e.storeId, 'ownerNewOrder', { items: items(e.items), total: won(e.total) }),
      ];
    }
    case 'orderPaymentFailed':
      return [customer(p.value.customerId, 'paymentFailed', { reason: p.value.reason })];
    case 'orderCancellationRequested':
      return [
        customer(p.value.customerId, 'cancellationRequested'),
        owner(p.value.storeId, 'ownerCancellationRequested', { reason: p.value.reason || '-' }),
      ];
    case 'orderPaymentAvailable':
      return [customer(p.value.customerId, 'paymentAvailable', { store: p.value.storeName, total: won(p.value.total), payBy: seoulTime(p.value.payBy) })];
    case 'orderCancelled':
      // An unpaid order never reached the store, so its owner has nothing to hear.
      if (p.value.wasPaid) return [customer(p.value.customerId, 'cancelledPaid', { refund: won(p.value.refund) }), owner(p.value.storeId, 'ownerCancelled')];
      return [customer(p.value.customerId, p.value.reasonCode === OrderCancelReason.ORDER_CANCEL_REASON_PAYMENT_NOT_COMPLETED ? 'expiredUnpaid' : 'cancelledUnpaid')];
    case 'orderCompleted':
      return [customer(p.value.customerId, 'completed')];
    case 'orderRefunded':
      return p.value.finalStatus === OrderStatus.ORDER_STATUS_REJECTED
        ? [customer(p.value.customerId, 'rejected', { refund: won(p.value.refund), reason: p.value.reason })]
        : [];
    case 'orderAccepted':
      return [customer(p.value.customerId, 'accepted', { minutes: String(p.value.estimatedReadyMinutes) })];
    case 'cookingStarted':
      return [customer(p.value.customerId, 'cookingStarted')];
    case 'cookingFinished':
      return [customer(p.value.customerId, 'cookingFinished')];
    case 'cancellationRejected':
      return [customer(p.value.customerId, 'cancellationRefused', { reason: p.value.reason })];
    case 'deliveryAvailable':
      return [{ audience: { kind: 'riders', region: p.value.region }, template: 'riderDeliveryAvailable', params: { region: p.value.region, pickup: p.value.pickup?.text ?? '' } }];
    case 'deliveryPickedUp':
      return [customer(p.value.customerId, 'pickedUp', { rider: p.value.riderName || p.value.riderId })];
    case 'paymentApproved':
    case 'paymentDeclined':
    case 'paymentRefunded':
    case 'orderRejected':
    case 'storeOrderCancelled':
    case 'deliveryCompleted':
    case 'deliveryWithdrawn':
    case 'menuPublished':
      return [];
  }
}
