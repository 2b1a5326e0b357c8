import type { Logger } from '@foodmesh/platform';
import type { InTransaction, OrderStore, PaymentGateway } from './ports';

/** What the order use cases are given (service.ts wires it). */
export interface OrderDeps {
  inTx: InTransaction;
  store: OrderStore;
  payments: PaymentGateway;
  /** What a deferred customer is told to wait before paying again. */
  retryAfterSeconds: number;
  /** How long after it is saved an order can be paid; unpaid then, it expires. */
  payWithinMs: number;
  /** Told each time payment answers a charge (approved or declined): payment is working. */
  onPaymentAnswered?: () => void;
  logger: Logger;
  now: () => Date;
}
