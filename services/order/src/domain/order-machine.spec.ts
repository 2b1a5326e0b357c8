import { DomainError } from '@foodmesh/platform/errors';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { OrderCancelReason } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import { decide, type OrderInput, type OrderInputKind, type Outcome } from './order-machine';
import { orderStatusName } from '@foodmesh/platform/order-lifecycle';
import type { Order } from './order';

const S = OrderStatus;
const NOW = new Date('2026-11-25T12:00:00Z');

function order(status: OrderStatus, changes: Partial<Order> = {}): Order {
  const paid = status !== S.ORDER_STATUS_AWAITING_PAYMENT;
  return {
    orderId: '0190f5a4-0000-7000-8000-000000000001',
    customerId: 'cust-1',
    storeId: 'store-gangnam-chicken',
    storeName: 'Gangnam Fried Chicken',
    items: [{ menuItemId: 'chk-fried', name: 'Fried Chicken', quantity: 2, unitPrice: { currencyCode: 'KRW', units: 19000 } }],
    totalUnits: 38000,
    deliveryAddress: { region: 'seoul-gangnam', location: { lat: 37.5, lng: 127.03 }, text: 'Teheran-ro 152' },
    paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
    status,
    paymentId: paid ? 'pay-1' : '',
    version: paid ? 1 : 0,
    createdAt: new Date('2026-11-25T11:00:00Z'),
    updatedAt: new Date('2026-11-25T11:00:00Z'),
    resumeStatus: status === S.ORDER_STATUS_CANCEL_REQUESTED ? S.ORDER_STATUS_PAID : null,
    cancelReason: status === S.ORDER_STATUS_CANCEL_REQUESTED ? 'changed my mind' : '',
    storeDecision: null,
    refund: null,
    deliveryId: status === S.ORDER_STATUS_PICKED_UP ? 'del-1' : '',
    riderId: status === S.ORDER_STATUS_PICKED_UP ? 'rider-1' : '',
    payBy: new Date('2026-11-25T12:30:00Z'),
    payNowNotifiedAt: null,
    ...changes,
  };
}

const INPUTS: Record<OrderInputKind, OrderInput> = {
  paymentApproved: { kind: 'paymentApproved', paymentId: 'pay-2' },
  paymentDeclined: { kind: 'paymentDeclined', paymentId: 'pay-2', reason: 'card limit exceeded' },
  paymentDeferred: { kind: 'paymentDeferred', reason: 'UNAVAILABLE', retryAfterSeconds: 30 },
  paymentAvailable: { kind: 'paymentAvailable' },
  paymentExpired: { kind: 'paymentExpired' },
  cancel: { kind: 'cancel', reason: 'changed my mind', requestedBy: 'cust-1' },
  confirmDelivered: { kind: 'confirmDelivered' },
  orderAccepted: { kind: 'orderAccepted' },
  cookingStarted: { kind: 'cookingStarted' },
  cookingFinished: { kind: 'cookingFinished' },
  deliveryPickedUp: { kind: 'deliveryPickedUp', deliveryId: 'del-9', riderId: 'rider-9' },
  deliveryCompleted: { kind: 'deliveryCompleted' },
  deliveryDeclined: { kind: 'deliveryDeclined' },
  orderRejected: { kind: 'orderRejected', reason: 'out of chicken' },
  storeOrderCancelled: { kind: 'storeOrderCancelled', reason: 'changed my mind' },
  cancellationRejected: { kind: 'cancellationRejected', resumedStatus: S.ORDER_STATUS_COOKING, reason: 'cooking already started' },
  paymentRefunded: { kind: 'paymentRefunded', paymentId: 'pay-1', units: 38000, reason: 'store rejected the order' },
};

/** `ignore`, `reject`, or [status after, events emitted]. */
type Expected = 'ignore' | 'reject' | [keyof typeof S, string[]];
type Row = Record<OrderInputKind, Expected>;

