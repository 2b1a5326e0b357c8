import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { orderSaga } from '@foodmesh/testkit/saga-events';
import { retryDelay, isRetryable } from './backoff';
import { rulesFor } from './rules';
import { renderMessage } from '@foodmesh/platform/customer-text';
import { localeResolver } from './locale';

const who = (rules: ReturnType<typeof rulesFor>) => rules.map((r) => `${r.audience.kind}:${r.template}`);

describe('notification rules', () => {
  it('tells the customer of every status change along the happy path, and nothing for informational events', () => {
    const saga = orderSaga();
    expect(saga.happyPath().flatMap((e) => who(rulesFor(e)).filter((w) => w.startsWith('customer')))).toEqual([
      'customer:ORDER_PLACED',
      'customer:ACCEPTED',
      'customer:COOKING_STARTED',
      'customer:COOKING_FINISHED',
      'customer:PICKED_UP',
      'customer:COMPLETED',
    ]);
  });

  it('tells the owner of a new order, a cancellation request and a paid cancellation, by store', () => {
    const saga = orderSaga({ storeId: 'store-jamsil-pizza' });
    const placed = rulesFor(saga.placed());
    expect(placed.find((r) => r.audience.kind === 'owner')).toEqual({
      audience: { kind: 'owner', storeId: 'store-jamsil-pizza' },
      template: 'OWNER_NEW_ORDER',
      params: { items: 'Fried Chicken ×2, Cola ×1', total: '₩38,000' },
    });
    expect(who(rulesFor(saga.cancellationRequested()))).toEqual(['customer:CANCELLATION_REQUESTED', 'owner:OWNER_CANCELLATION_REQUESTED']);
    expect(who(rulesFor(saga.cancelled(true)))).toEqual(['customer:CANCELLED_PAID', 'owner:OWNER_CANCELLED']);
    expect(who(rulesFor(saga.cancelled(false)))).toEqual(['customer:CANCELLED_UNPAID']);
  });

  it("tells a deferred order's customer that payment works again (and until when), and that an unpaid order expired", () => {
    const saga = orderSaga({ start: new Date('2026-11-25T05:00:00Z') });
    expect(rulesFor(saga.paymentAvailable())).toEqual([
      // pay_by 15 minutes after the saga's start, shown in Seoul time (UTC+9).
      {
        audience: { kind: 'customer', customerId: 'customer-1' },
        template: 'PAYMENT_AVAILABLE',
        params: { store: 'Gangnam Fried Chicken', total: '₩38,000', payBy: '14:15' },
      },
    ]);
    expect(who(rulesFor(saga.expired()))).toEqual(['customer:EXPIRED_UNPAID']);
    expect(renderMessage({ code: 'EXPIRED_UNPAID' }, 'en').body).toBe('Your order was not paid in time and was cancelled. Nothing was charged.');
  });

  it('tells the riders of the delivery region of a new delivery', () => {
    const saga = orderSaga({ region: 'seoul-mapo' });
    expect(rulesFor(saga.deliveryAvailable())).toEqual([
      {
        audience: { kind: 'riders', region: 'seoul-mapo' },
        template: 'RIDER_DELIVERY_AVAILABLE',
        params: { region: 'seoul-mapo', pickup: '서울 강남구 역삼로 1' },
      },
    ]);
  });

  it('tells the customer, the store and the riders of the region when a rider gives a delivery back', () => {
    const saga = orderSaga({ region: 'seoul-mapo' });
    expect(who(rulesFor(saga.deliveryDeclined()))).toEqual(['customer:DELIVERY_DECLINED', 'owner:OWNER_DELIVERY_DECLINED', 'riders:RIDER_DELIVERY_AVAILABLE']);
    expect(rulesFor(saga.deliveryDeclined())[2]!.audience).toEqual({ kind: 'riders', region: 'seoul-mapo' });
  });

  it('reports a rejection once, when the refund lands, and a paid cancellation only through OrderCancelled', () => {
    const saga = orderSaga();
    expect(rulesFor(saga.rejected())).toEqual([]);
    expect(who(rulesFor(saga.refunded(OrderStatus.ORDER_STATUS_REJECTED)))).toEqual(['customer:REJECTED']);
    expect(rulesFor(saga.refunded(OrderStatus.ORDER_STATUS_CANCELLED))).toEqual([]);
    expect(rulesFor(saga.paymentRefunded())).toEqual([]);
  });
});

describe('locales', () => {
  it('uses Korean unless the recipient is set to English', () => {
    const localeOf = localeResolver('ko', 'customer-2=en, owner-3=en');
    expect([localeOf('customer-1'), localeOf('customer-2'), localeOf('owner-3')]).toEqual(['ko', 'en', 'en']);
    expect(() => localeResolver('ko', 'customer-2=fr')).toThrow(/bad locale/);
  });
});

describe('webhook retries', () => {
  it('backs off exponentially up to a cap, and gives up after the last attempt', () => {
    const policy = { maxAttempts: 5, baseMs: 100, maxMs: 500 };
    expect([1, 2, 3, 4, 5].map((a) => retryDelay(a, policy))).toEqual([100, 200, 400, 500, undefined]);
  });

  it('retries network errors, timeouts, throttling and server errors, not other client errors', () => {
    expect([undefined, 408, 429, 500, 503].map(isRetryable)).toEqual([true, true, true, true, true]);
    expect([400, 401, 404, 422].map(isRetryable)).toEqual([false, false, false, false]);
  });
});
