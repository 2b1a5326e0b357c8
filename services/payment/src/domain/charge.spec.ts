import { DomainError } from '@foodmesh/platform/errors';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { assertSameCharge, validateCharge, type PayInput } from './charge';

const good: PayInput = {
  orderId: 'o-1',
  customerId: 'c-1',
  amount: { currencyCode: 'KRW', units: 19000 },
  method: PaymentMethod.PAYMENT_METHOD_CARD,
  idempotencyKey: 'order:o-1',
};

const kindOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return [(e as DomainError).kind, (e as Error).message];
  }
  return undefined;
};

describe('a charge request', () => {
  it('is accepted when complete and in KRW', () => {
    expect(validateCharge(good)).toEqual({
      orderId: 'o-1',
      customerId: 'c-1',
      amountUnits: 19000,
      method: PaymentMethod.PAYMENT_METHOD_CARD,
      idempotencyKey: 'order:o-1',
    });
  });

  it.each<[string, Partial<PayInput>, RegExp]>([
    ['another currency', { amount: { currencyCode: 'USD', units: 10 } }, /must be in KRW/],
    ['a zero amount', { amount: { currencyCode: 'KRW', units: 0 } }, /positive/],
    ['a negative amount', { amount: { currencyCode: 'KRW', units: -5 } }, /positive/],
    ['no amount', { amount: undefined }, /amount is required/],
    ['no idempotency key', { idempotencyKey: ' ' }, /idempotency_key is required/],
    ['no order', { orderId: '' }, /order_id is required/],
    ['no method', { method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED }, /method must be specified/],
  ])('is INVALID_ARGUMENT with %s', (_, change, message) => {
    const [kind, msg] = kindOf(() => validateCharge({ ...good, ...change }))!;
    expect(kind).toBe('INVALID_ARGUMENT');
    expect(msg).toMatch(message);
  });

  it('may reuse a key for the same order and amount (a retry)', () => {
    expect(() => assertSameCharge({ orderId: 'o-1', amountUnits: 19000 }, validateCharge(good))).not.toThrow();
  });

  it.each([[{ orderId: 'o-2', amountUnits: 19000 }], [{ orderId: 'o-1', amountUnits: 21000 }]])(
    'may not reuse a key for a different payment %p (ALREADY_EXISTS)',
    (existing) => {
      const [kind, msg] = kindOf(() => assertSameCharge(existing, validateCharge(good)))!;
      expect(kind).toBe('ALREADY_EXISTS');
      expect(msg).toMatch(/idempotency key reused for a different payment/);
    },
  );
});
