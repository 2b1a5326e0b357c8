import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { orderSaga } from '@foodmesh/testkit/saga-events';
import { retryDelay, isRetryable } from './backoff';
import { rulesFor } from './rules';
import { LOCALES, localeResolver, render, TEMPLATE_KEYS } from './templates';

const who = (rules: ReturnType<typeof rulesFor>) => rules.map((r) => `${r.audience.kind}:${r.template}`);

describe('notification rules', () => {
  it('tells the customer of every status change along the happy path, and nothing for informational events', () => {
    const saga = orderSaga();
    expect(saga.happyPath().flatMap((e) => who(rulesFor(e)).filter((w) => w.startsWith('customer')))).toEqual([
      'customer:orderPlaced',
      'customer:accepted',
      'customer:cookingStarted',
      'customer:cookingFinished',
      'customer:pickedUp',
      'customer:completed',
    ]);
  });

  it('tells the owner of a new order, a cancellation request and a paid cancellation, by store', () => {
    const saga = orderSaga({ storeId: 'store-jamsil-pizza' });
    const placed = rulesFor(saga.placed());
    expect(placed.find((r) => r.audience.kind === 'owner')).toEqual({
      audience: { kind: 'owner', storeId: 'store-jamsil-pizza' },
      template: 'ownerNewOrder',
      params: { items: 'Fried Chicken ×2, Cola ×1', total: '₩38,000' },
    });
    expect(who(rulesFor(saga.cancellationRequested()))).toEqual(['customer:cancellationRequested', 'owner:ownerCancellationRequested']);
    expect(who(rulesFor(saga.cancelled(true)))).toEqual(['customer:cancelledPaid', 'owner:ownerCancelled']);
    expect(who(rulesFor(saga.cancelled(false)))).toEqual(['customer:cancelledUnpaid']);
  });

  it("tells a deferred order's customer that payment works again (and until when), and that an unpaid order expired", () => {
    const saga = orderSaga({ start: new Date('2026-11-25T05:00:00Z') });
    expect(rulesFor(saga.paymentAvailable())).toEqual([
      // pay_by 15 minutes after the saga's start, shown in Seoul time (UTC+9).
      { audience: { kind: 'customer', customerId: 'customer-1' }, template: 'paymentAvailable', params: { store: 'Gangnam Fried Chicken', total: '₩38,000', payBy: '14:15' } },
    ]);
    expect(who(rulesFor(saga.expired()))).toEqual(['customer:expiredUnpaid']);
    expect(render('expiredUnpaid', {}, 'en').body).toBe('Your order was not paid in time and was cancelled. Nothing was charged.');
  });

  it('tells the riders of the delivery region of a new delivery', () => {
    const saga = orderSaga({ region: 'seoul-mapo' });
    expect(rulesFor(saga.deliveryAvailable())).toEqual([
      { audience: { kind: 'riders', region: 'seoul-mapo' }, template: 'riderDeliveryAvailable', params: { region: 'seoul-mapo', pickup: '서울 강남구 역삼로 1' } },
    ]);
  });

  it('reports a rejection once, when the refund lands, and a paid cancellation only through OrderCancelled', () => {
    const saga = orderSaga();
    expect(rulesFor(saga.rejected())).toEqual([]);
    expect(who(rulesFor(saga.refunded(OrderStatus.ORDER_STATUS_REJECTED)))).toEqual(['customer:rejected']);
    expect(rulesFor(saga.refunded(OrderStatus.ORDER_STATUS_CANCELLED))).toEqual([]);
    expect(rulesFor(saga.paymentRefunded())).toEqual([]);
  });
});

describe('templates', () => {
  it('renders every template in Korean and English with its parameters filled in', () => {
    const params = { store: 'S', total: '₩1', reason: 'R', refund: '₩2', minutes: '15', rider: 'Kim', items: 'I', region: 'seoul-mapo', pickup: 'P', retryAfter: '30', payBy: '14:05' };
    for (const key of TEMPLATE_KEYS) {
      for (const locale of LOCALES) {
        const { title, body } = render(key, params, locale);
        expect(title.length).toBeGreaterThan(0);
        expect(body).not.toContain('undefined');
      }
    }
    expect(render('accepted', params, 'ko').body).toBe('가게에서 주문을 수락했습니다. 약 15분 후 준비됩니다.');
    expect(render('accepted', params, 'en').body).toBe('The store accepted your order; ready in about 15 minutes.');
  });

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
