import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { OrderCancelReason } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import { PaymentOutcome } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { eventually, metricValue, rpcError, scrapeMetrics, uniqueId } from '@foodmesh/testkit';
import { orderStack, policyFile, policyWithoutBreaker, type OrderStack } from './order-stack';

const S = OrderStatus;
const EXPIRY_S = 4;
// Payment gets 3 s per call here, in one try: a Pay begun a second before the pay-by time and held
// 2 s by payment's latency still gets its answer; the expiry waits for that (3 s + 2 s of slack).
const PAYMENT_TIMEOUT_MS = 3000;
const oneTryPolicy = () => policyFile(({ circuitBreaker: _breaker, retries: _retries, ...payment }) => ({ ...payment, timeoutMs: PAYMENT_TIMEOUT_MS }));
const GRACE_MS = PAYMENT_TIMEOUT_MS + 2000;

/**
 * Pay-later orders end: unpaid by their pay_by time (saved + UNPAID_ORDER_EXPIRY_SECONDS) they
 * expire to CANCELLED (PAYMENT_NOT_COMPLETED), and no charge is ever made after that time, whatever
 * races it; customers of deferred orders are told once when payment works again.
 */
describe('pay-later orders expire, and are never charged late', () => {
  let t: OrderStack;
  beforeAll(async () => {
    t = await orderStack({
      orderEnv: {
        MESH_POLICY_PATH: oneTryPolicy(),
        UNPAID_ORDER_EXPIRY_SECONDS: String(EXPIRY_S),
        UNPAID_SWEEP_SECONDS: '0.2',
        PAYMENT_PROBE_SECONDS: '3600', // this file's payment news comes from Pay answers only
      },
    });
  });
  afterAll(() => t?.close());
  afterEach(() => t.setFaults({}));

  /** Orders saved while payment fails: AWAITING_PAYMENT, deferral announced. */
  async function deferredOrders(n: number) {
    await t.setFaults({ errorRate: 1 });
    const placed = [];
    for (let i = 0; i < n; i++) {
      const c = uniqueId('cust-');
      const res = await t.orders.placeOrder(t.request(c), t.asCustomer(c));
      expect(res.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_DEFERRED);
      placed.push({ c, as: t.asCustomer(c), orderId: res.order!.orderId, payBy: res.order!.payBy! });
    }
    await t.setFaults({});
    return placed;
  }
  const getOrder = async (o: { orderId: string; as: ReturnType<OrderStack['asCustomer']> }) => (await t.orders.getOrder({ orderId: o.orderId }, o.as)).order!;
  const charges = (orderId: string) =>
    t.count(t.paymentPool, `SELECT count(*) AS n FROM payments WHERE order_id = $1 AND status IN ('APPROVED', 'REFUNDED')`, [orderId]);
  const untilMs = (at: Date, offsetMs = 0) => Math.max(0, at.getTime() + offsetMs - Date.now());

  it('expires an order unpaid at its pay-by time: CANCELLED, PAYMENT_NOT_COMPLETED, one OrderCancelled, nothing charged; paying it is then refused', async () => {
    const [o] = await deferredOrders(1);
    const saved = await getOrder(o!);
    expect(o!.payBy.getTime() - saved.createdAt!.getTime()).toBe(EXPIRY_S * 1000);

    const expired = await eventually(
      async () => {
        const order = await getOrder(o!);
        if (order.status !== S.ORDER_STATUS_CANCELLED) throw new Error(`still ${S[order.status]}`);
        return order;
      },
      { timeoutMs: EXPIRY_S * 1000 + GRACE_MS + 15_000, intervalMs: 200 },
    );
    expect(expired.updatedAt!.getTime()).toBeGreaterThanOrEqual(o!.payBy.getTime() + GRACE_MS);
    expect(expired.payBy).toBeUndefined(); // no longer payable

    const [cancelled] = await t.bus.waitFor('orderCancelled', { orderId: o!.orderId });
    expect(cancelled).toMatchObject({
      wasPaid: false,
      reason: 'PAYMENT_NOT_COMPLETED',
      reasonCode: OrderCancelReason.ORDER_CANCEL_REASON_PAYMENT_NOT_COMPLETED,
      paymentId: '',
    });
    await sleep(1000); // more sweeps ran meanwhile: still one cancellation
    expect(t.bus.payloadsOf('orderCancelled', o!.orderId)).toHaveLength(1);
    expect(await charges(o!.orderId)).toBe(0);

    const refused = await rpcError(t.orders.payOrder({ orderId: o!.orderId, idempotencyKey: 'late', paymentMethod: 0 }, o!.as));
    expect(refused).toMatchObject({ code: status.FAILED_PRECONDITION, details: expect.stringMatching(/not paid in time/) });
  }, 60_000);

  it('charges nothing when a late PayOrder races the expiry: payment itself refuses a charge it would make after pay_by', async () => {
    const [o] = await deferredOrders(1);
    // 1.5 s before pay_by the customer pays; payment takes two seconds to get to it. Faults and the
    // metric are set up first, so a loaded machine's slow scrape cannot push the PayOrder past pay_by
    // (the order service would then refuse it itself, and payment's refusal would not be tested).
    await t.setFaults({ latencyMs: 2000 });
    const refusedBefore = metricValue(await scrapeMetrics(t.paymentMetricsPort()), 'grpc_server_handled_total', {
      method: '/foodmesh.payment.v1.PaymentService/Pay',
      code: 'FAILED_PRECONDITION',
    });
    await sleep(untilMs(o!.payBy, -1500));
    const late = await rpcError(t.orders.payOrder({ orderId: o!.orderId, idempotencyKey: 'just-in-time', paymentMethod: 0 }, o!.as));
    expect(late).toMatchObject({ code: status.FAILED_PRECONDITION, details: expect.stringMatching(/time to pay for this order ran out/) });
    // It was payment, under the order's lock, that said no (not the order service's own check).
    const refusedAfter = metricValue(await scrapeMetrics(t.paymentMetricsPort()), 'grpc_server_handled_total', {
      method: '/foodmesh.payment.v1.PaymentService/Pay',
      code: 'FAILED_PRECONDITION',
    });
    expect(refusedAfter).toBe(refusedBefore + 1);
    await t.setFaults({});

    await eventually(async () => expect((await getOrder(o!)).status).toBe(S.ORDER_STATUS_CANCELLED), { timeoutMs: GRACE_MS + 15_000, intervalMs: 200 });
    expect(await charges(o!.orderId)).toBe(0);
    expect(t.bus.payloadsOf('paymentApproved', o!.orderId)).toEqual([]);
  }, 60_000);

  it('whatever PayOrders race the expiry, each order ends PAID with its one charge made before pay_by, or CANCELLED with nothing charged and nothing refunded', async () => {
    const orders = await deferredOrders(6);
    const payBy = orders[0]!.payBy;
    // Each order paid between 0.5 s before and 0.5 s after its pay_by; payment takes 0.25 s to charge.
    await sleep(untilMs(payBy, -500));
    await t.setFaults({ latencyMs: 250 });
    const outcomes = await Promise.all(
      orders.map(async (o, i) => {
        await sleep(untilMs(o.payBy, -500 + i * 200));
        return t.orders.payOrder({ orderId: o.orderId, idempotencyKey: `race-${i}`, paymentMethod: 0 }, o.as).then(
          (r) => PaymentOutcome[r.paymentOutcome],
          (e: { code: number }) => status[e.code],
        );
      }),
    );
    expect(outcomes.every((x) => x === 'PAYMENT_OUTCOME_PAID' || x === 'FAILED_PRECONDITION')).toBe(true);

    const lastDue = orders[orders.length - 1]!.payBy;
    await sleep(untilMs(lastDue, GRACE_MS + 1500));
    for (const [i, o] of orders.entries()) {
      const order = await eventually(
        async () => {
          const now = await getOrder(o);
          if (now.status === S.ORDER_STATUS_AWAITING_PAYMENT) throw new Error('not settled yet');
          return now;
        },
        { timeoutMs: 15_000 },
      );
      const { rows } = await t.paymentPool.query<{ status: string; created_at: Date }>('SELECT status, created_at FROM payments WHERE order_id = $1', [
        o.orderId,
      ]);
      if (order.status === S.ORDER_STATUS_PAID) {
        expect([i, outcomes[i]]).toEqual([i, 'PAYMENT_OUTCOME_PAID']);
        expect(rows.map((r) => r.status)).toEqual(['APPROVED']);
        expect(rows[0]!.created_at.getTime()).toBeLessThan(o.payBy.getTime());
      } else {
        expect([i, S[order.status], outcomes[i]]).toEqual([i, 'ORDER_STATUS_CANCELLED', 'FAILED_PRECONDITION']);
        expect(rows).toEqual([]);
      }
    }
    // Nothing was charged and then given back.
    expect(orders.flatMap((o) => t.bus.payloadsOf('paymentRefunded', o.orderId))).toEqual([]);
    // Pays were answered meanwhile, but these orders are younger than their retry hint (30 s):
    // nobody was told "pay now" a moment after "payment is busy".
    expect(orders.flatMap((o) => t.bus.payloadsOf('orderPaymentAvailable', o.orderId))).toEqual([]);
  }, 90_000);
});

