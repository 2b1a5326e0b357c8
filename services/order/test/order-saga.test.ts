import { status } from '@grpc/grpc-js';
import { newEnvelope } from '@foodmesh/platform';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { PaymentOutcome } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { PaymentStatus } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { eventually, orderSaga, uniqueId } from '@foodmesh/testkit';
import { orderStack, type OrderStack } from './order-stack';

const S = OrderStatus;

describe('order service with the real payment service (no store or delivery service running)', () => {
  let t: OrderStack;
  beforeAll(async () => {
    t = await orderStack();
  });
  afterAll(() => t?.close());
  afterEach(() => t.setFaults({}));

  const customer = () => uniqueId('cust-');

  /** A PAID order, and the store/delivery events for it as those services would publish them. */
  async function paidOrder() {
    const c = customer();
    const { order } = await t.orders.placeOrder(t.request(c), t.asCustomer(c));
    expect(order!.status).toBe(S.ORDER_STATUS_PAID);
    const saga = orderSaga({ orderId: order!.orderId, customerId: c });
    const statusOf = async () => (await t.orders.getOrder({ orderId: order!.orderId }, t.asCustomer(c))).order!.status;
    const waitFor = (s: OrderStatus) => eventually(async () => expect(await statusOf()).toBe(s));
    return { c, order: order!, saga, statusOf, waitFor, as: t.asCustomer(c) };
  }

  it('places and pays an order from the seeded menu while the store service is not running; OrderPlaced is on the topic', async () => {
    expect(t.bus.payloadsOf('menuPublished')).toHaveLength(0); // nobody has published a menu: the seed is all there is
    const c = customer();
    const res = await t.orders.placeOrder(t.request(c, { expectedTotal: { currencyCode: 'KRW', units: 40000 } }), t.asCustomer(c));

    expect(res.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_PAID);
    expect(res.retryAfterSeconds).toBe(0);
    const order = res.order!;
    expect(order).toMatchObject({
      customerId: c,
      storeName: 'Gangnam Fried Chicken',
      status: S.ORDER_STATUS_PAID,
      version: 1,
      total: { currencyCode: 'KRW', units: 40000 },
    });
    expect(order.items.map((i) => [i.menuItemId, i.quantity, i.unitPrice!.units])).toEqual([
      ['chk-fried', 2, 19000],
      ['chk-cola', 1, 2000],
    ]);

    const [placed] = await t.bus.waitFor('orderPlaced', { orderId: order.orderId });
    expect(placed).toMatchObject({
      orderId: order.orderId,
      customerId: c,
      storeId: 'store-gangnam-chicken',
      paymentId: order.paymentId,
      total: { units: 40000 },
    });
    const envelope = t.bus.events.find((e) => e.payload?.$case === 'orderPlaced' && e.orderId === order.orderId)!;
    expect(envelope).toMatchObject({ producer: 'order', aggregateId: order.orderId, aggregateVersion: 1 });

    const { payment } = await t.payments.getPayment({ paymentId: order.paymentId });
    expect(payment).toMatchObject({
      orderId: order.orderId,
      status: PaymentStatus.PAYMENT_STATUS_APPROVED,
      amount: { units: 40000 },
      idempotencyKey: `order:${order.orderId}`,
    });
  });

  it('tells the edge whose an order is (GetOrderOwner), and no other workload', async () => {
    const { c, order } = await paidOrder();
    expect(await t.orders.getOrderOwner({ orderId: order.orderId })).toEqual({ customerId: c, storeId: order.storeId });
    await expect(t.orders.getOrderOwner({ orderId: '0190a000-0000-7000-8000-000000000000' })).rejects.toMatchObject({ code: status.NOT_FOUND });
    const store = t.ordersAs('store');
    try {
      await expect(store.getOrderOwner({ orderId: order.orderId })).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    } finally {
      store.close();
    }
  });

  it('returns the first order for a retried checkout, sequential or concurrent, and charges once', async () => {
    const c = customer();
    const req = t.request(c);
    const first = await t.orders.placeOrder(req, t.asCustomer(c));
    const again = await Promise.all(Array.from({ length: 5 }, () => t.orders.placeOrder(req, t.asCustomer(c))));
    expect(new Set(again.map((r) => r.order!.orderId))).toEqual(new Set([first.order!.orderId]));
    expect(again.every((r) => r.paymentOutcome === PaymentOutcome.PAYMENT_OUTCOME_PAID)).toBe(true);

    const concurrentReq = t.request(c);
    const raced = await Promise.all(Array.from({ length: 6 }, () => t.orders.placeOrder(concurrentReq, t.asCustomer(c))));
    const ids = new Set(raced.map((r) => r.order!.orderId));
    expect(ids.size).toBe(1);
    const racedId = [...ids][0]!;

    expect(await t.count(t.orderPool, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [c])).toBe(2);
    for (const orderId of [first.order!.orderId, racedId]) {
      expect(await t.count(t.paymentPool, 'SELECT count(*) AS n FROM payments WHERE order_id = $1', [orderId])).toBe(1);
      expect(await t.count(t.orderPool, `SELECT count(*) AS n FROM outbox WHERE message_key = $1 AND event_type LIKE '%OrderPlaced'`, [orderId])).toBe(1);
    }
  });

  it('refuses a different order under a used idempotency key with ALREADY_EXISTS', async () => {
    const c = customer();
    const req = t.request(c);
    await t.orders.placeOrder(req, t.asCustomer(c));
    const err = await t.orders.placeOrder({ ...req, items: [{ menuItemId: 'chk-yangnyeom', quantity: 1 }] }, t.asCustomer(c)).catch((e) => e);
    expect(err).toMatchObject({ code: status.ALREADY_EXISTS, details: expect.stringMatching(/idempotency_key was already used for a different order/) });
  });

  it.each<[string, (r: ReturnType<OrderStack['request']>) => ReturnType<OrderStack['request']>, status, RegExp]>([
    ['no items', (r) => ({ ...r, items: [] }), status.INVALID_ARGUMENT, /add at least one menu item/],
    ['quantity 0', (r) => ({ ...r, items: [{ menuItemId: 'chk-fried', quantity: 0 }] }), status.INVALID_ARGUMENT, /between 1 and 50, not 0/],
    ['an absurd quantity', (r) => ({ ...r, items: [{ menuItemId: 'chk-fried', quantity: 100000 }] }), status.INVALID_ARGUMENT, /between 1 and 50/],
    ['an unknown store', (r) => ({ ...r, storeId: 'store-nowhere' }), status.NOT_FOUND, /no store with id "store-nowhere"/],
    [
      'an unknown menu item',
      (r) => ({ ...r, items: [{ menuItemId: 'pz-margherita', quantity: 1 }] }),
      status.NOT_FOUND,
      /"pz-margherita" is not on the menu of Gangnam Fried Chicken/,
    ],
    [
      'a price mismatch',
      (r) => ({ ...r, expectedTotal: { currencyCode: 'KRW', units: 39000 } }),
      status.FAILED_PRECONDITION,
      /prices changed: expected ₩39,000, now ₩40,000/,
    ],
    ['a wrong currency', (r) => ({ ...r, expectedTotal: { currencyCode: 'USD', units: 30 } }), status.INVALID_ARGUMENT, /must be in KRW/],
    [
      'no region',
      (r) => ({ ...r, deliveryAddress: { region: '', location: { lat: 37.5, lng: 127 }, text: '' } }),
      status.INVALID_ARGUMENT,
      /region is required/,
    ],
    ['no idempotency key', (r) => ({ ...r, idempotencyKey: '' }), status.INVALID_ARGUMENT, /idempotency_key is required/],
    ["someone else's customer id", (r) => ({ ...r, customerId: 'somebody-else' }), status.PERMISSION_DENIED, /your own user id/],
  ])('rejects %s with the right code and writes nothing', async (_, change, code, message) => {
    const c = customer();
    const err = await t.orders.placeOrder(change(t.request(c)), t.asCustomer(c)).catch((e) => e);
    expect(err).toMatchObject({ code, details: expect.stringMatching(message) });
    expect(await t.count(t.orderPool, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [c])).toBe(0);
  });

  it("answers NOT_FOUND for an unknown order or another customer's, and UNAUTHENTICATED without an identity", async () => {
    const { order } = await paidOrder();
    const stranger = t.asCustomer('stranger');
    await expect(t.orders.getOrder({ orderId: '0190f5a4-0000-7000-8000-00000000dead' }, stranger)).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(t.orders.getOrder({ orderId: order.orderId }, stranger)).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(t.orders.cancelOrder({ orderId: order.orderId, reason: 'x' }, stranger)).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(t.orders.getOrder({ orderId: order.orderId })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
  });

  it('fails the order (PAYMENT_FAILED, OrderPaymentFailed) when payment is declined', async () => {
    await t.setFaults({ declineRate: 1 });
    const c = customer();
    const res = await t.orders.placeOrder(t.request(c), t.asCustomer(c));
    expect(res.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_DECLINED);
    expect(res.order!.status).toBe(S.ORDER_STATUS_PAYMENT_FAILED);
    expect(res.customerMessage).toMatch(/declined/);
    const [failed] = await t.bus.waitFor('orderPaymentFailed', { orderId: res.order!.orderId });
    expect(failed).toMatchObject({ customerId: c, paymentId: res.order!.paymentId });
    // Paying again changes nothing: the decline is the order's outcome.
    await t.setFaults({});
    const again = await t.orders.payOrder({ orderId: res.order!.orderId, idempotencyKey: 'retry', paymentMethod: 0 }, t.asCustomer(c));
    expect(again.paymentOutcome).toBe(PaymentOutcome.PAYMENT_OUTCOME_DECLINED);
  });

  it('rejected by the store: payment refunds, the order ends REJECTED with OrderRefunded', async () => {
    const o = await paidOrder();
    await t.bus.publish([o.saga.rejected('out of chicken')]);
    await o.waitFor(S.ORDER_STATUS_REJECTED);

    const [refund] = await t.bus.waitFor('paymentRefunded', { orderId: o.order.orderId });
    expect(refund).toMatchObject({ paymentId: o.order.paymentId, amount: { units: 40000 }, reason: 'store rejected the order: out of chicken' });
    const [refunded] = await t.bus.waitFor('orderRefunded', { orderId: o.order.orderId });
    expect(refunded).toMatchObject({ finalStatus: S.ORDER_STATUS_REJECTED, paymentId: o.order.paymentId, refund: { units: 40000 }, reason: 'out of chicken' });
    expect((await t.payments.getPayment({ paymentId: o.order.paymentId })).payment!.status).toBe(PaymentStatus.PAYMENT_STATUS_REFUNDED);
  });

  it('cancelled before cooking: CANCEL_REQUESTED, the store agrees, payment refunds, the order ends CANCELLED', async () => {
    const o = await paidOrder();
    await t.bus.publish([o.saga.accepted()]);
    await o.waitFor(S.ORDER_STATUS_ACCEPTED);

    const { order } = await t.orders.cancelOrder({ orderId: o.order.orderId, reason: 'ordered by mistake' }, o.as);
    expect(order!.status).toBe(S.ORDER_STATUS_CANCEL_REQUESTED);
    const [requested] = await t.bus.waitFor('orderCancellationRequested', { orderId: o.order.orderId });
    expect(requested).toMatchObject({ previousStatus: S.ORDER_STATUS_ACCEPTED, reason: 'ordered by mistake', requestedBy: o.c });
    await expect(t.orders.cancelOrder({ orderId: o.order.orderId, reason: 'again' }, o.as)).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/already requested/),
    });

    await t.bus.publish([o.saga.storeCancelled('ordered by mistake')]);
    await o.waitFor(S.ORDER_STATUS_CANCELLED);
    const [cancelled] = await t.bus.waitFor('orderCancelled', { orderId: o.order.orderId });
    expect(cancelled).toMatchObject({ wasPaid: true, paymentId: o.order.paymentId, refund: { units: 40000 } });
    expect(t.bus.kindsFor(o.order.orderId).filter((k) => k.startsWith('order') && k !== 'orderAccepted')).toEqual([
      'orderPlaced',
      'orderCancellationRequested',
      'orderRefunded',
      'orderCancelled',
    ]);
    expect((await t.payments.getPayment({ paymentId: o.order.paymentId })).payment!.status).toBe(PaymentStatus.PAYMENT_STATUS_REFUNDED);
    await expect(t.orders.cancelOrder({ orderId: o.order.orderId, reason: 'again' }, o.as)).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/already cancelled/),
    });
  });

  it('refuses to cancel once CookingStarted arrived, with FAILED_PRECONDITION and why', async () => {
    const o = await paidOrder();
    await t.bus.publish([o.saga.accepted(), o.saga.cookingStarted()]);
    await o.waitFor(S.ORDER_STATUS_COOKING);
    await expect(t.orders.cancelOrder({ orderId: o.order.orderId, reason: 'too slow' }, o.as)).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: 'cooking has already started, so the order can no longer be cancelled',
    });
    expect(await o.statusOf()).toBe(S.ORDER_STATUS_COOKING);
  });

  it('goes back to the status the store reports when it refuses a cancellation', async () => {
    const o = await paidOrder();
    await t.orders.cancelOrder({ orderId: o.order.orderId, reason: 'hungry elsewhere' }, o.as);
    await t.bus.publish([o.saga.cancellationRejected(S.ORDER_STATUS_COOKING)]);
    await o.waitFor(S.ORDER_STATUS_COOKING);
  });

  it('is ready for pickup again when the rider gives the delivery back (DeliveryDeclined), and on its way with the next rider', async () => {
    const o = await paidOrder();
    await t.bus.publish([o.saga.accepted(), o.saga.cookingStarted(), o.saga.cookingFinished(), o.saga.pickedUp()]);
    await o.waitFor(S.ORDER_STATUS_PICKED_UP);
    await t.bus.publish([o.saga.deliveryDeclined()]);
    await o.waitFor(S.ORDER_STATUS_COOKED);
    await expect(t.orders.confirmDelivered({ orderId: o.order.orderId }, o.as)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    await t.bus.publish([o.saga.pickedUp('rider-2')]);
    await o.waitFor(S.ORDER_STATUS_PICKED_UP);
  });

  it('confirms delivery only after pickup; stale and duplicate events are ignored, never parked', async () => {
    const o = await paidOrder();
    await t.bus.publish([o.saga.accepted(), o.saga.cookingStarted(), o.saga.cookingFinished()]);
    await o.waitFor(S.ORDER_STATUS_COOKED);
    await expect(t.orders.confirmDelivered({ orderId: o.order.orderId }, o.as)).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/it is COOKED, and only a picked-up order can be/),
    });

    await t.bus.publish([o.saga.pickedUp('rider-7')]);
    await o.waitFor(S.ORDER_STATUS_PICKED_UP);
    const { order } = await t.orders.confirmDelivered({ orderId: o.order.orderId }, o.as);
    expect(order).toMatchObject({ status: S.ORDER_STATUS_COMPLETED, version: 2 });
    const [completed] = await t.bus.waitFor('orderCompleted', { orderId: o.order.orderId });
    expect(completed).toMatchObject({ deliveryId: o.saga.deliveryId, riderId: 'rider-7', customerId: o.c });
    // Repeating the confirmation returns the order unchanged.
    expect((await t.orders.confirmDelivered({ orderId: o.order.orderId }, o.as)).order!.version).toBe(2);

    const late = [o.saga.cookingStarted(), o.saga.rejected(), o.saga.deliveryCompleted()];
    await t.bus.publish(late);
    await eventually(async () =>
      expect(await t.count(t.orderPool, 'SELECT count(*) AS n FROM inbox WHERE event_id = ANY($1::uuid[])', [late.map((e) => e.eventId)])).toBe(3),
    );
    expect(await o.statusOf()).toBe(S.ORDER_STATUS_COMPLETED);
    expect(await t.count(t.orderPool, 'SELECT count(*) AS n FROM dead_letters')).toBe(0);
  });

  it('keeps its menu replica from MenuPublished: newer versions replace it, older ones are ignored', async () => {
    const storeId = uniqueId('store-test-');
    const menu = (version: number, price: number, soldOut = false) => newMenuEnvelope(storeId, version, price, soldOut);
    const v1 = menu(1, 10000);
    await t.bus.publish([v1, menu(3, 12000, true), menu(2, 11000)]);
    await eventually(async () =>
      expect(
        await t.count(t.orderPool, 'SELECT count(*) AS n FROM inbox WHERE event_id = ANY($1::uuid[])', [
          t.bus.events.filter((e) => e.aggregateId === storeId).map((e) => e.eventId),
        ]),
      ).toBe(3),
    );
    const { rows } = await t.orderPool.query('SELECT menu_version, items FROM menu_stores WHERE store_id = $1', [storeId]);
    expect(rows[0]).toMatchObject({
      menu_version: 3,
      items: [
        { menuItemId: 'dish', priceUnits: 12000, available: false },
        { menuItemId: 'side', priceUnits: 3000, available: true },
      ],
    });

    const c = customer();
    const soldOut = await t.orders.placeOrder(t.request(c, { storeId, items: [{ menuItemId: 'dish', quantity: 1 }] }), t.asCustomer(c)).catch((e) => e);
    expect(soldOut).toMatchObject({ code: status.FAILED_PRECONDITION, details: expect.stringMatching(/"Dish" \(dish\) is sold out/) });
    const ok = await t.orders.placeOrder(t.request(c, { storeId, items: [{ menuItemId: 'side', quantity: 2 }] }), t.asCustomer(c));
    expect(ok.order).toMatchObject({ status: S.ORDER_STATUS_PAID, storeName: 'Test Kitchen v3', total: { units: 6000 } });
  });

  it('returns the first order for a retried checkout even when its item has sold out since', async () => {
    const storeId = uniqueId('store-test-');
    const stored = (version: number) =>
      eventually(async () =>
        expect(await t.count(t.orderPool, 'SELECT count(*) AS n FROM menu_stores WHERE store_id = $1 AND menu_version = $2', [storeId, version])).toBe(1),
      );
    await t.bus.publish([newMenuEnvelope(storeId, 1, 10000, false)]);
    await stored(1);
    const c = customer();
    const req = t.request(c, { storeId, items: [{ menuItemId: 'dish', quantity: 1 }] });
    const first = await t.orders.placeOrder(req, t.asCustomer(c));
    await t.bus.publish([newMenuEnvelope(storeId, 2, 10000, true)]);
    await stored(2);
    const again = await t.orders.placeOrder(req, t.asCustomer(c));
    expect(again.order).toMatchObject({ orderId: first.order!.orderId, status: S.ORDER_STATUS_PAID });
    const fresh = await t.orders.placeOrder(t.request(c, { storeId, items: [{ menuItemId: 'dish', quantity: 1 }] }), t.asCustomer(c)).catch((e) => e);
    expect(fresh).toMatchObject({ code: status.FAILED_PRECONDITION, details: expect.stringMatching(/sold out/) });
    expect(await t.count(t.paymentPool, 'SELECT count(*) AS n FROM payments WHERE order_id = $1', [first.order!.orderId])).toBe(1);
  });
});

/** A MenuPublished as the store service builds it: keyed and versioned by the store. */
function newMenuEnvelope(storeId: string, menuVersion: number, price: number, soldOut: boolean) {
  return newEnvelope({
    orderId: '',
    aggregateId: storeId,
    aggregateVersion: menuVersion,
    payload: {
      $case: 'menuPublished',
      value: {
        storeId,
        storeName: `Test Kitchen v${menuVersion}`,
        ownerId: 'owner-9',
        region: 'seoul-gangnam',
        location: { lat: 37.5, lng: 127.0 },
        addressText: '',
        open: true,
        menuVersion,
        items: [
          { menuItemId: 'dish', name: 'Dish', description: '', price: { currencyCode: 'KRW', units: price }, available: !soldOut },
          { menuItemId: 'side', name: 'Side', description: '', price: { currencyCode: 'KRW', units: 3000 }, available: true },
        ],
      },
    },
  });
}
