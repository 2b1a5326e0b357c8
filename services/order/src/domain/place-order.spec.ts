import { DomainError } from '@foodmesh/platform/errors';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { MenuPublished } from '@foodmesh/proto-gen/foodmesh/events/v1/store_events';
import { menuFromPublished, type StoreMenu } from './menu';
import { priceOrder, requestFingerprint, validatePlaceOrder, type PlaceOrderInput } from './place-order';

const menu: StoreMenu = {
  storeId: 'store-gangnam-chicken',
  storeName: 'Gangnam Fried Chicken',
  ownerId: 'owner-1',
  region: 'seoul-gangnam',
  lat: 37.4979,
  lng: 127.0276,
  addressText: '',
  open: true,
  menuVersion: 1,
  items: [
    { menuItemId: 'chk-fried', name: 'Fried Chicken', priceUnits: 19000, available: true },
    { menuItemId: 'chk-cola', name: 'Cola', priceUnits: 2000, available: true },
    { menuItemId: 'chk-sold-out', name: 'Garlic Chicken', priceUnits: 22000, available: false },
  ],
};

const input: PlaceOrderInput = {
  customerId: 'cust-1',
  storeId: 'store-gangnam-chicken',
  items: [
    { menuItemId: 'chk-fried', quantity: 2 },
    { menuItemId: 'chk-cola', quantity: 1 },
  ],
  deliveryAddress: { region: 'seoul-gangnam', location: { lat: 37.5, lng: 127.03 }, text: 'Teheran-ro 152' },
  idempotencyKey: 'k-1',
  paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
};

function failure(fn: () => unknown): [string, string] {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return [e.kind, e.message];
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('placing an order: validation', () => {
  it('accepts a complete order', () => {
    expect(() => validatePlaceOrder(input)).not.toThrow();
  });

  it.each<[string, Partial<PlaceOrderInput>, RegExp]>([
    ['no items', { items: [] }, /add at least one menu item/],
    ['quantity 0', { items: [{ menuItemId: 'chk-fried', quantity: 0 }] }, /quantity of "chk-fried" must be between 1 and 50, not 0/],
    ['a negative quantity', { items: [{ menuItemId: 'chk-fried', quantity: -3 }] }, /between 1 and 50/],
    ['an absurd quantity', { items: [{ menuItemId: 'chk-fried', quantity: 51 }] }, /between 1 and 50, not 51/],
    [
      'an item listed twice',
      {
        items: [
          { menuItemId: 'chk-fried', quantity: 1 },
          { menuItemId: 'chk-fried', quantity: 1 },
        ],
      },
      /listed twice/,
    ],
    ['no menu item id', { items: [{ menuItemId: '', quantity: 1 }] }, /menu_item_id/],
    ['no idempotency key', { idempotencyKey: '' }, /idempotency_key is required/],
    ['no store', { storeId: '' }, /store_id is required/],
    ['no address', { deliveryAddress: undefined }, /delivery_address is required/],
    ['no region', { deliveryAddress: { region: '', location: { lat: 37.5, lng: 127 }, text: '' } }, /region is required/],
    ['no location', { deliveryAddress: { region: 'seoul-gangnam', location: undefined, text: '' } }, /location \(lat, lng\) is required/],
    [
      'a latitude off the globe',
      { deliveryAddress: { region: 'seoul-gangnam', location: { lat: 137.5, lng: 127 }, text: '' } },
      /lat must be between -90 and 90/,
    ],
    ['no payment method', { paymentMethod: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED }, /payment_method must be specified/],
    ['an expected total in dollars', { expectedTotal: { currencyCode: 'USD', units: 40 } }, /expected_total must be in KRW, not "USD"/],
  ])('rejects %s with INVALID_ARGUMENT', (_, change, message) => {
    const [kind, msg] = failure(() => validatePlaceOrder({ ...input, ...change }));
    expect(kind).toBe('INVALID_ARGUMENT');
    expect(msg).toMatch(message);
  });
});

describe('placing an order: pricing from the menu replica', () => {
  it('prices each line from the menu and sums the total in won', () => {
    expect(priceOrder(menu, input)).toEqual({
      storeName: 'Gangnam Fried Chicken',
      items: [
        { menuItemId: 'chk-fried', name: 'Fried Chicken', quantity: 2, unitPrice: { currencyCode: 'KRW', units: 19000 } },
        { menuItemId: 'chk-cola', name: 'Cola', quantity: 1, unitPrice: { currencyCode: 'KRW', units: 2000 } },
      ],
      totalUnits: 40000,
    });
  });

  it('accepts the total the customer saw', () => {
    expect(priceOrder(menu, { ...input, expectedTotal: { currencyCode: 'KRW', units: 40000 } }).totalUnits).toBe(40000);
  });

  it.each<[string, StoreMenu | undefined, Partial<PlaceOrderInput>, string, RegExp]>([
    ['an unknown store', undefined, { storeId: 'store-nowhere' }, 'NOT_FOUND', /no store with id "store-nowhere"/],
    ['a closed store', { ...menu, open: false }, {}, 'FAILED_PRECONDITION', /not taking orders/],
    ['an unknown item', menu, { items: [{ menuItemId: 'chk-pizza', quantity: 1 }] }, 'NOT_FOUND', /"chk-pizza" is not on the menu/],
    ['a sold-out item', menu, { items: [{ menuItemId: 'chk-sold-out', quantity: 1 }] }, 'FAILED_PRECONDITION', /"Garlic Chicken" \(chk-sold-out\) is sold out/],
    ['a changed price', menu, { expectedTotal: { currencyCode: 'KRW', units: 38000 } }, 'FAILED_PRECONDITION', /prices changed: expected ₩38,000, now ₩40,000/],
  ])('refuses %s', (_, m, change, kind, message) => {
    const [k, msg] = failure(() => priceOrder(m, { ...input, ...change }));
    expect(k).toBe(kind);
    expect(msg).toMatch(message);
  });

  it('treats a published item priced in another currency as unavailable', () => {
    const published = menuFromPublished(
      MenuPublished.fromPartial({
        storeId: 's',
        storeName: 'S',
        open: true,
        menuVersion: 2,
        items: [
          { menuItemId: 'a', name: 'A', price: { currencyCode: 'KRW', units: 1000 }, available: true },
          { menuItemId: 'b', name: 'B', price: { currencyCode: 'USD', units: 1 }, available: true },
        ],
      }),
    );
    expect(published.items.map((i) => i.available)).toEqual([true, false]);
  });
});

describe('placing an order: idempotency fingerprint', () => {
  it('is the same for the same request with lines in another order', () => {
    expect(requestFingerprint({ ...input, items: [...input.items].reverse() })).toBe(requestFingerprint(input));
  });
  it('differs when the lines differ', () => {
    expect(requestFingerprint({ ...input, items: [{ menuItemId: 'chk-fried', quantity: 3 }] })).not.toBe(requestFingerprint(input));
  });
});
