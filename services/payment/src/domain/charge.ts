import { formatWon } from '@foodmesh/platform/customer-text';
import { alreadyExists, failedPrecondition, invalidArgument } from '@foodmesh/platform/errors';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { positiveKrw, type MoneyLike } from './money';

/** A validated request to charge an order. */
export interface ChargeRequest {
  orderId: string;
  customerId: string;
  amountUnits: number;
  method: PaymentMethod;
  idempotencyKey: string;
  /** No new charge at or after this time; undefined: no limit. */
  payBy?: Date;
}

export interface PayInput {
  orderId: string;
  customerId: string;
  amount?: MoneyLike;
  method: PaymentMethod;
  idempotencyKey: string;
  payBy?: Date;
}

/** Checks a Pay request; every problem is INVALID_ARGUMENT with the field to fix. */
export function validateCharge(input: PayInput): ChargeRequest {
  const required = { order_id: input.orderId, customer_id: input.customerId, idempotency_key: input.idempotencyKey };
  for (const [field, value] of Object.entries(required)) if (!value.trim()) throw invalidArgument(`${field} is required`);
  const amountUnits = positiveKrw(input.amount, 'amount');
  if (!(input.method > 0 && input.method in PaymentMethod)) {
    throw invalidArgument('method must be specified (card, kakao pay, toss pay or naver pay)');
  }
  return { orderId: input.orderId, customerId: input.customerId, amountUnits, method: input.method, idempotencyKey: input.idempotencyKey, payBy: input.payBy };
}

/** A new charge is made only before the caller's pay-by time (this service's clock decides). */
export function assertWithinPayWindow(req: Pick<ChargeRequest, 'payBy'>, now: Date): void {
  if (req.payBy && now >= req.payBy) {
    throw failedPrecondition(`the order had to be paid by ${req.payBy.toISOString()}; nothing was charged`, 'PAYMENT_WINDOW_CLOSED');
  }
}

/**
 * A key already used must describe the same charge: a retry, not a new
 * payment. Reusing it for another order or amount is a caller bug.
 */
export function assertSameCharge(existing: { orderId: string; amountUnits: number }, req: ChargeRequest): void {
  if (existing.orderId !== req.orderId || existing.amountUnits !== req.amountUnits) {
    throw alreadyExists(
      `idempotency key reused for a different payment (it was used for order ${existing.orderId}, ${formatWon(existing.amountUnits)})`,
      'IDEMPOTENCY_KEY_REUSED',
    );
  }
}
