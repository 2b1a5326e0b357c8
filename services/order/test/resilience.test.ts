import { PaymentOutcome, type PlaceOrderResponse } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { bounded, eventually, metricValue as metric, seededRandom } from '@foodmesh/testkit';
import { orderStack, policyFile, policyWithoutBreaker, type OrderStack } from './order-stack';

/** The flaky-payment cases' per-try timeout. */
const PER_TRY_MS = 1200;

/**
 * Fault tests of order → payment with the resilience of mesh/policy.yaml applied
 * by the client factory (RESILIENCE_MODE=local), against the real payment
 * service and its fault knob. Nothing here measures time: "fails fast" is proven
 * by payment never seeing the call.
 */

function placeAll(s: OrderStack, n: number, concurrency: number): Promise<PlaceOrderResponse[]> {
  return bounded(
    concurrency,
    Array.from({ length: n }, (_, i) => () => s.orders.placeOrder(s.request(`customer-r${i}`), s.asCustomer(`customer-r${i}`))),
  );
}

/** Pays every deferred order again (payment healthy now) and checks the books: one charge per order, sums equal. */
async function payDeferredAndBalance(s: OrderStack, placed: PlaceOrderResponse[]): Promise<void> {
  for (const r of placed.filter((p) => p.paymentOutcome === PaymentOutcome.PAYMENT_OUTCOME_DEFERRED)) {
    const customer = r.order!.customerId;
    await eventually(async () => {
      const res = await s.orders.payOrder({ orderId: r.order!.orderId, idempotencyKey: `retry-${r.order!.orderId}`, paymentMethod: 0 }, s.asCustomer(customer));
      expect(res.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_PAID);
    });
  }
  const ids = placed.map((p) => p.order!.orderId);
  expect(await s.count(s.orderPool, "SELECT count(*) AS n FROM orders WHERE order_id = ANY($1) AND status = 'PAID'", [ids])).toBe(ids.length);
  // Never charged twice: one APPROVED payment per order, and charges equal the paid totals.
  expect(await s.count(s.paymentPool, "SELECT count(*) AS n FROM payments WHERE order_id = ANY($1) AND status = 'APPROVED'", [ids])).toBe(ids.length);
  const charged = await s.count(s.paymentPool, "SELECT coalesce(sum(amount_units), 0) AS n FROM payments WHERE order_id = ANY($1) AND status = 'APPROVED'", [
    ids,
  ]);
  const paid = await s.count(s.orderPool, 'SELECT coalesce(sum(total_units), 0) AS n FROM orders WHERE order_id = ANY($1)', [ids]);
  expect(charged).toBe(paid);
}

