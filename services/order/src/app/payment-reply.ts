import { failedPrecondition } from '@foodmesh/platform';
import { formatWon, renderMessage, type MessageCode, type MessageParams } from '@foodmesh/platform/customer-text';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { Order } from '../domain/order';
import type { PaymentResult } from './ports';

export type PaymentOutcomeKind = 'paid' | 'deferred' | 'declined' | 'none';

/** An order and what its payment came to, for PlaceOrder and PayOrder replies. */
export interface PaymentReply {
  order: Order;
  outcome: PaymentOutcomeKind;
  customerMessage: string;
  retryAfterSeconds: number;
}

const S = OrderStatus;

/** The reply's sentence for the customer (the API's `customer_message` is English; the web app shows it as is). */
const say = (code: MessageCode, params?: MessageParams) => renderMessage({ code, params }, 'en').body;

export function reply(retryAfterSeconds: number, order: Order, result?: PaymentResult): PaymentReply {
  const base = { order, retryAfterSeconds: 0 };
  switch (order.status) {
    case S.ORDER_STATUS_AWAITING_PAYMENT:
      return { ...base, outcome: 'deferred', retryAfterSeconds, customerMessage: say('PAYMENT_DEFERRED', { retryAfterSeconds }) };
    case S.ORDER_STATUS_PAYMENT_FAILED:
      return { ...base, outcome: 'declined', customerMessage: say('PAYMENT_FAILED', { reason: result?.kind === 'declined' ? result.reason : 'declined' }) };
    case S.ORDER_STATUS_CANCELLED:
      if (!order.paymentId) return { ...base, outcome: 'none', customerMessage: say('CANCELLED_UNPAID') };
      return { ...base, outcome: 'paid', customerMessage: say('CANCELLED_PAID', { refund: formatWon(order.totalUnits) }) };
    default:
      return { ...base, outcome: 'paid', customerMessage: say('ORDER_PAID', { store: order.storeName }) };
  }
}

export const windowClosed = (order: Order) =>
  failedPrecondition(
    `the time to pay for this order ran out at ${order.payBy.toISOString()}; it is being cancelled, and nothing was charged`,
    'PAYMENT_WINDOW_CLOSED',
  );
