import { PaymentOutcome } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { bounded, eventually, seededRandom } from '@foodmesh/testkit';
import { orderStack, policyWithoutBreaker, type OrderStack } from './order-stack';

describe('200 orders in parallel', () => {
  let t: OrderStack;
  beforeAll(async () => {
    t = await orderStack({ random: seededRandom(42), orderEnv: { MESH_POLICY_PATH: policyWithoutBreaker() } });
  });
  afterAll(() => t?.close());

  it('each ends in exactly one state, duplicates create nothing, and charges equal the totals of paid orders', async () => {
    // Some payments fail (pay later), some are declined, some requests are sent twice.
    await t.setFaults({ errorRate: 0.5, declineRate: 0.2 });
    const menus = [
      { storeId: 'store-gangnam-chicken', items: [{ menuItemId: 'chk-fried', quantity: 1 }] },
      {
        storeId: 'store-hongdae-bibimbap',
        items: [
          { menuItemId: 'bib-dolsot', quantity: 2 },
          { menuItemId: 'bib-soup', quantity: 1 },
        ],
      },
      { storeId: 'store-jamsil-pizza', items: [{ menuItemId: 'pz-bulgogi', quantity: 3 }] },
    ];
    const requests = Array.from({ length: 200 }, (_, i) => t.request(`load-cust-${i % 25}`, { ...menus[i % 3]! }));
    const calls = [...requests, ...requests.filter((_, i) => i % 5 === 0)].map((r) => () => t.orders.placeOrder(r, t.asCustomer(r.customerId)));
    const replies = await bounded(16, calls);

    const orderIds = new Set(replies.map((r) => r.order!.orderId));
    expect(orderIds.size).toBe(200);
    const outcomes = new Set(replies.map((r) => r.paymentOutcome));
    expect(outcomes).toEqual(new Set([PaymentOutcome.PAYMENT_OUTCOME_PAID, PaymentOutcome.PAYMENT_OUTCOME_DEFERRED, PaymentOutcome.PAYMENT_OUTCOME_DECLINED]));

    // Payment recovers; the deferred customers pay later, again while told to (a busy machine
    // can still make a Pay miss its deadline: that defers again, exactly as it should).
    await t.setFaults({});
    const deferred = replies.filter((r, i) => i < 200 && r.paymentOutcome === PaymentOutcome.PAYMENT_OUTCOME_DEFERRED);
    const payLater = async (orderId: string, customerId: string) => {
      for (let attempt = 1; ; attempt++) {
        const reply = await t.orders.payOrder({ orderId, idempotencyKey: 'later', paymentMethod: 0 }, t.asCustomer(customerId));
        if (reply.paymentOutcome !== PaymentOutcome.PAYMENT_OUTCOME_DEFERRED) return;
        if (attempt === 10) throw new Error(`order ${orderId} still deferred after ${attempt} tries with payment healthy`);
      }
    };
    await bounded(
      16,
      deferred.map((r) => () => payLater(r.order!.orderId, r.order!.customerId)),
    );

    const { rows: byStatus } = await t.orderPool.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM orders GROUP BY status ORDER BY status',
    );
    const total = byStatus.reduce((s, r) => s + r.n, 0);
    expect(total).toBe(200);
    expect(byStatus.map((r) => r.status).sort()).toEqual(['PAID', 'PAYMENT_FAILED']);

    // Money: one approved charge per paid order, none for a failed one, and the sums agree.
    const paid = await t.orderPool.query<{ order_id: string; total_units: number; payment_id: string }>(
      `SELECT order_id, total_units, payment_id FROM orders WHERE status = 'PAID'`,
    );
    const charges = await t.paymentPool.query<{ order_id: string; amount_units: number; payment_id: string }>(
      `SELECT order_id, amount_units, payment_id FROM payments WHERE status = 'APPROVED'`,
    );
    expect(charges.rows).toHaveLength(paid.rows.length);
    expect(new Set(charges.rows.map((c) => c.order_id)).size).toBe(charges.rows.length);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(charges.rows.map((c) => c.amount_units))).toBe(sum(paid.rows.map((o) => o.total_units)));
    const chargeOf = new Map(charges.rows.map((c) => [c.order_id, c.payment_id]));
    for (const o of paid.rows) expect(chargeOf.get(o.order_id)).toBe(o.payment_id);

    // Exactly one final event per order: OrderPlaced for a paid one, OrderPaymentFailed for a failed one.
    const { rows: finals } = await t.orderPool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE event_type IN ('foodmesh.events.v1.OrderPlaced', 'foodmesh.events.v1.OrderPaymentFailed') GROUP BY message_key`,
    );
    expect(finals).toHaveLength(200);
    expect(finals.every((r) => r.n === 1)).toBe(true);
    // …and all of them reach the topic.
    await eventually(() => expect(t.bus.payloadsOf('orderPlaced').length + t.bus.payloadsOf('orderPaymentFailed').length).toBe(200));
  });
});
