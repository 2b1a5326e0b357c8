import type { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';

export interface ChargeOrder {
  orderId: string;
  customerId: string;
  amountUnits: number;
  method: PaymentMethod;
  /** No charge is made at or after this time (the order's pay-by). */
  payBy: Date;
}

/**
 * How a charge attempt ended, as the order saga needs it. `unavailable` covers
 * everything that leaves the outcome unknown or not attempted (down,
 * overloaded, too slow, breaker open, unexpected errors): the order is kept
 * and the customer pays later.
 */
export type PaymentResult =
  | { kind: 'approved'; paymentId: string }
  | { kind: 'declined'; paymentId: string; reason: string }
  | { kind: 'unavailable'; reason: string }
  /** Payment refused to charge: the order's pay-by time has passed (its clock). Nothing was charged. */
  | { kind: 'windowClosed' };

/**
 * The order service's one synchronous dependency. The gRPC adapter is the
 * only production implementation; its client carries the breaker (platform
 * resilience.ts), whose fail-fast answers arrive here as `unavailable`.
 */
export interface PaymentGateway {
  charge(req: ChargeOrder): Promise<PaymentResult>;
  /**
   * Whether Pay works, asked with a Pay for the order that cannot charge (its pay-by time long
   * past): payment refuses it under the order's lock once its fault knob, its database and the
   * client's breaker had their say, or returns the charge it already holds.
   */
  answers(req: Omit<ChargeOrder, 'payBy'>): Promise<boolean>;
}