const ALL_IGNORED: Row = Object.fromEntries(Object.keys(INPUTS).map((k) => [k, 'ignore'])) as Row;
/** A final order ignores every event; the customer's commands on it are refused. */
const FINAL: Row = { ...ALL_IGNORED, cancel: 'reject', confirmDelivered: 'reject' };
const paidRow = (self: keyof typeof S): Row => ({
  ...ALL_IGNORED,
  cancel: ['ORDER_STATUS_CANCEL_REQUESTED', ['orderCancellationRequested']],
  confirmDelivered: 'reject',
  orderAccepted: self === 'ORDER_STATUS_PAID' ? ['ORDER_STATUS_ACCEPTED', []] : 'ignore',
  cookingStarted: ['ORDER_STATUS_COOKING', []],
  cookingFinished: ['ORDER_STATUS_COOKED', []],
  deliveryPickedUp: ['ORDER_STATUS_PICKED_UP', []],
  // Half of the compensation is recorded; the order is final when the other half arrives.
  orderRejected: [self, []],
  storeOrderCancelled: [self, []],
  paymentRefunded: [self, []],
});

const MATRIX: Array<[string, Order, Row]> = [
  [
    'AWAITING_PAYMENT',
    order(S.ORDER_STATUS_AWAITING_PAYMENT),
    {
      ...ALL_IGNORED,
      paymentApproved: ['ORDER_STATUS_PAID', ['orderPlaced']],
      paymentDeclined: ['ORDER_STATUS_PAYMENT_FAILED', ['orderPaymentFailed']],
      paymentDeferred: ['ORDER_STATUS_AWAITING_PAYMENT', ['orderPaymentDeferred']],
      cancel: ['ORDER_STATUS_CANCELLED', ['orderCancelled']],
      confirmDelivered: 'reject',
    },
  ],
  [
    'AWAITING_PAYMENT, deferral already announced',
    order(S.ORDER_STATUS_AWAITING_PAYMENT, { version: 1 }),
    {
      ...ALL_IGNORED,
      paymentApproved: ['ORDER_STATUS_PAID', ['orderPlaced']],
      paymentDeclined: ['ORDER_STATUS_PAYMENT_FAILED', ['orderPaymentFailed']],
      cancel: ['ORDER_STATUS_CANCELLED', ['orderCancelled']],
      confirmDelivered: 'reject',
      // Payment works again: the customer is told to pay now (the status stays).
      paymentAvailable: ['ORDER_STATUS_AWAITING_PAYMENT', ['orderPaymentAvailable']],
    },
  ],
  [
    'AWAITING_PAYMENT, customer already told to pay now',
    order(S.ORDER_STATUS_AWAITING_PAYMENT, { version: 2, payNowNotifiedAt: new Date('2026-11-25T11:02:00Z') }),
    {
      ...ALL_IGNORED,
      paymentApproved: ['ORDER_STATUS_PAID', ['orderPlaced']],
      paymentDeclined: ['ORDER_STATUS_PAYMENT_FAILED', ['orderPaymentFailed']],
      cancel: ['ORDER_STATUS_CANCELLED', ['orderCancelled']],
      confirmDelivered: 'reject',
    },
  ],
  [
    'AWAITING_PAYMENT, past its pay-by time',
    order(S.ORDER_STATUS_AWAITING_PAYMENT, { version: 1, payBy: new Date(NOW.getTime() - 1) }),
    {
      ...ALL_IGNORED,
      // A charge payment made in time (found later) still pays the order.
      paymentApproved: ['ORDER_STATUS_PAID', ['orderPlaced']],
      paymentDeclined: ['ORDER_STATUS_PAYMENT_FAILED', ['orderPaymentFailed']],
      cancel: ['ORDER_STATUS_CANCELLED', ['orderCancelled']],
      confirmDelivered: 'reject',
      paymentExpired: ['ORDER_STATUS_CANCELLED', ['orderCancelled']],
    },
  ],
  ['PAID', order(S.ORDER_STATUS_PAID), paidRow('ORDER_STATUS_PAID')],
  ['ACCEPTED', order(S.ORDER_STATUS_ACCEPTED), paidRow('ORDER_STATUS_ACCEPTED')],
  [
    'COOKING',
    order(S.ORDER_STATUS_COOKING),
    {
      ...ALL_IGNORED,
      cancel: 'reject',
      confirmDelivered: 'reject',
      cookingFinished: ['ORDER_STATUS_COOKED', []],
      deliveryPickedUp: ['ORDER_STATUS_PICKED_UP', []],
    },
  ],
  ['COOKED', order(S.ORDER_STATUS_COOKED), { ...ALL_IGNORED, cancel: 'reject', confirmDelivered: 'reject', deliveryPickedUp: ['ORDER_STATUS_PICKED_UP', []] }],
  [
    'PICKED_UP',
    order(S.ORDER_STATUS_PICKED_UP),
    // A rider who gives the delivery back sends the order back to ready-for-pickup (the declared backward move).
    { ...ALL_IGNORED, cancel: 'reject', confirmDelivered: ['ORDER_STATUS_COMPLETED', ['orderCompleted']], deliveryDeclined: ['ORDER_STATUS_COOKED', []] },
  ],
  ['COMPLETED', order(S.ORDER_STATUS_COMPLETED), { ...FINAL, confirmDelivered: 'ignore' }],
  ['REJECTED', order(S.ORDER_STATUS_REJECTED), FINAL],
  [
    'CANCEL_REQUESTED',
    order(S.ORDER_STATUS_CANCEL_REQUESTED),
    {
      ...ALL_IGNORED,
      cancel: 'reject',
      confirmDelivered: 'reject',
      // Store progress seen while the store decides stays CANCEL_REQUESTED (and moves where it would resume).
      orderAccepted: ['ORDER_STATUS_CANCEL_REQUESTED', []],
      cookingStarted: ['ORDER_STATUS_CANCEL_REQUESTED', []],
      cookingFinished: ['ORDER_STATUS_CANCEL_REQUESTED', []],
      deliveryPickedUp: ['ORDER_STATUS_CANCEL_REQUESTED', []],
      orderRejected: ['ORDER_STATUS_CANCEL_REQUESTED', []],
      storeOrderCancelled: ['ORDER_STATUS_CANCEL_REQUESTED', []],
      paymentRefunded: ['ORDER_STATUS_CANCEL_REQUESTED', []],
      cancellationRejected: ['ORDER_STATUS_COOKING', []],
    },
  ],
  ['CANCELLED (unpaid)', order(S.ORDER_STATUS_CANCELLED, { paymentId: '' }), FINAL],
  ['CANCELLED (refunded)', order(S.ORDER_STATUS_CANCELLED), FINAL],
  ['PAYMENT_FAILED', order(S.ORDER_STATUS_PAYMENT_FAILED), FINAL],
];