describe('order → payment under faults (local resilience from mesh/policy.yaml)', () => {
  describe('payment down, then back', () => {
    let s: OrderStack;
    beforeAll(async () => {
      // The repository's policy, with a shorter ejection time so the test need not wait 10 s (3 s: the
      // three orders placed while it is open must all arrive before it half-opens, also on a busy machine).
      const policy = policyFile((p) => ({
        ...p,
        timeoutMs: 1000,
        retries: { ...p.retries!, perTryTimeoutMs: 300 },
        circuitBreaker: { ...p.circuitBreaker!, consecutiveErrors: 3, baseEjectionMs: 3000 },
      }));
      s = await orderStack({ orderEnv: { MESH_POLICY_PATH: policy } });
    });
    afterAll(() => s?.close());

    it('falls back to pay-later, opens the breaker, fails fast without calling payment, then half-opens and closes', async () => {
      // Payment hangs past every deadline: without a breaker, each order would wait for its timeout.
      await s.setFaults({ latencyMs: 3000 });
      const first = await s.orders.placeOrder(s.request('customer-d1'), s.asCustomer('customer-d1'));
      expect(first.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_DEFERRED);
      expect(first.customerMessage).toMatch(/pay/i);
      let text = await s.orderMetrics();
      expect(metric(text, 'resilience_circuit_breaker_state', { upstream: 'payment' })).toBe(2); // open
      expect(metric(text, 'resilience_fallbacks_total', { upstream: 'payment', fallback: 'pay-later' })).toBe(1);

      // Open: the next orders are kept and answered without a single call leaving for payment.
      const PAY = { method: '/foodmesh.payment.v1.PaymentService/Pay' };
      const triesBefore = metric(text, 'grpc_client_handled_total', PAY);
      expect(triesBefore).toBe(3); // the first order's three tries, each cut by the per-try timeout
      const during = await Promise.all([1, 2, 3].map((i) => s.orders.placeOrder(s.request(`customer-o${i}`), s.asCustomer(`customer-o${i}`))));
      for (const r of during) expect(r.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_DEFERRED);
      text = await s.orderMetrics();
      expect(metric(text, 'resilience_rejections_total', { upstream: 'payment', reason: 'circuit_open' })).toBeGreaterThanOrEqual(3);
      expect(metric(text, 'grpc_client_handled_total', PAY)).toBe(triesBefore);

      // Payment recovers: after the ejection time one trial call goes through, the breaker closes.
      await s.setFaults({});
      const later = await eventually(async () => {
        const r = await s.orders.placeOrder(s.request('customer-d2'), s.asCustomer('customer-d2'));
        expect(r.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_PAID);
        return r;
      });
      expect(later.order!.paymentId).not.toBe('');
      expect(metric(await s.orderMetrics(), 'resilience_circuit_breaker_state', { upstream: 'payment' })).toBe(0);

      // Nothing was lost: every deferred order can still be paid, once.
      await payDeferredAndBalance(s, [first, ...during, later]);
    });
  });

  describe('payment flaky, slow or overloaded', () => {
    let s: OrderStack;
    beforeAll(async () => {
      // Breaker off here: these cases are about retries and the fallback, not ejection. 1.2 s per
      // try (mesh/policy.yaml: 600 ms), so on a loaded machine only the injected faults fail a try
      // (at 600 ms and load 20 slow tries added deferrals to the 30% case's).
      const retriesOnly = policyFile(({ circuitBreaker: _breaker, ...payment }) => ({
        ...payment,
        timeoutMs: 4000,
        retries: { ...payment.retries!, perTryTimeoutMs: PER_TRY_MS },
      }));
      s = await orderStack({ random: seededRandom(7), orderEnv: { MESH_POLICY_PATH: retriesOnly } });
    });
    afterAll(() => s?.close());
    afterEach(() => s.setFaults({}));

    it('recovers most calls by retrying when 30% of Pay calls fail with UNAVAILABLE, charging none twice', async () => {
      const before = metric(await s.orderMetrics(), 'resilience_retries_total', { upstream: 'payment', method: 'Pay' });
      await s.setFaults({ errorRate: 0.3, errorCode: 14 });
      const placed = await placeAll(s, 40, 4);
      const paid = placed.filter((p) => p.paymentOutcome === PaymentOutcome.PAYMENT_OUTCOME_PAID).length;
      // Three tries each: an order is deferred only if all three fail (0.3³ ≈ 3%).
      expect(paid).toBeGreaterThanOrEqual(36);
      expect(metric(await s.orderMetrics(), 'resilience_retries_total', { upstream: 'payment', method: 'Pay' }) - before).toBeGreaterThan(0);
      await s.setFaults({});
      await payDeferredAndBalance(s, placed);
    });

    it('keeps orders whose every try outlives the per-try timeout, and never charges them twice when paid later', async () => {
      // Longer than the per-try timeout: each try gives up while payment still charges.
      await s.setFaults({ latencyMs: PER_TRY_MS + 300 });
      const placed = await placeAll(s, 4, 4);
      for (const p of placed) expect(p.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_DEFERRED);
      await s.setFaults({});
      await payDeferredAndBalance(s, placed);
    });

    it("falls back at once for calls beyond payment's concurrency cap instead of queueing them", async () => {
      // 200 ms holds both slots while the 12 calls arrive, and leaves a busy machine a second of the
      // per-try timeout (at 300 ms of 600, a loaded run timed every try out: nothing paid).
      await s.setFaults({ maxConcurrent: 2, latencyMs: 200 });
      const placed = await placeAll(s, 12, 12);
      const outcomes = placed.map((p) => p.paymentOutcome);
      expect(outcomes.filter((o) => o === PaymentOutcome.PAYMENT_OUTCOME_PAID).length).toBeGreaterThanOrEqual(2);
      expect(outcomes.filter((o) => o === PaymentOutcome.PAYMENT_OUTCOME_DEFERRED).length).toBeGreaterThanOrEqual(1);
      expect(outcomes.every((o) => o === PaymentOutcome.PAYMENT_OUTCOME_PAID || o === PaymentOutcome.PAYMENT_OUTCOME_DEFERRED)).toBe(true);
      await s.setFaults({});
      await payDeferredAndBalance(s, placed);
    });
  });
});
