import { bindService, requireService, requireUser, type Logger } from '@foodmesh/platform';
import { Payment, PaymentServiceService, PaymentStatus } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { pay } from '../../app/pay';
import { getPayment, listPayments } from '../../app/payment-queries';
import type { InTransaction, PaymentQueries, PaymentRecord } from '../../app/ports';
import type { FaultInjector } from '../../domain/faults';
import { krw } from '../../domain/money';

const STATUS: Record<PaymentRecord['status'], PaymentStatus> = {
  APPROVED: PaymentStatus.PAYMENT_STATUS_APPROVED,
  DECLINED: PaymentStatus.PAYMENT_STATUS_DECLINED,
  REFUNDED: PaymentStatus.PAYMENT_STATUS_REFUNDED,
};

export const toPaymentMessage = (p: PaymentRecord): Payment =>
  Payment.fromPartial({
    paymentId: p.paymentId,
    orderId: p.orderId,
    customerId: p.customerId,
    amount: krw(p.amountUnits),
    method: p.method,
    status: STATUS[p.status],
    idempotencyKey: p.idempotencyKey,
    declineReason: p.declineReason,
    createdAt: p.createdAt,
    refundedAt: p.refundedAt ?? undefined,
    refundReason: p.refundReason,
  });

/** Only the order service charges and reads payments (for a customer, or on its own, e.g. its sweeper). */
export const paymentService = (deps: { inTx: InTransaction; queries: PaymentQueries; faults: FaultInjector; logger: Logger }) =>
  bindService(PaymentServiceService, {
    async pay(req, ctx) {
      requireService(ctx, 'order');
      const payment = await pay(deps, req, ctx.signal);
      return { payment: toPaymentMessage(payment) };
    },
    async getPayment(req, ctx) {
      requireService(ctx, 'order');
      return { payment: toPaymentMessage(await getPayment(deps.queries, req.paymentId)) };
    },
    async listPayments(req, ctx) {
      // The order service may list any order's payments; the edge only for the customer it calls for.
      const workload = requireService(ctx, 'order', 'edge');
      const forCustomer = workload === 'edge' ? requireUser(ctx, 'customer') : undefined;
      const { items, nextPageToken } = await listPayments(deps.queries, forCustomer, req);
      return { payments: items.map(toPaymentMessage), nextPageToken };
    },
  });
