import { setTimeout as sleep } from 'node:timers/promises';
import { v7 as uuidv7 } from 'uuid';
import type { Logger } from '@foodmesh/platform';
import { assertSameCharge, assertWithinPayWindow, validateCharge, type ChargeRequest, type PayInput } from '../domain/charge';
import type { FaultInjector } from '../domain/faults';
import { injectedError } from './injected-error';
import { paymentRecorded } from './payment-events';
import type { InTransaction, PaymentRecord, PaymentRepository } from './ports';

const VOIDED_REASON = 'the order was cancelled before it was paid';

/** Pay, with the fault knob applied before anything is charged. */
export async function pay(deps: { inTx: InTransaction; faults: FaultInjector; logger: Logger }, input: PayInput, signal?: AbortSignal): Promise<PaymentRecord> {
  const { inTx, faults, logger } = deps;
  const req = validateCharge(input);
  const release = faults.admit();
  try {
    if (faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal });
    const verdict = faults.verdict();
    if (verdict.kind === 'fail') throw injectedError(verdict.code);
    return await inTx((repo) => chargeOnce(repo, logger, req, verdict.kind === 'decline'));
  } finally {
    release();
  }
}

/**
 * Charges once per key and once per order: the order's advisory lock
 * serialises concurrent duplicates, the unique key and the partial unique
 * index back it up, and the payment row and its event commit together.
 */
async function chargeOnce(repo: PaymentRepository, logger: Logger, req: ChargeRequest, declined: boolean): Promise<PaymentRecord> {
  await repo.lockOrder(req.orderId);
  const byKey = await repo.findByKey(req.idempotencyKey);
  if (byKey) {
    assertSameCharge(byKey, req);
    return byKey;
  }
  const charge = await repo.findCharge(req.orderId);
  if (charge) return charge;
  // Under the order's lock: no charge slips in after the order's pay-by time,
  // and the charge is dated by the clock reading that admitted it.
  const now = new Date();
  assertWithinPayWindow(req, now);

  const voided = await repo.isVoided(req.orderId);
  const declineReason = voided ? VOIDED_REASON : declined ? 'the card issuer declined the payment' : '';
  const payment: PaymentRecord = {
    paymentId: uuidv7(),
    ...req,
    status: declineReason ? 'DECLINED' : 'APPROVED',
    declineReason,
    refundReason: '',
    version: 1,
    createdAt: now,
    refundedAt: null,
  };
  if (!(await repo.insertPayment(payment))) {
    const existing = (await repo.findByKey(req.idempotencyKey)) ?? (await repo.findCharge(req.orderId));
    if (!existing) throw new Error(`payment insert for order ${req.orderId} conflicted, but no conflicting row is visible`);
    assertSameCharge(existing, req);
    return existing;
  }
  await repo.publish([paymentRecorded(payment)]);
  logger.info({ order_id: payment.orderId, payment_id: payment.paymentId, status: payment.status }, 'payment recorded');
  return payment;
}
