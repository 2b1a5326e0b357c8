import * as grpc from '@grpc/grpc-js';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { eventually, metricValue, orderSaga, testIdentity } from '@foodmesh/testkit';
import { orderViewFixture, type OrderViewFixture } from './orderview-fixture';

const S = OrderStatus;
const typeOf = (t: { eventType: string }) => t.eventType.split('.').pop();

describe('orderview: the read model follows the saga from its events', () => {
  let f: OrderViewFixture;
  beforeAll(async () => {
    f = await orderViewFixture({ ORDERVIEW_WATCH_UNKNOWN_WAIT_MS: '1500' });
  });
  afterAll(() => f?.close());

  it('follows a full saga to COMPLETED: status, store, items, total, rider and every event in the timeline', async () => {
    const saga = orderSaga();
    const events = saga.happyPath();
    await f.publish(events);
    const v = await f.waitFor(saga.orderId, (v) => v.version === events.length);
    expect(v).toMatchObject({
      status: S.ORDER_STATUS_COMPLETED,
      customerId: 'customer-1',
      storeId: 'store-gangnam-chicken',
      storeName: 'Gangnam Fried Chicken',
      itemsSummary: 'Fried Chicken ×2, Cola ×1',
      total: { currencyCode: 'KRW', units: 38000 },
      riderId: 'rider-1',
      riderName: 'Kim Minjun',
      estimatedReadyMinutes: 20,
    });
    expect(v.timeline.map(typeOf)).toEqual([
      'PaymentApproved',
      'OrderPlaced',
      'OrderAccepted',
      'CookingStarted',
      'CookingFinished',
      'DeliveryAvailable',
      'DeliveryPickedUp',
      'OrderCompleted',
      'DeliveryCompleted',
    ]);
    expect(v.timeline.map((t) => t.occurredAt)).toEqual(events.map((e) => e.occurredAt));
  });

  it('applies a redelivered event once', async () => {
    const saga = orderSaga();
    const [approved, placed, accepted, cooking, finished, available, picked, completed, delivered] = saga.happyPath();
    await f.publish([approved!, placed!, accepted!, cooking!, finished!, available!, picked!]);
    await f.waitFor(saga.orderId, (v) => v.status === S.ORDER_STATUS_PICKED_UP && v.version === 7);
    const duplicatesBefore = metricValue(await f.metrics(), 'events_consumed_total', { outcome: 'duplicate' });
    // Redeliver pickup and cooking, then send the next events of the same topics: same key ⇒ same
    // partition ⇒ once those show, the duplicates have been handled before them.
    await f.publish([picked!, cooking!, accepted!, completed!, delivered!]);
    const v = await f.waitFor(
      saga.orderId,
      (v) => v.timeline.some((t) => typeOf(t) === 'DeliveryCompleted') && v.timeline.some((t) => typeOf(t) === 'OrderCompleted'),
    );
    expect(v.version).toBe(9);
    expect(v.timeline).toHaveLength(9);
    expect(new Set(v.timeline.map((t) => t.eventId)).size).toBe(9);
    expect(v.status).toBe(S.ORDER_STATUS_COMPLETED);
    expect(metricValue(await f.metrics(), 'events_consumed_total', { outcome: 'duplicate' }) - duplicatesBefore).toBe(3);
  });

  it('keeps a later status when an earlier-stage event arrives late, and files it in the timeline by time', async () => {
    const saga = orderSaga();
    const [approved, placed, accepted, cooking, finished, available, picked] = saga.happyPath();
    await f.publish([approved!, placed!, accepted!, finished!, available!, picked!]);
    await f.waitFor(saga.orderId, (v) => v.status === S.ORDER_STATUS_PICKED_UP && v.version === 6);
    await f.publish([cooking!]); // CookingStarted, long after the rider picked the food up
    const v = await f.waitFor(saga.orderId, (v) => v.version === 7);
    expect(v.status).toBe(S.ORDER_STATUS_PICKED_UP);
    expect(v.timeline.map(typeOf)).toEqual([
      'PaymentApproved',
      'OrderPlaced',
      'OrderAccepted',
      'CookingStarted',
      'CookingFinished',
      'DeliveryAvailable',
      'DeliveryPickedUp',
    ]);
    expect(v.timeline[3]!.status).toBe(S.ORDER_STATUS_COOKING);
  });

  it('ends REJECTED after the store rejects and the refund lands, and CANCELLED after a paid cancellation', async () => {
    const rejected = orderSaga();
    const cancelled = orderSaga();
    await f.publish([...rejected.rejectedPath(), ...cancelled.cancelledPath()]);
    expect((await f.waitFor(rejected.orderId, (v) => v.version === 5)).status).toBe(S.ORDER_STATUS_REJECTED);
    const c = await f.waitFor(cancelled.orderId, (v) => v.version === 8);
    expect(c.status).toBe(S.ORDER_STATUS_CANCELLED);
    expect(c.timeline.map((t) => t.status)).toContain(S.ORDER_STATUS_CANCEL_REQUESTED);
  });

  it('streams the current view, then each change, and ends after the final status', async () => {
    const saga = orderSaga();
    const [approved, placed, ...rest] = saga.happyPath();
    await f.publish([approved!, placed!]);
    await f.waitFor(saga.orderId, (v) => v.version === 2);
    const stream = f.views.watchOrderStatus({ orderId: saga.orderId }, f.as('customer-1'))[Symbol.asyncIterator]();
    expect((await stream.next()).value.view).toMatchObject({ status: S.ORDER_STATUS_PAID, version: 2 });
    const seen: string[] = [];
    for (const e of rest) {
      await f.publish([e]);
      const { value, done } = await stream.next();
      expect(done).toBe(false);
      seen.push(`${typeOf(value.view.timeline.at(-1))}:${S[value.view.status]}`);
      if (value.view.status === S.ORDER_STATUS_COMPLETED) break;
    }
    expect(seen).toEqual([
      'OrderAccepted:ORDER_STATUS_ACCEPTED',
      'CookingStarted:ORDER_STATUS_COOKING',
      'CookingFinished:ORDER_STATUS_COOKED',
      'DeliveryAvailable:ORDER_STATUS_COOKED',
      'DeliveryPickedUp:ORDER_STATUS_PICKED_UP',
      'OrderCompleted:ORDER_STATUS_COMPLETED',
    ]);
    expect((await stream.next()).done).toBe(true);
  });

  it('waits for an order whose first event has not arrived yet', async () => {
    const saga = orderSaga();
    const stream = f.views.watchOrderStatus({ orderId: saga.orderId }, f.as('customer-1'))[Symbol.asyncIterator]();
    const first = stream.next();
    await eventually(async () => metricValue(await f.metrics(), 'orderview_active_watches') >= 1);
    await f.publish([saga.placed()]);
    expect((await first).value.view).toMatchObject({ orderId: saga.orderId, status: S.ORDER_STATUS_PAID });
    await stream.return?.();
  });

  it('never shows a status the order never had: a payment event first keeps the order hidden until its status is known', async () => {
    const customerId = 'customer-payment-first';
    const saga = orderSaga({ customerId });
    const [approved, placed] = saga.happyPath();
    const applied = async () => metricValue(await f.metrics(), 'events_consumed_total', { type: 'foodmesh.events.v1.PaymentApproved', outcome: 'applied' });
    const before = await applied();
    await f.publish([approved!]);
    await eventually(async () => expect(await applied()).toBe(before + 1));
    await expect(f.views.getOrderStatus({ orderId: saga.orderId }, f.as(customerId))).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    expect((await f.views.listMyOrders({ customerId, page: undefined }, f.as(customerId))).views).toEqual([]);

    // A watch meanwhile waits, as for an order it does not know yet; its first message is PAID.
    const stream = f.views.watchOrderStatus({ orderId: saga.orderId }, f.as(customerId))[Symbol.asyncIterator]();
    const first = stream.next();
    await f.publish([placed!]);
    const { view } = (await first).value;
    expect(view).toMatchObject({ status: S.ORDER_STATUS_PAID, version: 2 });
    expect(view.timeline.map((t: { status: number }) => S[t.status])).toEqual(['ORDER_STATUS_PAID', 'ORDER_STATUS_PAID']);
    await stream.return?.();
  });

  it('fails a watch with NOT_FOUND when the order never shows up', async () => {
    const stream = f.views.watchOrderStatus({ orderId: 'order-never-placed' }, f.as('customer-1'))[Symbol.asyncIterator]();
    await expect(stream.next()).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('releases a watch when the client cancels it', async () => {
    const saga = orderSaga();
    await f.publish([saga.placed()]);
    await f.waitFor(saga.orderId, (v) => v.version === 1);
    const abort = new AbortController();
    const stream = f.views.watchOrderStatus({ orderId: saga.orderId }, { ...f.as('customer-1'), signal: abort.signal })[Symbol.asyncIterator]();
    await stream.next();
    expect(metricValue(await f.metrics(), 'orderview_active_watches')).toBeGreaterThanOrEqual(1);
    abort.abort();
    await expect(stream.next()).rejects.toMatchObject({ code: grpc.status.CANCELLED });
    await eventually(async () => metricValue(await f.metrics(), 'orderview_active_watches') === 0);
  });

  it("reports another customer's order as NOT_FOUND, and needs the caller's identity", async () => {
    const saga = orderSaga();
    await f.publish([saga.placed()]);
    await f.waitFor(saga.orderId, (v) => v.version === 1);
    await expect(f.views.getOrderStatus({ orderId: saga.orderId }, f.as('customer-2'))).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(f.views.getOrderStatus({ orderId: saga.orderId })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(f.views.getOrderStatus({ orderId: saga.orderId }, testIdentity.asUser({ userId: 'owner-1', role: 'owner' }))).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
  });

  it("lists a customer's orders newest first, a page at a time", async () => {
    const customerId = 'customer-lister';
    const sagas = [0, 1, 2].map((n) => orderSaga({ customerId, start: new Date(Date.UTC(2025, 0, 1, 12, n)) }));
    await f.publish(sagas.map((s) => s.placed()));
    await eventually(async () => {
      const { views } = await f.views.listMyOrders({ customerId, page: { pageSize: 10, pageToken: '' } }, f.as(customerId));
      expect(views).toHaveLength(3);
    });
    const first = await f.views.listMyOrders({ customerId: '', page: { pageSize: 2, pageToken: '' } }, f.as(customerId));
    const second = await f.views.listMyOrders({ customerId, page: { pageSize: 2, pageToken: first.nextPageToken } }, f.as(customerId));
    expect([...first.views, ...second.views].map((v) => v.orderId)).toEqual([sagas[2]!.orderId, sagas[1]!.orderId, sagas[0]!.orderId]);
    expect(second.nextPageToken).toBe('');
    await expect(f.views.listMyOrders({ customerId: 'customer-1', page: undefined }, f.as(customerId))).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
  });
});