function run(o: Order, input: OrderInput): Outcome | DomainError {
  try {
    return decide(o, input, NOW);
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
}

describe('order state machine: every input in every status', () => {
  const cases = MATRIX.flatMap(([name, o, row]) => (Object.keys(INPUTS) as OrderInputKind[]).map((k) => [name, k, o, row[k]] as const));
  expect(cases).toHaveLength(MATRIX.length * Object.keys(INPUTS).length);
  expect(MATRIX).toHaveLength(15);

  it.each(cases)('%s + %s', (_name, kind, o, expected) => {
    const result = run(o, INPUTS[kind]);
    if (expected === 'reject') {
      expect(result).toBeInstanceOf(DomainError);
      expect((result as DomainError).kind).toBe('FAILED_PRECONDITION');
    } else if (expected === 'ignore') {
      expect(result).toMatchObject({ kind: 'ignored' });
    } else {
      const [status, events] = expected;
      expect(result).toMatchObject({ kind: 'applied' });
      const applied = result as Extract<Outcome, { kind: 'applied' }>;
      expect(orderStatusName(applied.order.status)).toBe(orderStatusName(S[status]));
      expect(applied.events.map((e) => e.$case)).toEqual(events);
      expect(applied.order.version).toBe(o.version + events.length);
      for (const e of applied.events) expect(e.value).toMatchObject({ orderId: o.orderId, customerId: 'cust-1', storeId: 'store-gangnam-chicken' });
    }
  });
});

const apply = (o: Order, ...inputs: OrderInput[]) =>
  inputs.reduce(
    (acc, input) => {
      const r = decide(acc.order, input, NOW);
      return r.kind === 'applied' ? { order: r.order, events: [...acc.events, ...r.events] } : acc;
    },
    { order: o, events: [] as Extract<Outcome, { kind: 'applied' }>['events'] },
  );

describe('order saga paths', () => {
  it('places a paid order with everything the store needs in OrderPlaced', () => {
    const { order: o, events } = apply(order(S.ORDER_STATUS_AWAITING_PAYMENT), INPUTS.paymentApproved);
    expect(o).toMatchObject({ status: S.ORDER_STATUS_PAID, paymentId: 'pay-2', version: 1 });
    expect(events[0]).toEqual({
      $case: 'orderPlaced',
      value: expect.objectContaining({ paymentId: 'pay-2', total: { currencyCode: 'KRW', units: 38000 }, storeName: 'Gangnam Fried Chicken', placedAt: NOW }),
    });
  });

  it('announces a deferral once, then completes the deferred order as version 2', () => {
    const { order: o, events } = apply(order(S.ORDER_STATUS_AWAITING_PAYMENT), INPUTS.paymentDeferred, INPUTS.paymentDeferred, INPUTS.paymentApproved);
    expect(events.map((e) => e.$case)).toEqual(['orderPaymentDeferred', 'orderPlaced']);
    expect(o.version).toBe(2);
    expect(events[0]!.value).toMatchObject({ retryAfterSeconds: 30, reason: 'UNAVAILABLE' });
  });

  it("tells a deferred order's customer once that payment works again, until its pay-by time", () => {
    const deferred = order(S.ORDER_STATUS_AWAITING_PAYMENT, { version: 1 });
    const { order: o, events } = apply(deferred, INPUTS.paymentAvailable, INPUTS.paymentAvailable);
    expect(events).toEqual([
      {
        $case: 'orderPaymentAvailable',
        value: {
          orderId: o.orderId,
          customerId: 'cust-1',
          storeId: 'store-gangnam-chicken',
          storeName: 'Gangnam Fried Chicken',
          total: { currencyCode: 'KRW', units: 38000 },
          payBy: deferred.payBy,
        },
      },
    ]);
    expect(o).toMatchObject({ status: S.ORDER_STATUS_AWAITING_PAYMENT, payNowNotifiedAt: NOW, version: 2 });
    expect(decide({ ...deferred, payBy: NOW }, INPUTS.paymentAvailable, NOW)).toMatchObject({ kind: 'ignored', reason: 'too late to pay: the order expires' });
  });

  it('expires an order unpaid at its pay-by time: CANCELLED, PAYMENT_NOT_COMPLETED, nothing to refund; never before', () => {
    const due = order(S.ORDER_STATUS_AWAITING_PAYMENT, { version: 1, payBy: NOW });
    const { order: o, events } = apply(due, INPUTS.paymentExpired, INPUTS.paymentExpired);
    expect(o).toMatchObject({ status: S.ORDER_STATUS_CANCELLED, cancelReason: 'PAYMENT_NOT_COMPLETED', version: 2 });
    expect(events).toEqual([
      {
        $case: 'orderCancelled',
        value: {
          orderId: o.orderId,
          customerId: 'cust-1',
          storeId: 'store-gangnam-chicken',
          reason: 'PAYMENT_NOT_COMPLETED',
          reasonCode: OrderCancelReason.ORDER_CANCEL_REASON_PAYMENT_NOT_COMPLETED,
          wasPaid: false,
          paymentId: '',
          refund: undefined,
        },
      },
    ]);
    expect(decide({ ...due, payBy: new Date(NOW.getTime() + 1) }, INPUTS.paymentExpired, NOW)).toMatchObject({ kind: 'ignored' });
  });

  it.each([
    ['rejection first', [INPUTS.orderRejected, INPUTS.paymentRefunded]],
    ['refund first', [INPUTS.paymentRefunded, INPUTS.orderRejected]],
  ])('ends REJECTED with one OrderRefunded whichever arrives first (%s)', (_, inputs) => {
    const { order: o, events } = apply(order(S.ORDER_STATUS_ACCEPTED), ...inputs, ...inputs);
    expect(o.status).toBe(S.ORDER_STATUS_REJECTED);
    expect(events).toEqual([
      {
        $case: 'orderRefunded',
        value: expect.objectContaining({
          paymentId: 'pay-1',
          refund: { currencyCode: 'KRW', units: 38000 },
          reason: 'out of chicken',
          finalStatus: S.ORDER_STATUS_REJECTED,
        }),
      },
    ]);
  });

  it.each([
    ['store answer first', [INPUTS.storeOrderCancelled, INPUTS.paymentRefunded]],
    ['refund first', [INPUTS.paymentRefunded, INPUTS.storeOrderCancelled]],
  ])('cancels a paid order: CANCEL_REQUESTED, then CANCELLED with OrderRefunded and OrderCancelled (%s)', (_, inputs) => {
    const { order: o, events } = apply(order(S.ORDER_STATUS_PAID), INPUTS.cancel, ...inputs);
    expect(o.status).toBe(S.ORDER_STATUS_CANCELLED);
    expect(events.map((e) => e.$case)).toEqual(['orderCancellationRequested', 'orderRefunded', 'orderCancelled']);
    expect(events[0]!.value).toMatchObject({ previousStatus: S.ORDER_STATUS_PAID, requestedBy: 'cust-1' });
    expect(events[1]!.value).toMatchObject({ finalStatus: S.ORDER_STATUS_CANCELLED });
    expect(events[2]!.value).toMatchObject({ wasPaid: true, paymentId: 'pay-1', refund: { currencyCode: 'KRW', units: 38000 } });
    expect(o.version).toBe(4);
  });

  it('cancels an unpaid order at once, and a later refund of a stray charge emits nothing', () => {
    const { order: o, events } = apply(order(S.ORDER_STATUS_AWAITING_PAYMENT), INPUTS.cancel, INPUTS.paymentRefunded, INPUTS.paymentApproved);
    expect(o.status).toBe(S.ORDER_STATUS_CANCELLED);
    expect(events).toEqual([{ $case: 'orderCancelled', value: expect.objectContaining({ wasPaid: false, reason: 'changed my mind' }) }]);
  });

  it('returns to where the store says after a refused cancellation, or further if it has seen more', () => {
    const refused = (resumed: OrderStatus) => ({ kind: 'cancellationRejected', resumedStatus: resumed, reason: 'cooking' }) as const;
    expect(apply(order(S.ORDER_STATUS_ACCEPTED), INPUTS.cancel, refused(S.ORDER_STATUS_COOKING)).order).toMatchObject({
      status: S.ORDER_STATUS_COOKING,
      resumeStatus: null,
    });
    expect(apply(order(S.ORDER_STATUS_ACCEPTED), INPUTS.cancel, INPUTS.cookingFinished, refused(S.ORDER_STATUS_COOKING)).order.status).toBe(
      S.ORDER_STATUS_COOKED,
    );
    expect(apply(order(S.ORDER_STATUS_PAID), INPUTS.cancel, refused(S.ORDER_STATUS_UNSPECIFIED)).order.status).toBe(S.ORDER_STATUS_PAID);
  });

  it('explains why an order that is cooking cannot be cancelled', () => {
    expect(() => decide(order(S.ORDER_STATUS_COOKING), INPUTS.cancel, NOW)).toThrow('cooking has already started, so the order can no longer be cancelled');
  });

  it('refuses a second cancellation with what is going on', () => {
    expect(() => decide(order(S.ORDER_STATUS_CANCEL_REQUESTED), INPUTS.cancel, NOW)).toThrow(/already requested/);
    expect(() => decide(order(S.ORDER_STATUS_CANCELLED), INPUTS.cancel, NOW)).toThrow(/already cancelled/);
  });

  it('refuses to cancel an order the store rejected while its refund is on the way', () => {
    const rejecting = apply(order(S.ORDER_STATUS_PAID), INPUTS.orderRejected).order;
    expect(() => decide(rejecting, INPUTS.cancel, NOW)).toThrow(/store rejected this order/);
  });

  it('confirms delivery only after pickup, naming the status it is in', () => {
    expect(() => decide(order(S.ORDER_STATUS_COOKED), INPUTS.confirmDelivered, NOW)).toThrow(/it is COOKED, and only a picked-up order can be/);
    const { order: o, events } = apply(order(S.ORDER_STATUS_COOKED), INPUTS.deliveryPickedUp, INPUTS.confirmDelivered);
    expect(o.status).toBe(S.ORDER_STATUS_COMPLETED);
    expect(events).toEqual([{ $case: 'orderCompleted', value: expect.objectContaining({ deliveryId: 'del-9', riderId: 'rider-9' }) }]);
  });

  it('moves only forward on milestones that arrive late or twice', () => {
    const { order: o } = apply(order(S.ORDER_STATUS_PAID), INPUTS.cookingFinished, INPUTS.orderAccepted, INPUTS.cookingStarted, INPUTS.cookingFinished);
    expect(o.status).toBe(S.ORDER_STATUS_COOKED);
  });
});
