import type { Logger } from '@foodmesh/platform';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { paymentRefunded } from './payment-events';
import type { PaymentRecord, PaymentRepository } from './ports';

/** Why a refund is owed, from the event that asked for it. */
export interface RefundCause {
  orderId: string;
  reason: string;
  /** The event that caused the refund (its id becomes the causation id). */
  cause: EventEnvelope;
}

/**
 * Refunds the order's approved charge, inside the consumer's inbox
 * transaction. No charge, or one already refunded, is a logged no-op: the
 * store may reject an order whose payment never went through.
 */
export async function refund(repo: PaymentRepository, logger: Logger, c: RefundCause): Promise<PaymentRecord | undefined> {
  await repo.lockOrder(c.orderId);
  const charge = await repo.findCharge(c.orderId);
  if (!charge || charge.status !== 'APPROVED') {
    logger.info(
      { order_id: c.orderId, payment_id: charge?.paymentId, cause: c.cause.type },
      charge ? 'already refunded; nothing to do' : 'no charge to refund; nothing to do',
    );
    return undefined;
  }
  const refunded: PaymentRecord = { ...charge, status: 'REFUNDED', refundReason: c.reason, refundedAt: new Date(), version: charge.version + 1 };
  await repo.markRefunded(refunded);
  await repo.publish([paymentRefunded(refunded, c.cause)]);
  logger.info({ order_id: c.orderId, payment_id: refunded.paymentId }, 'payment refunded');
  return refunded;
}

/** An order cancelled unpaid: refund any charge that went through anyway, and decline any that arrives later. */
export async function voidOrder(repo: PaymentRepository, logger: Logger, c: RefundCause): Promise<void> {
  await repo.lockOrder(c.orderId);
  await repo.voidOrder(c.orderId, c.reason);
  await refund(repo, logger, c);
}
