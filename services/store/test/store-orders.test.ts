import { status } from '@grpc/grpc-js';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { StoreOrderStatus } from '@foodmesh/proto-gen/foodmesh/store/v1/store';
import { eventually, rpcError, testIdentity } from '@foodmesh/testkit';
import { GANGNAM, storeFixture, type StoreFixture } from './store-fixture';

describe('store service: the owner side of the saga on real PostgreSQL + Kafka', () => {
  let f: StoreFixture;
  const owner1 = () => f.asOwner('owner-1');

  beforeAll(async () => {
    f = await storeFixture();
    await f.start();
  });
  afterAll(() => f?.close());

  async function acceptedOrder(): Promise<string> {
    const [orderId] = await f.placeOrders(1);
    await f.client.acceptOrder({ storeId: GANGNAM, orderId: orderId!, estimatedReadyMinutes: 20 }, owner1());
    return orderId!;
  }

  it("lists the demo stores, by region, and serves a store's menu", async () => {
    const all = await f.client.listStores({ region: '', page: undefined });
    expect(all.stores.map((s) => s.storeId).sort()).toEqual(['store-gangnam-chicken', 'store-hongdae-bibimbap', 'store-jamsil-pizza']);
    const mapo = await f.client.listStores({ region: 'seoul-mapo', page: undefined });
    expect(mapo.stores).toEqual([
      expect.objectContaining({
        storeId: 'store-hongdae-bibimbap',
        name: 'Hongdae Bibimbap House',
        ownerId: 'owner-2',
        open: true,
        location: { lat: 37.5563, lng: 126.922 },
      }),
    ]);

    const menu = await f.client.getMenu({ storeId: 'store-jamsil-pizza' });
    expect(menu.menuVersion).toBe(1);
    expect(menu.items.map((i) => [i.menuItemId, i.name, i.price?.units])).toEqual([
      ['pz-margherita', 'Margherita', 18000],
      ['pz-bulgogi', 'Bulgogi Pizza', 23000],
      ['pz-salad', 'Caesar Salad', 9000],
    ]);
    await expect(f.client.getMenu({ storeId: 'store-nope' })).rejects.toMatchObject({ code: status.NOT_FOUND, details: 'there is no store "store-nope"' });
  });

  it('turns a paid order into one REQUESTED store order for its owner, however often OrderPlaced arrives', async () => {
    const placed = f.orderPlaced();
    const resentWithNewId = f.orderPlaced({ orderId: placed.orderId });
    await f.bus.publish([placed, placed, resentWithNewId]);
    await eventually(async () => expect(await f.statusOf(placed.orderId)).toBe('REQUESTED'));

    const listed = await f.client.listStoreOrders({ storeId: GANGNAM, status: StoreOrderStatus.STORE_ORDER_STATUS_REQUESTED, page: undefined }, owner1());
    const mine = listed.storeOrders.filter((o) => o.orderId === placed.orderId);
    expect(mine).toEqual([
      expect.objectContaining({
        status: StoreOrderStatus.STORE_ORDER_STATUS_REQUESTED,
        total: { currencyCode: 'KRW', units: 38000 },
        items: [expect.objectContaining({ menuItemId: 'chk-fried', quantity: 2 })],
      }),
    ]);
    await eventually(async () =>
      expect(
        await f.count("SELECT count(*) AS n FROM inbox WHERE event_type = 'foodmesh.events.v1.OrderPlaced' AND event_id = ANY($1)", [
          [placed.eventId, resentWithNewId.eventId],
        ]),
      ).toBe(2),
    );
    expect(await f.count('SELECT count(*) AS n FROM store_orders WHERE order_id = $1', [placed.orderId])).toBe(1);
    expect(await f.committedEvents(placed.orderId)).toEqual([]);
  });

  it('accepts, starts and finishes cooking, publishing each event; CookingFinished carries the store pickup and the customer drop-off', async () => {
    const [orderId] = await f.placeOrders(1);
    const accepted = await f.client.acceptOrder({ storeId: GANGNAM, orderId: orderId!, estimatedReadyMinutes: 25 }, owner1());
    expect(accepted.storeOrder).toMatchObject({ status: StoreOrderStatus.STORE_ORDER_STATUS_ACCEPTED, estimatedReadyMinutes: 25 });
    await f.client.startCooking({ storeId: GANGNAM, orderId: orderId! }, owner1());
    const cooked = await f.client.finishCooking({ storeId: GANGNAM, orderId: orderId! }, owner1());
    expect(cooked.storeOrder?.status).toBe(StoreOrderStatus.STORE_ORDER_STATUS_COOKED);

    // Repeating a transition that already happened changes nothing and publishes nothing.
    const again = await f.client.finishCooking({ storeId: GANGNAM, orderId: orderId! }, owner1());
    expect(again.storeOrder?.updatedAt).toEqual(cooked.storeOrder?.updatedAt);

    const [finished] = await f.bus.waitFor('cookingFinished', { orderId });
    expect(f.bus.kindsFor(orderId!)).toEqual(['orderPlaced', 'orderAccepted', 'cookingStarted', 'cookingFinished']);
    expect(f.bus.events.filter((e) => e.orderId === orderId && e.producer === 'store').map((e) => e.aggregateVersion)).toEqual([1, 2, 3]);
    expect(f.bus.payloadsOf('orderAccepted', orderId)[0]).toMatchObject({ storeId: GANGNAM, customerId: 'customer-1', estimatedReadyMinutes: 25 });
    expect(finished).toEqual({
      orderId,
      storeId: GANGNAM,
      storeName: 'Gangnam Fried Chicken',
      customerId: 'customer-1',
      pickup: { region: 'seoul-gangnam', location: { lat: 37.4979, lng: 127.0276 }, text: '서울 강남구 강남대로 396' },
      dropoff: { region: 'seoul-gangnam', location: { lat: 37.5, lng: 127.03 }, text: '서울 강남구 테헤란로 152, 12층' },
    });
  });

  it("rejects an order with the owner's reason (OrderRejected, which leads to the refund)", async () => {
    const [orderId] = await f.placeOrders(1);
    const res = await f.client.rejectOrder({ storeId: GANGNAM, orderId: orderId!, reason: ' out of chicken ' }, owner1());
    expect(res.storeOrder).toMatchObject({ status: StoreOrderStatus.STORE_ORDER_STATUS_REJECTED, reason: 'out of chicken' });
    const [rejected] = await f.bus.waitFor('orderRejected', { orderId });
    expect(rejected).toMatchObject({ orderId, storeId: GANGNAM, customerId: 'customer-1', reason: 'out of chicken' });
  });

  it('grants a cancellation requested before cooking (REQUESTED or ACCEPTED): StoreOrderCancelled', async () => {
    const [requested] = await f.placeOrders(1);
    const accepted = await acceptedOrder();
    await f.bus.publish([f.cancellationRequested(requested!, OrderStatus.ORDER_STATUS_PAID), f.cancellationRequested(accepted)]);

    for (const orderId of [requested!, accepted]) {
      const [cancelled] = await f.bus.waitFor('storeOrderCancelled', { orderId });
      expect(cancelled).toMatchObject({ orderId, storeId: GANGNAM, customerId: 'customer-1', reason: 'changed my mind' });
      expect(await f.statusOf(orderId)).toBe('CANCELLED');
    }
    await expect(f.client.startCooking({ storeId: GANGNAM, orderId: accepted }, owner1())).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
  });

  it('refuses a cancellation once cooking started: CancellationRejected, the order resumes COOKING', async () => {
    const orderId = await acceptedOrder();
    await f.client.startCooking({ storeId: GANGNAM, orderId }, owner1());
    await f.bus.publish([f.cancellationRequested(orderId)]);
    const [refused] = await f.bus.waitFor('cancellationRejected', { orderId });
    expect(refused).toMatchObject({ orderId, reason: 'cooking already started', resumedStatus: OrderStatus.ORDER_STATUS_COOKING });
    expect(await f.statusOf(orderId)).toBe('COOKING');
    expect(f.bus.payloadsOf('storeOrderCancelled', orderId)).toEqual([]);
  });

  it('grants a cancellation for an order it has not seen, and a late OrderPlaced does not revive it', async () => {
    const late = f.orderPlaced();
    await f.bus.publish([f.cancellationRequested(late.orderId, OrderStatus.ORDER_STATUS_PAID)]);
    await f.bus.waitFor('storeOrderCancelled', { orderId: late.orderId });
    await f.bus.publish([late]);
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM inbox WHERE event_id = $1', [late.eventId])).toBe(1));
    expect(await f.statusOf(late.orderId)).toBe('CANCELLED');
  });

  it('rejects at once an order for a store it does not know, so the customer is refunded', async () => {
    const placed = f.orderPlaced({ storeId: 'store-closed-forever' });
    await f.bus.publish([placed]);
    const [rejected] = await f.bus.waitFor('orderRejected', { orderId: placed.orderId });
    expect(rejected).toMatchObject({ storeId: 'store-closed-forever', reason: 'the store is not on the platform' });
  });

  describe('bad input gets the right code and message, and writes nothing', () => {
    let requested: string;
    let accepted: string;
    let outboxBefore: number;

    beforeAll(async () => {
      [requested] = (await f.placeOrders(1)) as [string];
      accepted = await acceptedOrder();
      await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')).toBe(0));
      outboxBefore = await f.count('SELECT count(*) AS n FROM outbox');
    });

    afterAll(async () => {
      expect(await f.count('SELECT count(*) AS n FROM outbox')).toBe(outboxBefore);
      expect(await f.statusOf(requested)).toBe('REQUESTED');
      expect(await f.statusOf(accepted)).toBe('ACCEPTED');
    });

    const cases: Array<[string, () => Promise<unknown>, status, string | RegExp | (() => string)]> = [
      [
        'an unknown order',
        () => f.client.acceptOrder({ storeId: GANGNAM, orderId: 'order-nope', estimatedReadyMinutes: 10 }, owner1()),
        status.NOT_FOUND,
        'store "store-gangnam-chicken" has no order "order-nope"',
      ],
      [
        'an unknown store',
        () => f.client.startCooking({ storeId: 'store-nope', orderId: requested }, owner1()),
        status.NOT_FOUND,
        'there is no store "store-nope"',
      ],
      [
        "another owner's order",
        () => f.client.acceptOrder({ storeId: GANGNAM, orderId: requested, estimatedReadyMinutes: 10 }, f.asOwner('owner-2')),
        status.PERMISSION_DENIED,
        'store "store-gangnam-chicken" is not yours; you can only handle your own store\'s orders',
      ],
      [
        "another owner's order list",
        () => f.client.listStoreOrders({ storeId: GANGNAM, status: 0, page: undefined }, f.asOwner('owner-2')),
        status.PERMISSION_DENIED,
        /is not yours/,
      ],
      [
        'the order under another store',
        () => f.client.acceptOrder({ storeId: 'store-hongdae-bibimbap', orderId: requested, estimatedReadyMinutes: 10 }, f.asOwner('owner-2')),
        status.NOT_FOUND,
        () => `store "store-hongdae-bibimbap" has no order "${requested}"`,
      ],
      [
        'no user (the edge alone)',
        () => f.client.acceptOrder({ storeId: GANGNAM, orderId: requested, estimatedReadyMinutes: 10 }),
        status.UNAUTHENTICATED,
        /^sign in first/,
      ],
      [
        'a customer instead of an owner',
        () => f.client.startCooking({ storeId: GANGNAM, orderId: accepted }, testIdentity.asUser({ userId: 'customer-1', role: 'customer' })),
        status.PERMISSION_DENIED,
        'only an owner may do this; you are signed in as a customer',
      ],
      [
        'cooking before accepting (wrong state)',
        () => f.client.startCooking({ storeId: GANGNAM, orderId: requested }, owner1()),
        status.FAILED_PRECONDITION,
        'the order is requested, so it cannot be started cooking: cooking can start only once the order is accepted',
      ],
      [
        'rejecting an accepted order (wrong state)',
        () => f.client.rejectOrder({ storeId: GANGNAM, orderId: accepted, reason: 'too busy' }, owner1()),
        status.FAILED_PRECONDITION,
        /^the order is accepted, so it cannot be rejected/,
      ],
      [
        'finishing before cooking (wrong state)',
        () => f.client.finishCooking({ storeId: GANGNAM, orderId: accepted }, owner1()),
        status.FAILED_PRECONDITION,
        /^the order is accepted, so it cannot be finished cooking/,
      ],
      [
        'zero estimated minutes',
        () => f.client.acceptOrder({ storeId: GANGNAM, orderId: requested, estimatedReadyMinutes: 0 }, owner1()),
        status.INVALID_ARGUMENT,
        'estimated_ready_minutes must be a whole number from 1 to 240',
      ],
      [
        'a rejection without a reason',
        () => f.client.rejectOrder({ storeId: GANGNAM, orderId: requested, reason: '  ' }, owner1()),
        status.INVALID_ARGUMENT,
        'reason is required: tell the customer why the order is rejected',
      ],
      [
        'an empty order id',
        () => f.client.acceptOrder({ storeId: GANGNAM, orderId: '', estimatedReadyMinutes: 10 }, owner1()),
        status.INVALID_ARGUMENT,
        'order_id is required',
      ],
      [
        'a bad page token',
        () => f.client.listStoreOrders({ storeId: GANGNAM, status: 0, page: { pageSize: 5, pageToken: 'nope' } }, owner1()),
        status.INVALID_ARGUMENT,
        'page.page_token is not a token this list returned',
      ],
    ];

    it.each(cases)('%s', async (_name, call, code, message) => {
      const err = await rpcError(call());
      expect(err.code).toBe(code);
      if (message instanceof RegExp) expect(err.details).toMatch(message);
      else expect(err.details).toBe(typeof message === 'function' ? message() : message);
    });
  });
});
