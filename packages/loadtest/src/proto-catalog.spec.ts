import { loadCatalog, requestProblems } from './proto-catalog';

describe('proto catalog', () => {
  const catalog = loadCatalog();

  it('finds an RPC by package.Service.Method or package.Service/Method, with its proto file', () => {
    const rpc = catalog.rpc('foodmesh.edge.v1.CustomerService/PlaceOrder');
    expect(rpc.fullName).toBe('foodmesh.edge.v1.CustomerService.PlaceOrder');
    expect(rpc.protoFile).toBe('foodmesh/edge/v1/customer.proto');
    expect(rpc.requestType.name).toBe('PlaceOrderRequest');
    expect(catalog.rpc('foodmesh.edge.v1.CustomerService.WatchOrderStatus').serverStreaming).toBe(true);
  });

  it('names what exists when an RPC does not', () => {
    expect(() => catalog.rpc('foodmesh.edge.v1.CustomerService.PlaceOrdr')).toThrow(
      'foodmesh.edge.v1.CustomerService has no RPC PlaceOrdr; it has ListStores, GetMenu, PlaceOrder',
    );
    expect(() => catalog.rpc('foodmesh.edge.v1.ShopService.PlaceOrder')).toThrow('there is no service foodmesh.edge.v1.ShopService in proto/');
  });

  it('checks a request template field by field, in either spelling, skipping template actions', () => {
    const type = catalog.rpc('foodmesh.edge.v1.CustomerService.PlaceOrder').requestType;
    expect(
      requestProblems(
        type,
        {
          storeId: 'store-gangnam-chicken',
          items: [{ menu_item_id: 'chk-fried', quantity: 1 }],
          deliveryAddress: { region: 'seoul-gangnam', location: { lat: 37.5, lng: 127 } },
          idempotencyKey: '{{newUUID}}',
          paymentMethod: 'PAYMENT_METHOD_CARD',
        },
        'requests[0]',
      ),
    ).toEqual([]);
    expect(
      requestProblems(type, { storeID: 'x', items: [{ menuItemId: 'a', qty: 1 }], paymentMethod: 'CASH', deliveryAddress: 'home' }, 'requests[1]'),
    ).toEqual([
      'requests[1].storeID: PlaceOrderRequest has no field "storeID"; it has storeId, items, deliveryAddress, idempotencyKey, expectedTotal, paymentMethod',
      'requests[1].items[0].qty: OrderLine has no field "qty"; it has menuItemId, quantity',
      'requests[1].paymentMethod: "CASH" is not a PaymentMethod; use one of PAYMENT_METHOD_UNSPECIFIED, PAYMENT_METHOD_CARD, PAYMENT_METHOD_KAKAO_PAY, PAYMENT_METHOD_TOSS_PAY, PAYMENT_METHOD_NAVER_PAY',
      'requests[1].deliveryAddress: must be an object (an Address)',
    ]);
  });
});
