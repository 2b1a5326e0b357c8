import { status } from '@grpc/grpc-js';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { PaymentOutcome } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { eventually, uniqueId } from '@foodmesh/testkit';
import { orderStack, policyWithoutBreaker, type OrderStack } from './order-stack';

const S = OrderStatus;

// Payment gets 1 s per call here (2 s in mesh/policy.yaml), so the timeout case is quicker. Whole
// seconds: grpc-js misreads a fractional service-config timeout such as "0.5s" as 0.5 *nano*seconds.
const policyFile = policyWithoutBreaker({ timeoutMs: 1000 });

describe('pay later: payment trouble never loses an order', () => {
  let t: OrderStack;
  beforeAll(async () => {
    // No payment probe here: its news (OrderPaymentAvailable) would change the versions checked below.
    t = await orderStack({ orderEnv: { MESH_POLICY_PATH: policyFile, PAYMENT_PROBE_SECONDS: '3600' } });
  });
  afterAll(() => t?.close());
  afterEach(() => t.setFaults({}));

  async function deferredOrder() {
    const c = uniqueId('cust-');
    const res = await t.orders.placeOrder(t.request(c), t.asCustomer(c));
    return { c, res, as: t.asCustomer(c), orderId: res.order!.orderId };
  }

  const expectDeferred = (res: {
    paymentOutcome: PaymentOutcome;
    retryAfterSeconds: number;
    customerMessage: string;
    order?: { status: OrderStatus; paymentId: string };
  }) => {
    expect(res.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_DEFERRED);
    expect(res.order).toMatchObject({ status: S.ORDER_STATUS_AWAITING_PAYMENT, paymentId: '' });
    expect(res.retryAfterSeconds).toBe(30);
    expect(res.customerMessage).toBe('Payment is busy right now. Your order is saved — please try paying again in 30 seconds.');
  };

  it('payment down: the order is saved AWAITING_PAYMENT (OrderPaymentDeferred); once payment is back PayOrder makes it PAID', async () => {
    await t.stopPayment();
    let o: Awaited<ReturnType<typeof deferredOrder>>;
    try {
      o = await deferredOrder();
      expectDeferred(o.res);
      const [deferred] = await t.bus.waitFor('orderPaymentDeferred', { orderId: o.orderId });
      // A refused connection is UNAVAILABLE, or DEADLINE_EXCEEDED while grpc-js is still reconnecting.
      expect(deferred).toMatchObject({
        customerId: o.c,
        total: { units: 40000 },
        retryAfterSeconds: 30,
        reason: expect.stringMatching(/^(UNAVAILABLE|DEADLINE_EXCEEDED)$/),
      });

      // Still down: paying again is deferred again, and the order is still there.
      expectDeferred(await t.orders.payOrder({ orderId: o.orderId, idempotencyKey: 'try-2', paymentMethod: 0 }, o.as));
    } finally {
      await t.startPayment();
    }
    // The customer tries again until the order service has reconnected to the restarted payment service.
    const paid = await eventually(
      async () => {
        const res = await t.orders.payOrder({ orderId: o.orderId, idempotencyKey: 'try-3', paymentMethod: 0 }, o.as);
        expect(res.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_PAID);
        return res;
      },
      { intervalMs: 250 },
    );
    expect(paid.order).toMatchObject({ status: S.ORDER_STATUS_PAID, version: 2 });
    const [placed] = await t.bus.waitFor('orderPlaced', { orderId: o.orderId });
    expect(placed.paymentId).toBe(paid.order!.paymentId);
    expect(t.bus.events.find((e) => e.orderId === o.orderId && e.payload?.$case === 'orderPlaced')!.aggregateVersion).toBe(2);

    // Paying a paid order returns it as it is; nothing is charged twice.
    const again = await t.orders.payOrder({ orderId: o.orderId, idempotencyKey: 'try-4', paymentMethod: 0 }, o.as);
    expect(again).toMatchObject({ paymentOutcome: PaymentOutcome.PAYMENT_OUTCOME_PAID, order: { paymentId: paid.order!.paymentId, version: 2 } });
    expect(await t.count(t.paymentPool, 'SELECT count(*) AS n FROM payments WHERE order_id = $1', [o.orderId])).toBe(1);
  });

  it("a charge whose reply never reached the order service: payment's PaymentApproved makes the order PAID, once", async () => {
    await t.setFaults({ errorRate: 1 });
    const o = await deferredOrder();
    expectDeferred(o.res);
    await t.setFaults({});
    // The Pay the order service made, as payment committed it; its reply is what got lost.
    const { payment } = await t.payments.pay({
      orderId: o.orderId,
      customerId: o.c,
      amount: { currencyCode: 'KRW', units: 40000 },
      method: o.res.order!.paymentMethod,
      idempotencyKey: `order:${o.orderId}`,
      payBy: o.res.order!.payBy,
    });
    const paid = await eventually(
      async () => {
        const { order } = await t.orders.getOrder({ orderId: o.orderId }, o.as);
        expect(order!.status).toBe(S.ORDER_STATUS_PAID);
        return order!;
      },
      { intervalMs: 100 },
    );
    expect(paid.paymentId).toBe(payment!.paymentId);
    const [placed] = await t.bus.waitFor('orderPlaced', { orderId: o.orderId });
    expect(placed.paymentId).toBe(payment!.paymentId);

    // The customer paying again finds it paid; one charge, one OrderPlaced.
    const again = await t.orders.payOrder({ orderId: o.orderId, idempotencyKey: 'again', paymentMethod: 0 }, o.as);
    expect(again).toMatchObject({ paymentOutcome: PaymentOutcome.PAYMENT_OUTCOME_PAID, order: { paymentId: payment!.paymentId } });
    expect(await t.count(t.paymentPool, 'SELECT count(*) AS n FROM payments WHERE order_id = $1', [o.orderId])).toBe(1);
    expect(t.bus.payloadsOf('orderPlaced', o.orderId)).toHaveLength(1);
  });

  it.each([
    ['overloaded (RESOURCE_EXHAUSTED)', { errorRate: 1, errorCode: status.RESOURCE_EXHAUSTED }],
    ['failing with UNAVAILABLE', { errorRate: 1 }],
    ['too slow (deadline exceeded)', { latencyMs: 1500 }],
    ['failing unexpectedly (INTERNAL)', { errorRate: 1, errorCode: status.INTERNAL }],
  ])('payment %s: the order is deferred, then paid by PayOrder', async (_, faults) => {
    await t.setFaults(faults);
    const o = await deferredOrder();
    expectDeferred(o.res);
    await t.setFaults({});
    const paid = await t.orders.payOrder({ orderId: o.orderId, idempotencyKey: 'k', paymentMethod: 0 }, o.as);
    expect(paid.order!.status).toBe(S.ORDER_STATUS_PAID);
    expect(await t.count(t.paymentPool, `SELECT count(*) AS n FROM payments WHERE order_id = $1 AND status = 'APPROVED'`, [o.orderId])).toBe(1);
  });

  it('cancels an unpaid order at once (OrderCancelled, was_paid false); paying it afterwards is refused', async () => {
    await t.setFaults({ errorRate: 1 });
    const o = await deferredOrder();
    await t.setFaults({});
    const { order } = await t.orders.cancelOrder({ orderId: o.orderId, reason: 'no time' }, o.as);
    expect(order!.status).toBe(S.ORDER_STATUS_CANCELLED);
    const [cancelled] = await t.bus.waitFor('orderCancelled', { orderId: o.orderId });
    expect(cancelled).toMatchObject({ wasPaid: false, reason: 'no time', paymentId: '' });
    await expect(t.orders.payOrder({ orderId: o.orderId, idempotencyKey: 'k', paymentMethod: 0 }, o.as)).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/cancelled before it was paid/),
    });
    expect(await t.count(t.paymentPool, `SELECT count(*) AS n FROM payments WHERE order_id = $1 AND status = 'APPROVED'`, [o.orderId])).toBe(0);
  });
});
