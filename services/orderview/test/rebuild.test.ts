import pg from 'pg';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { eventually, metricValue, orderSaga } from '@foodmesh/testkit';
import { orderViewFixture, type OrderViewFixture } from './orderview-fixture';

const S = OrderStatus;

/** Every column of the view but applied_at (wall-clock bookkeeping), row by row, timeline and facts included. */
async function viewRows(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT * FROM order_view ORDER BY order_id');
    return rows.map(({ applied_at: _ignored, ...row }) => row);
  } finally {
    await client.end();
  }
}

describe('orderview: rebuild from offset zero and lag', () => {
  let f: OrderViewFixture;
  beforeAll(async () => {
    f = await orderViewFixture();
  });
  afterAll(() => f?.close());

  it('rebuilds a view identical to the live one, row by row, timeline included', async () => {
    const happy = orderSaga();
    const rejected = orderSaga({ customerId: 'customer-2' });
    const cancelled = orderSaga();
    const payLater = orderSaga();
    const late = orderSaga();
    const lateEvents = late.happyPath();
    const cookingStarted = lateEvents.splice(3, 1)[0]!; // published last: arrives after the pickup
    const streams: EventEnvelope[][] = [
      happy.happyPath(),
      rejected.rejectedPath(),
      cancelled.cancelledPath(),
      [payLater.deferred(), payLater.paymentApproved(), payLater.placed(), payLater.accepted()],
      lateEvents,
    ];
    // Interleave the orders, as concurrent sagas would.
    const interleaved: EventEnvelope[] = [];
    for (let i = 0; streams.some((s) => i < s.length); i++) for (const s of streams) if (s[i]) interleaved.push(s[i]!);
    await f.publish([...interleaved, cookingStarted]);
    const total = interleaved.length + 1;
    await f.waitFor(happy.orderId, (v) => v.status === S.ORDER_STATUS_COMPLETED && v.version === 9);
    await f.waitFor(rejected.orderId, (v) => v.status === S.ORDER_STATUS_REJECTED, 'customer-2');
    await f.waitFor(cancelled.orderId, (v) => v.status === S.ORDER_STATUS_CANCELLED && v.version === 8);
    await f.waitFor(payLater.orderId, (v) => v.status === S.ORDER_STATUS_ACCEPTED && v.version === 4);
    await f.waitFor(late.orderId, (v) => v.version === 9);
    const live = await viewRows(f.databaseUrl);
    expect(live).toHaveLength(5);

    const res = await f.admin.rebuildView({}, { timeoutMs: 30_000 });
    expect(res.orderCount).toBe(5);
    expect(res.eventsReplayed).toBeGreaterThanOrEqual(total);
    expect(res.ordersKeptFromLiveView).toBe(0);

    const rebuilt = await viewRows(f.databaseUrl);
    expect(rebuilt).toEqual(live);
    expect(rebuilt.find((r) => r.order_id === late.orderId)?.status).toBe('COMPLETED');
  });

  it('keeps every order, also those whose events the topics no longer hold, identical', async () => {
    const old = orderSaga();
    await f.publish(old.happyPath());
    // Every one of its 9 events applied, not only the last status: the topics are consumed side by
    // side, so COMPLETED can land before the store's CookingFinished (whose timeline entry follows).
    await f.waitFor(old.orderId, (v) => v.status === S.ORDER_STATUS_COMPLETED && v.version === 9);
    const before = await viewRows(f.databaseUrl);
    // Retention takes every event so far; then a new order arrives.
    await f.expireEverything();
    const fresh = orderSaga();
    await f.publish(fresh.happyPath().slice(0, 2));
    await f.waitFor(fresh.orderId, (v) => v.version === 2);

    const res = await f.admin.rebuildView({}, { timeoutMs: 30_000 });
    expect(res.orderCount).toBe(before.length + 1);
    expect(res.ordersKeptFromLiveView).toBe(before.length);
    const after = await viewRows(f.databaseUrl);
    expect(after.filter((r) => r.order_id !== fresh.orderId)).toEqual(before);
    expect(after.find((r) => r.order_id === fresh.orderId)?.version).toBe(2);
  });

  it('keeps following live events after a rebuild', async () => {
    const saga = orderSaga();
    await f.publish(saga.happyPath().slice(0, 3));
    expect((await f.waitFor(saga.orderId, (v) => v.version === 3)).status).toBe(S.ORDER_STATUS_ACCEPTED);
  });

  it('reports its lag: consumer lag, age of the newest applied event, and the event-to-view histogram', async () => {
    const saga = orderSaga({ start: new Date(Date.now() - 5_000), stepMs: 10 });
    await f.publish([saga.placed()]);
    await f.waitFor(saga.orderId, (v) => v.version === 1);
    const lag = await eventually(async () => {
      const l = await f.admin.getViewLag({});
      expect(l.consumerLagMessages).toBe(0);
      return l;
    });
    expect(lag.newestAppliedEventAgeMs).toBeGreaterThan(0);
    expect(lag.lastAppliedAt).toBeInstanceOf(Date);
    const text = await f.metrics();
    expect(metricValue(text, 'orderview_event_to_view_lag_seconds_count')).toBeGreaterThan(0);
    // The event above was 5 s old when published: it lands in the buckets above 2.5 s.
    expect(metricValue(text, 'orderview_event_to_view_lag_seconds_bucket', { le: '2.5' })).toBeLessThan(
      metricValue(text, 'orderview_event_to_view_lag_seconds_count'),
    );
  });
});
