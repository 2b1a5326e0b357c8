import { setTimeout as sleep } from 'node:timers/promises';
import { v7 as uuidv7 } from 'uuid';
import {
  appendToOutbox,
  invalidArgument,
  newEnvelope,
  notFound,
  pageOf,
  permissionDenied,
  readPage,
  withTransaction,
  type User,
  type Logger,
  type PageRequestLike,
  type Pool,
  type Tx,
} from '@foodmesh/platform';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { assertSameCharge, assertWithinPayWindow, validateCharge, type ChargeRequest, type PayInput } from '../domain/charge';
import type { FaultInjector } from '../domain/faults';
import { krw } from '../domain/money';
import { injectedError } from './injected-error';
import type { PaymentRecord, PaymentsRepo } from './ports';

const VOIDED_REASON = 'the order was cancelled before it was paid';

export interface PaymentsDeps {
  pool: Pool;
  repo: PaymentsRepo;
  faults: FaultInjector;
  logger: Logger;
}

/** Why a refund is owed, from the event that asked for it. */
export interface RefundCause {
  orderId: string;
  reason: string;
  /** The event that caused the refund (its id becomes the causation id). */
  cause: EventEnvelope;
}

export function createPayments(deps: PaymentsDeps) {
  const { pool, repo, faults, logger } = deps;

  const envelope = (p: PaymentRecord, payload: EventEnvelope['payload'], cause?: { correlationId: string; causationId: string }) =>
    newEnvelope({ orderId: p.orderId, aggregateId: p.paymentId, aggregateVersion: p.version, payload: payload!, ...cause });

  /**
   * Charges once per key and once per order: the order's advisory lock
   * serialises concurrent duplicates, the unique key and the partial unique
   * index back it up, and the payment row and its event commit together.
   */
  async function chargeOnce(tx: Tx, req: ChargeRequest, declined: boolean): Promise<PaymentRecord> {
    await repo.lockOrder(tx, req.orderId);
    const byKey = await repo.findByKey(tx, req.idempotencyKey);
    if (byKey) {
      assertSameCharge(byKey, req);
      return byKey;
    }
    const charge = await repo.findCharge(tx, req.orderId);
    if (charge) return charge;
    // Under the order's lock: no charge slips in after the order's pay-by time.
    assertWithinPayWindow(req, new Date());

    const voided = await repo.isVoided(tx, req.orderId);
    const declineReason = voided ? VOIDED_REASON : declined ? 'the card issuer declined the payment' : '';
    const payment: PaymentRecord = {
      paymentId: uuidv7(),
      ...req,
      status: declineReason ? 'DECLINED' : 'APPROVED',
      declineReason,
      refundReason: '',
      version: 1,
      createdAt: new Date(),
      refundedAt: null,
    };
    if (!(await repo.insertPayment(tx, payment))) {
      const existing = (await repo.findByKey(tx, req.idempotencyKey)) ?? (await repo.findCharge(tx, req.orderId));
      if (!existing) throw new Error(`payment insert for order ${req.orderId} conflicted, but no conflicting row is visible`);
      assertSameCharge(existing, req);
      return existing;
    }
    const amount = krw(payment.amountUnits);
    const common = { paymentId: payment.paymentId, orderId: payment.orderId, customerId: payment.customerId, amount, method: payment.method };
    await appendToOutbox(tx, [
      payment.status === 'APPROVED'
        ? envelope(payment, { $case: 'paymentApproved', value: common })
        : envelope(payment, { $case: 'paymentDeclined', value: { ...common, reason: declineReason } }),
    ]);
    logger.info({ order_id: payment.orderId, payment_id: payment.paymentId, status: payment.status }, 'payment recorded');
    return payment;
  }

  /**
   * Refunds the order's approved charge, inside the consumer's inbox
   * transaction. No charge, or one already refunded, is a logged no-op: the
   * store may reject an order whose payment never went through.
   */
  async function refund(tx: Tx, c: RefundCause): Promise<PaymentRecord | undefined> {
    await repo.lockOrder(tx, c.orderId);
    const charge = await repo.findCharge(tx, c.orderId);
    if (!charge || charge.status !== 'APPROVED') {
      logger.info({ order_id: c.orderId, payment_id: charge?.paymentId, cause: c.cause.type }, charge ? 'already refunded; nothing to do' : 'no charge to refund; nothing to do');
      return undefined;
    }
    const refunded: PaymentRecord = { ...charge, status: 'REFUNDED', refundReason: c.reason, refundedAt: new Date(), version: charge.version + 1 };
    await repo.markRefunded(tx, refunded);
    await appendToOutbox(tx, [
      envelope(
        refunded,
        {
          $case: 'paymentRefunded',
          value: { paymentId: refunded.paymentId, orderId: refunded.orderId, customerId: refunded.customerId, amount: krw(refunded.amountUnits), reason: c.reason },
        },
        { correlationId: c.cause.correlationId, causationId: c.cause.eventId },
      ),
    ]);
    logger.info({ order_id: c.orderId, payment_id: refunded.paymentId }, 'payment refunded');
    return refunded;
  }

  return {
    refund,

    /** Pay, with the fault knob applied before anything is charged. */
    async pay(input: PayInput, signal?: AbortSignal): Promise<PaymentRecord> {
      const req = validateCharge(input);
      const release = faults.admit();
      try {
        if (faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal });
        const verdict = faults.verdict();
        if (verdict.kind === 'fail') throw injectedError(verdict.code);
        return await withTransaction(pool, (tx) => chargeOnce(tx, req, verdict.kind === 'decline'));
      } finally {
        release();
      }
    },

    async getPayment(paymentId: string): Promise<PaymentRecord> {
      const p = /^[0-9a-f-]{36}$/i.test(paymentId) ? await repo.findById(pool, paymentId) : undefined;
      if (!p) throw notFound(`no payment with id "${paymentId}"`);
      return p;
    },

    /**
     * The payments of one order or one customer, newest first. Someone acting for a customer sees
     * only theirs; callers without an identity (services, support tools in the mesh) see all.
     */
    async listPayments(who: Pick<User, 'userId' | 'role'> | undefined, req: { orderId: string; customerId: string; page?: PageRequestLike }) {
      if (!req.orderId === !req.customerId) throw invalidArgument('set exactly one of order_id and customer_id');
      if (who && who.role !== 'customer') throw permissionDenied(`payments are listed for their customer; you are signed in as a ${who.role}`);
      if (who && req.customerId && req.customerId !== who.userId) throw permissionDenied('you can only list your own payments');
      const page = readPage(req.page);
      const rows = await repo.listPayments(pool, { orderId: req.orderId || undefined, customerId: who?.userId ?? (req.customerId || undefined) }, page);
      return pageOf(rows, page);
    },

    /** An order cancelled unpaid: refund any charge that went through anyway, and decline any that arrives later. */
    async voidOrder(tx: Tx, c: RefundCause): Promise<void> {
      await repo.lockOrder(tx, c.orderId);
      await repo.voidOrder(tx, c.orderId, c.reason);
      await refund(tx, c);
    },
  };
}
export type Payments = ReturnType<typeof createPayments>;