describe('payment works again: each deferred customer is told once, on any replica', () => {
  let t: OrderStack;
  beforeAll(async () => {
    t = await orderStack({
      orderEnv: {
        MESH_POLICY_PATH: policyWithoutBreaker({ timeoutMs: 1000 }),
        PAYMENT_PROBE_SECONDS: '0.5',
        PAY_RETRY_AFTER_SECONDS: '1',
      },
    });
  });
  afterAll(() => t?.close());
  afterEach(() => t.setFaults({}));

  it('probes while payment is down without telling anyone; once it answers, tells each deferred customer once, however many replicas and Pays report it', async () => {
    const replica = await t.addOrderReplica();
    await t.setFaults({ errorRate: 1 });
    const deferred = [];
    for (const [i, client] of [t.orders, replica, t.orders].entries()) {
      const c = uniqueId(`cust-${i}-`);
      const res = await client.placeOrder(t.request(c), t.asCustomer(c));
      expect(res.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_DEFERRED);
      deferred.push({ c, orderId: res.order!.orderId });
    }
    await Promise.all(deferred.map((o) => t.bus.waitFor('orderPaymentDeferred', { orderId: o.orderId })));
    // Several probes (every 0.5 s, on both replicas) meet a payment that still fails: no news.
    await sleep(2500);
    expect(deferred.flatMap((o) => t.bus.payloadsOf('orderPaymentAvailable', o.orderId))).toEqual([]);

    // Payment recovers. Probes on both replicas, and Pays answered on both, all report it.
    await t.setFaults({});
    await Promise.all(
      [t.orders, replica, t.orders, replica].map((client) => {
        const c = uniqueId('cust-other-');
        return client.placeOrder(t.request(c), t.asCustomer(c));
      }),
    );
    for (const o of deferred) {
      const [news] = await t.bus.waitFor('orderPaymentAvailable', { orderId: o.orderId });
      expect(news).toMatchObject({ customerId: o.c, total: { units: 40000 }, storeName: 'Gangnam Fried Chicken' });
      expect(news!.payBy!.getTime()).toBeGreaterThan(Date.now());
    }
    await sleep(2500); // more probes and announcements ran meanwhile
    for (const o of deferred) expect([o.orderId, t.bus.payloadsOf('orderPaymentAvailable', o.orderId).length]).toEqual([o.orderId, 1]);
    // Nothing was charged by the probes: the deferred orders are still unpaid.
    expect(await t.count(t.paymentPool, 'SELECT count(*) AS n FROM payments WHERE order_id = ANY($1)', [deferred.map((o) => o.orderId)])).toBe(0);

    // The customer pays now; the order is PAID.
    const first = deferred[0]!;
    const paid = await t.orders.payOrder({ orderId: first.orderId, idempotencyKey: 'now', paymentMethod: 0 }, t.asCustomer(first.c));
    expect(paid.order).toMatchObject({ status: S.ORDER_STATUS_PAID, version: 3 }); // deferred, told, paid
  }, 60_000);
});
