import type { Address } from '@foodmesh/proto-gen/foodmesh/common/v1/geo';
import type { OrderItem } from '@foodmesh/proto-gen/foodmesh/common/v1/order_item';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';

/** The store's answer during compensation; the refund arrives on another topic, in either order. */
export interface StoreDecision {
  kind: 'rejected' | 'cancelled';
  reason: string;
}

export interface Refund {
  paymentId: string;
  units: number;
  reason: string;
}

/** The order aggregate as the order service holds it. */
export interface Order {
  orderId: string;
  customerId: string;
  storeId: string;
  storeName: string;
  items: OrderItem[];
  totalUnits: number;
  deliveryAddress: Address;
  paymentMethod: PaymentMethod;
  status: OrderStatus;
  /** The approved (or declined) payment; empty until Pay answered. */
  paymentId: string;
  /** How many events the order has emitted; each event carries the version after it. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** While CANCEL_REQUESTED: the status the order returns to if the store refuses. */
  resumeStatus: OrderStatus | null;
  cancelReason: string;
  storeDecision: StoreDecision | null;
  refund: Refund | null;
  deliveryId: string;
  riderId: string;
  /** Until when the order can be paid; unpaid then, it expires (CANCELLED, PAYMENT_NOT_COMPLETED). */
  payBy: Date;
  /** When its customer was told that payment works again (OrderPaymentAvailable); null until then. */
  payNowNotifiedAt: Date | null;
}

/**
 * A just-priced order as PlaceOrder saves it before paying: AWAITING_PAYMENT at version 0,
 * no event yet (the payment's outcome brings the first).
 */
export function unpaidOrder(
  o: Pick<Order, 'orderId' | 'customerId' | 'storeId' | 'storeName' | 'items' | 'totalUnits' | 'deliveryAddress' | 'paymentMethod'>,
  at: Date,
  payWithinMs: number,
): Order {
  return {
    ...o,
    payBy: new Date(at.getTime() + payWithinMs),
    payNowNotifiedAt: null,
    status: OrderStatus.ORDER_STATUS_AWAITING_PAYMENT,
    paymentId: '',
    version: 0,
    createdAt: at,
    updatedAt: at,
    resumeStatus: null,
    cancelReason: '',
    storeDecision: null,
    refund: null,
    deliveryId: '',
    riderId: '',
  };
}
