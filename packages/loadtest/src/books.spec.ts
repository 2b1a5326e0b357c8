import { checkBooks, type BooksInput } from './books';

/** Three orders done right: one completed, one rejected and refunded, one deferred and unpaid. */
const balanced = (): BooksInput => ({
  orders: [
    { orderId: 'o1', status: 'COMPLETED', totalUnits: 19000 },
    { orderId: 'o2', status: 'REJECTED', totalUnits: 21000 },
    { orderId: 'o3', status: 'AWAITING_PAYMENT', totalUnits: 9000 },
    { orderId: 'o4', status: 'CANCEL_REQUESTED', totalUnits: 5000 },
  ],
  views: [
    { orderId: 'o1', status: 'COMPLETED' },
    { orderId: 'o2', status: 'REJECTED' },
    { orderId: 'o3', status: 'AWAITING_PAYMENT' },
    { orderId: 'o4', status: 'CANCEL_REQUESTED' },
  ],
  payments: [
    { paymentId: 'p1', orderId: 'o1', status: 'APPROVED', amountUnits: 19000 },
    { paymentId: 'p2', orderId: 'o2', status: 'REFUNDED', amountUnits: 21000 },
    { paymentId: 'p3', orderId: 'o3', status: 'DECLINED', amountUnits: 9000 },
    { paymentId: 'p4', orderId: 'o4', status: 'APPROVED', amountUnits: 5000 },
  ],
  unpublished: { order: 0, payment: 0 },
  deadLetters: [],
});

describe('the books check', () => {
  it('balances a drained run and sums what was charged and refunded', () => {
    const r = checkBooks(balanced());
    expect(r.problems).toEqual([]);
    expect(r.balanced).toBe(true);
    expect(r.figures).toMatchObject({ orders: 4, chargedUnits: 45000, refundedUnits: 21000, expectedNetUnits: 24000, byStatus: { COMPLETED: 1, REJECTED: 1 } });
  });

  it('finds an order the view lacks, or shows in another status', () => {
    const input = balanced();
    input.views = input.views.filter((v) => v.orderId !== 'o3');
    input.views[0]!.status = 'PICKED_UP';
    expect(checkBooks(input).problems).toEqual([
      '1 order(s) missing from the view: o3 (AWAITING_PAYMENT)',
      '1 order(s) whose view shows another status: o1: order COMPLETED, view PICKED_UP',
    ]);
  });

  it('finds an order charged twice, and the totals no longer match', () => {
    const input = balanced();
    input.payments.push({ paymentId: 'p9', orderId: 'o1', status: 'APPROVED', amountUnits: 19000 });
    const r = checkBooks(input);
    expect(r.balanced).toBe(false);
    expect(r.problems).toEqual([
      '1 order(s) charged twice: o1: p1 APPROVED, p9 APPROVED',
      '1 order(s) whose charge does not match their status and total: o1 COMPLETED: total 19000, charged 38000 in 2 payment(s)',
      'charges − refunds = 43000, but the paid, not cancelled or rejected orders total 24000',
    ]);
  });

  it('finds a cancelled order still charged and a charge for an unknown order', () => {
    const input = balanced();
    input.orders[1]!.status = 'CANCELLED';
    input.views[1]!.status = 'CANCELLED';
    input.payments[1]!.status = 'APPROVED';
    input.payments.push({ paymentId: 'p7', orderId: 'ghost', status: 'APPROVED', amountUnits: 1 });
    expect(checkBooks(input).problems).toEqual([
      '1 charge(s) for orders the order service does not have: ghost: p7',
      '1 order(s) whose charge does not match their status and total: o2 CANCELLED: 21000 still charged',
      'charges − refunds = 45001, but the paid, not cancelled or rejected orders total 24000',
    ]);
  });

  it('finds a charge that went through while the order stayed AWAITING_PAYMENT', () => {
    const input = balanced();
    input.payments[2]!.status = 'APPROVED';
    expect(checkBooks(input).problems).toEqual([
      '1 order(s) charged but still AWAITING_PAYMENT (never paid again): o3: 9000',
      'charges − refunds = 33000, but the paid, not cancelled or rejected orders total 24000',
    ]);
  });

  it('lists events left in an outbox and every dead letter', () => {
    const input = balanced();
    input.unpublished.order = 3;
    input.deadLetters.push({ service: 'store', consumer: 'store', topic: 'order.events', partition: 2, offset: '41', error: 'unknown event type' });
    expect(checkBooks(input).problems).toEqual([
      '1 service(s) with events left in the outbox: order: 3',
      '1 dead letter(s): store/store order.events[2]@41: unknown event type',
    ]);
  });

  it('shows five examples of a long list', () => {
    const input = balanced();
    input.views = [];
    expect(checkBooks(input).problems[0]).toBe('4 order(s) missing from the view: o1 (COMPLETED); o2 (REJECTED); o3 (AWAITING_PAYMENT); o4 (CANCEL_REQUESTED)');
    input.orders.push(...['a', 'b'].map((orderId) => ({ orderId, status: 'PAYMENT_FAILED', totalUnits: 1 })));
    expect(checkBooks(input).problems[0]).toMatch(/^6 order\(s\) missing from the view \(first 5: o1/);
  });
});
