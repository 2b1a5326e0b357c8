import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { orderSaga } from '@foodmesh/testkit/saga-events';
import { factOf, type ViewFact } from './facts';
import { foldView } from './order-view';

const S = OrderStatus;
const facts = (envs: EventEnvelope[]): ViewFact[] => envs.map((e) => factOf(e)!).filter(Boolean);
const view = (envs: EventEnvelope[]) => foldView(envs[0]!.orderId, facts(envs));

/** Every permutation would be n!; these are enough to catch order dependence. */
function shuffles<T>(xs: T[]): T[][] {
  const out = [xs.slice().reverse()];
  for (let seed = 1; seed <= 20; seed++) {
    const a = xs.slice();
    let s = seed;
    for (let i = a.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const j = s % (i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    out.push(a);
  }
  return out;
}

describe('order view projection', () => {
  it('follows the happy path to COMPLETED with store, items, total, rider and a timeline of every event', () => {
    const saga = orderSaga();
    const events = saga.happyPath();
    const v = view(events);
    expect(v).toMatchObject({
      orderId: saga.orderId,
      customerId: 'customer-1',
      storeId: 'store-gangnam-chicken',
      storeName: 'Gangnam Fried Chicken',
      status: S.ORDER_STATUS_COMPLETED,
      itemsSummary: 'Fried Chicken ×2, Cola ×1',
      totalCurrency: 'KRW',
      totalUnits: 38000,
      riderId: 'rider-1',
      riderName: 'Kim Minjun',
      estimatedReadyMinutes: 20,
      version: events.length,
    });
    expect(v.timeline.map((t) => t.status)).toEqual([
      S.ORDER_STATUS_PAID, // PaymentApproved: on the way to PAID, never UNSPECIFIED
      S.ORDER_STATUS_PAID,
      S.ORDER_STATUS_ACCEPTED,
      S.ORDER_STATUS_COOKING,
      S.ORDER_STATUS_COOKED,
      S.ORDER_STATUS_COOKED,
      S.ORDER_STATUS_PICKED_UP,
      S.ORDER_STATUS_COMPLETED,
      S.ORDER_STATUS_COMPLETED,
    ]);
    expect(v.timeline[2]!.description).toBe('The store accepted your order; ready in about 20 minutes.');
    expect(v.createdAt).toBe(events[1]!.occurredAt!.toISOString());
    expect(v.updatedAt).toBe(events[events.length - 1]!.occurredAt!.toISOString());
  });

  it('knows no status from a payment event alone (the row stays hidden), and never puts UNSPECIFIED in a timeline', () => {
    const [approved, placed] = orderSaga().happyPath();
    expect(view([approved!]).status).toBe(S.ORDER_STATUS_UNSPECIFIED);
    const both = view([approved!, placed!]);
    expect(both.status).toBe(S.ORDER_STATUS_PAID);
    expect(both.timeline.map((t) => t.status)).toEqual([S.ORDER_STATUS_PAID, S.ORDER_STATUS_PAID]);
    for (const path of ['happyPath', 'rejectedPath', 'cancelledPath'] as const) {
      const events = orderSaga()[path]();
      for (let n = 1; n <= events.length; n++) {
        const v = view(events.slice(0, n));
        if (v.status !== S.ORDER_STATUS_UNSPECIFIED) expect(v.timeline.filter((t) => t.status === S.ORDER_STATUS_UNSPECIFIED)).toEqual([]);
      }
    }
  });

  it('shows a deferred order until when it can be paid, the news that payment works again, and its expiry', () => {
    const saga = orderSaga({ start: new Date('2026-11-25T05:00:00Z') });
    const waiting = view([saga.deferred(), saga.paymentAvailable()]);
    expect(waiting).toMatchObject({ status: S.ORDER_STATUS_AWAITING_PAYMENT, payBy: '2026-11-25T05:15:00.000Z', retryAfterSeconds: 30 });
    expect(waiting.timeline.at(-1)!.description).toBe('Payment works again: pay for your order at Gangnam Fried Chicken (₩38,000) before 14:15.');
    const gone = view([saga.deferred(), saga.paymentAvailable(), saga.expired()]);
    expect(gone).toMatchObject({ status: S.ORDER_STATUS_CANCELLED, payBy: '', retryAfterSeconds: 0 });
    expect(gone.timeline.at(-1)!.description).toBe('Your order was not paid in time and was cancelled. Nothing was charged.');
  });

  it('gives the same view whatever order the events arrive in', () => {
    for (const path of ['happyPath', 'rejectedPath', 'cancelledPath'] as const) {
      const events = orderSaga()[path]();
      const expected = view(events);
      for (const shuffled of shuffles(events)) expect(foldView(expected.orderId, facts(shuffled))).toEqual(expected);
    }
  });

  it('never moves the status back when an earlier-stage event arrives late, but files it in the timeline by time', () => {
    const saga = orderSaga();
    const [approved, placed, accepted, cooking, cooked, available, picked] = saga.happyPath();
    const v = view([approved!, placed!, accepted!, cooked!, available!, picked!, cooking!]);
    expect(v.status).toBe(S.ORDER_STATUS_PICKED_UP);
    expect(v.timeline.map((t) => t.eventType.split('.').pop())).toEqual([
      'PaymentApproved',
      'OrderPlaced',
      'OrderAccepted',
      'CookingStarted',
      'CookingFinished',
      'DeliveryAvailable',
      'DeliveryPickedUp',
    ]);
  });

  it('counts a duplicate event once', () => {
    const events = orderSaga().happyPath();
    expect(view([...events, events[3]!, events[3]!])).toEqual(view(events));
  });

  it('ignores a status from an event older than one already applied from the same aggregate', () => {
    const saga = orderSaga();
    const placed = saga.placed();
    const finished = saga.cookingFinished(); // store version 1
    const started = saga.cookingStarted(); // store version 2
    // The producer's clock went backwards: version 1 claims to have happened after version 2.
    const skewed = { ...finished, occurredAt: new Date(started.occurredAt!.getTime() + 1000) };
    const v = view([placed, started, skewed]);
    expect(v.status).toBe(S.ORDER_STATUS_COOKING);
    expect(v.versions).toEqual({ [`order/${saga.orderId}`]: 1, [`store/${saga.orderId}`]: 2 });
    expect(v.timeline).toHaveLength(3);
  });

  it('ends REJECTED only when the refund lands, and CANCELLED after a paid cancellation', () => {
    const r = orderSaga();
    const [approved, placed, rejected, refundedPayment, refunded] = r.rejectedPath();
    expect(view([approved!, placed!, rejected!]).status).toBe(S.ORDER_STATUS_PAID);
    expect(view([approved!, placed!, rejected!, refundedPayment!, refunded!]).status).toBe(S.ORDER_STATUS_REJECTED);
    expect(view(orderSaga().cancelledPath()).status).toBe(S.ORDER_STATUS_CANCELLED);
  });

  it('returns to the resumed status when the store refuses a cancellation', () => {
    const saga = orderSaga();
    const events = [saga.placed(), saga.accepted(), saga.cancellationRequested(S.ORDER_STATUS_ACCEPTED)];
    expect(view(events).status).toBe(S.ORDER_STATUS_CANCEL_REQUESTED);
    expect(view([...events, saga.cancellationRejected(S.ORDER_STATUS_ACCEPTED, 'too late')]).status).toBe(S.ORDER_STATUS_ACCEPTED);
  });

  it('shows the pay-later hint only while the order waits for payment', () => {
    const saga = orderSaga();
    const deferred = saga.deferred(45);
    expect(view([deferred])).toMatchObject({ status: S.ORDER_STATUS_AWAITING_PAYMENT, retryAfterSeconds: 45, createdAt: deferred.occurredAt!.toISOString() });
    const paid = view([deferred, saga.paymentApproved(), saga.placed()]);
    expect(paid).toMatchObject({ status: S.ORDER_STATUS_PAID, retryAfterSeconds: 0, createdAt: deferred.occurredAt!.toISOString() });
  });

  it('goes back to ready-for-pickup when the rider gives the delivery back, and on when another rider picks it up', () => {
    const saga = orderSaga();
    const [approved, placed, accepted, started, finished, available, picked] = saga.happyPath();
    const declined = saga.deliveryDeclined();
    const before = [approved!, placed!, accepted!, started!, finished!, available!, picked!];
    expect(view([...before, declined])).toMatchObject({ status: S.ORDER_STATUS_COOKED });
    expect(view([...before, declined]).timeline.at(-1)!.description).toBe('Your rider gave the delivery back; we are finding another rider.');
    expect(view([...before, declined, saga.pickedUp('rider-2', 'Lee Jiwoo')])).toMatchObject({ status: S.ORDER_STATUS_PICKED_UP, riderName: 'Lee Jiwoo' });
    // A late copy of an earlier milestone never moves it back; only the declared move does.
    expect(view([...before, declined, started!])).toMatchObject({ status: S.ORDER_STATUS_COOKED });
  });

  it('knows an order from a store event before the order event arrives', () => {
    const saga = orderSaga();
    saga.placed();
    expect(view([saga.accepted()])).toMatchObject({ status: S.ORDER_STATUS_ACCEPTED, customerId: 'customer-1', itemsSummary: '' });
  });
});
