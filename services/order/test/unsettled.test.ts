import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { eventually, uniqueId } from '@foodmesh/testkit';
import { pgOrderStore } from '../src/adapters/pg/orders-repo';
import { unpaidOrder, type Order } from '../src/domain/order';
import { orderStack, policyWithoutBreaker, GANGNAM, type OrderStack } from './order-stack';

const S = OrderStatus;

/**
 * A crash between saving an order and recording its payment outcome leaves it at
 * version 0 with no event: nobody sees it, nobody is told. The sweeper (every 0.5 s
 * here, for orders saved over 1 s ago) settles it as a retry of PlaceOrder would.
 */
describe('orders a crash left without a payment outcome', () => {
  let t: OrderStack;
  beforeAll(async () => {
    t = await orderStack({
      orderEnv: { UNSETTLED_AFTER_SECONDS: '1', MESH_POLICY_PATH: policyWithoutBreaker({ timeoutMs: 5000 }), PAYMENT_PROBE_SECONDS: '3600' },
    });
  });
  afterAll(() => t?.close());
  afterEach(() => t.setFaults({}));

  /** What PlaceOrder saves before calling Pay, as the crashed process left it. */
  async function strandedOrder(savedAgoMs = 5_000): Promise<Order> {
    const order = unpaidOrder(
      {
        orderId: crypto.randomUUID(),
        customerId: uniqueId('cust-'),
        storeId: GANGNAM,
        storeName: 'Gangnam Fried Chicken',
        items: [{ menuItemId: 'chk-fried', name: 'Fried Chicken', quantity: 2, unitPrice: { currencyCode: 'KRW', units: 18000 } }],
        totalUnits: 36000,
        deliveryAddress: { region: 'seoul-gangnam', location: { lat: 37.5, lng: 127.03 }, text: 'Teheran-ro 152' },
        paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
      },
      new Date(Date.now() - savedAgoMs),
      15 * 60_000,
    );
    expect(await pgOrderStore(t.orderPool).insertOrder(order, uniqueId('checkout-'), 'fingerprint')).toBe(true);
    return order;
  }

  const getOrder = (o: Order) => t.orders.getOrder({ orderId: o.orderId }, t.asCustomer(o.customerId)).then((r) => r.order!);
  const paymentsOf = (o: Order) => t.count(t.paymentPool, 'SELECT count(*) AS n FROM payments WHERE order_id = $1', [o.orderId]);

  it('pays it and publishes OrderPlaced, as the customer asked', async () => {
    const o = await strandedOrder();
    const [placed] = await t.bus.waitFor('orderPlaced', { orderId: o.orderId });
    expect(placed).toMatchObject({ customerId: o.customerId, total: { units: 36000 } });
    expect(await getOrder(o)).toMatchObject({ status: S.ORDER_STATUS_PAID, paymentId: placed.paymentId, version: 1 });
    expect(await paymentsOf(o)).toBe(1);
  });

  it('finds a charge that went through before the crash instead of charging again', async () => {
    // Saved just now, so the sweeper leaves it alone for a second: time for the charge below.
    const o = await strandedOrder(0);
    // The crashed call's Pay reached the payment service: same key, same order.
    const { payment } = await t.payments.pay({
      orderId: o.orderId,
      customerId: o.customerId,
      amount: { currencyCode: 'KRW', units: 36000 },
      method: o.paymentMethod,
      idempotencyKey: `order:${o.orderId}`,
      payBy: o.payBy,
    });
    const paid = await eventually(async () => {
      const order = await getOrder(o);
      expect(order.status).toBe(S.ORDER_STATUS_PAID);
      return order;
    });
    expect(paid.paymentId).toBe(payment!.paymentId);
    expect(await paymentsOf(o)).toBe(1);
  });

  it('defers it (pay later, the customer is told) while payment is down', async () => {
    await t.setFaults({ errorRate: 1 });
    const o = await strandedOrder();
    const [deferred] = await t.bus.waitFor('orderPaymentDeferred', { orderId: o.orderId });
    expect(deferred).toMatchObject({ customerId: o.customerId, reason: 'UNAVAILABLE' });
    expect(await getOrder(o)).toMatchObject({ status: S.ORDER_STATUS_AWAITING_PAYMENT, version: 1 });
    expect(await paymentsOf(o)).toBe(0);
  });
});
