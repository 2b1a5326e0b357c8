import { status } from '@grpc/grpc-js';
import { isStatusError, statusName, type GrpcClient, type Logger, type PlatformMetrics } from '@foodmesh/platform';
import { PaymentServiceService, PaymentStatus } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import type { ChargeOrder, PaymentGateway } from '../../app/ports';
import { krw } from '../../domain/money';

/** A pay-by time long past: a Pay carrying it is refused before anything is charged. */
const CANNOT_CHARGE = new Date(0);

/** Codes that mean "payment is busy or down": expected, and why pay-later exists. */
const BUSY = new Set([status.UNAVAILABLE, status.RESOURCE_EXHAUSTED, status.DEADLINE_EXCEEDED]);

/**
 * PaymentService.Pay behind the PaymentGateway port. The key is derived from
 * the order, so every attempt for one order (retries by grpc-js or the mesh,
 * PayOrder minutes later) finds the first attempt's outcome.
 */
export function grpcPaymentGateway(client: GrpcClient<typeof PaymentServiceService>, logger: Logger, metrics?: PlatformMetrics): PaymentGateway {
  const pay = (req: ChargeOrder) =>
    client.pay({
      orderId: req.orderId,
      customerId: req.customerId,
      amount: krw(req.amountUnits),
      method: req.method,
      idempotencyKey: `order:${req.orderId}`,
      payBy: req.payBy,
    });
  return {
    async charge(req) {
      try {
        const { payment } = await pay(req);
        if (payment?.status === PaymentStatus.PAYMENT_STATUS_APPROVED) return { kind: 'approved', paymentId: payment.paymentId };
        if (payment?.status === PaymentStatus.PAYMENT_STATUS_DECLINED) return { kind: 'declined', paymentId: payment.paymentId, reason: payment.declineReason };
        // REFUNDED: the charge was given back (the order was voided), so this order is not paid.
        return { kind: 'declined', paymentId: payment?.paymentId ?? '', reason: 'the payment was refunded' };
      } catch (err) {
        if (isStatusError(err) && err.code === status.FAILED_PRECONDITION && err.metadata?.get('x-error-reason')[0] === 'PAYMENT_WINDOW_CLOSED') {
          return { kind: 'windowClosed' };
        }
        const code = isStatusError(err) ? err.code : undefined;
        const reason = code === undefined ? 'payment call failed' : statusName(code);
        metrics?.fallbacks.inc({ upstream: 'payment', fallback: 'pay-later' });
        if (code === undefined || !BUSY.has(code)) {
          // Not a capacity problem, so likely a bug; still never lose the order.
          logger.error({ err, order_id: req.orderId }, 'unexpected payment error; deferring the payment');
        } else {
          logger.warn({ order_id: req.orderId, code: reason }, 'payment unavailable; deferring');
        }
        return { kind: 'unavailable', reason };
      }
    },
    async answers(req) {
      try {
        await pay({ ...req, payBy: CANNOT_CHARGE });
        return true;
      } catch (err) {
        // Any answer from payment itself (here PAYMENT_WINDOW_CLOSED) means it works.
        return isStatusError(err) && !BUSY.has(err.code) && err.code !== status.INTERNAL && err.code !== status.UNKNOWN;
      }
    },
  };
}
