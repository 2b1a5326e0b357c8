import type { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';

export interface ChargeOrder {
  orderId: string;
  customerId: string;
  amountUnits: number;
  method: PaymentMethod;
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
  | { kind: 'unavailable'; reason: string };

/**
 * The order service's one synchronous dependency. The gRPC adapter is the
 * only production implementation; its client carries the breaker (platform
 * resilience.ts), whose fail-fast answers arrive here as `unavailable`.
 */
export interface PaymentGateway {
  charge(req: ChargeOrder): Promise<PaymentResult>;
}
