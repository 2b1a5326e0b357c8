import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { canMove, isCancellable, isFinal, isKnownStatus, orderStatusFromName, orderStatusName, rank } from './order-lifecycle';

const S = OrderStatus;
const REAL = Object.values(S).filter((v): v is OrderStatus => typeof v === 'number' && v > 0);

describe('the order lifecycle', () => {
  it('knows every status a real order can have, and no other', () => {
    for (const s of REAL) expect(isKnownStatus(s)).toBe(true);
    expect(isKnownStatus(S.ORDER_STATUS_UNSPECIFIED)).toBe(false);
    expect(isKnownStatus(S.UNRECOGNIZED)).toBe(false);
  });

  it('ranks the happy path in the order it happens, finals above everything', () => {
    const path = [
      S.ORDER_STATUS_AWAITING_PAYMENT,
      S.ORDER_STATUS_PAID,
      S.ORDER_STATUS_ACCEPTED,
      S.ORDER_STATUS_COOKING,
      S.ORDER_STATUS_COOKED,
      S.ORDER_STATUS_PICKED_UP,
      S.ORDER_STATUS_COMPLETED,
    ];
    for (let i = 1; i < path.length; i++) expect(rank(path[i]!)).toBeGreaterThan(rank(path[i - 1]!));
    for (const s of REAL.filter((x) => !isFinal(x))) expect(rank(s)).toBeLessThan(rank(S.ORDER_STATUS_CANCELLED));
  });

  it('keeps a final status final', () => {
    for (const from of REAL.filter(isFinal)) for (const to of REAL) expect(canMove(from, to, 'resume')).toBe(false);
  });

  it('moves back only along the declared backward move', () => {
    expect(canMove(S.ORDER_STATUS_COOKING, S.ORDER_STATUS_CANCEL_REQUESTED)).toBe(false);
    expect(canMove(S.ORDER_STATUS_CANCEL_REQUESTED, S.ORDER_STATUS_PAID)).toBe(false);
    expect(canMove(S.ORDER_STATUS_CANCEL_REQUESTED, S.ORDER_STATUS_PAID, 'resume')).toBe(true);
    expect(canMove(S.ORDER_STATUS_COOKING, S.ORDER_STATUS_ACCEPTED, 'resume')).toBe(false);
    expect(canMove(S.ORDER_STATUS_PAID, S.ORDER_STATUS_UNSPECIFIED)).toBe(false);
  });

  it('lets the customer cancel until cooking starts', () => {
    expect(REAL.filter(isCancellable).map(orderStatusName)).toEqual(['AWAITING_PAYMENT', 'PAID', 'ACCEPTED']);
  });

  it('names statuses both ways', () => {
    for (const s of REAL) expect(orderStatusFromName(orderStatusName(s))).toBe(s);
    expect(() => orderStatusFromName('LOST')).toThrow('unknown order status "LOST"');
  });
});
