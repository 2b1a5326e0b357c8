import { eventually, metricValue, scrapeMetrics } from '@foodmesh/testkit';
import { GANGNAM, storeFixture, type StoreFixture } from './store-fixture';

/** How many events of a type the running service's consumer counted with an outcome, from its /metrics. */
async function consumedCount(f: StoreFixture, type: string, outcome: string): Promise<number> {
  return metricValue(await scrapeMetrics(f.service!.metricsPort), 'events_consumed_total', { type, outcome });
}

describe('store service stopped and restarted: nothing lost, nothing duplicated', () => {
  let f: StoreFixture;
  const placedWhileDown: ReturnType<StoreFixture['orderPlaced']>[] = [];

  beforeAll(async () => {
    f = await storeFixture();
    await f.start();
  });
  afterAll(() => f?.close());

  const menuEventsCommitted = () => f.count("SELECT count(*) AS n FROM outbox WHERE event_type = 'foodmesh.events.v1.MenuPublished'");

  it("publishes every store's menu at its first start, keyed by the store", async () => {
    const menus = await f.bus.waitFor('menuPublished', { count: 3 });
    expect(menus.map((m) => [m.storeId, m.menuVersion, m.items.length]).sort()).toEqual([
      ['store-gangnam-chicken', 1, 3],
      ['store-hongdae-bibimbap', 1, 3],
      ['store-jamsil-pizza', 1, 3],
    ]);
    const gangnam = f.bus.events.find((e) => e.payload?.$case === 'menuPublished' && e.aggregateId === GANGNAM)!;
    expect(gangnam).toMatchObject({ orderId: '', aggregateVersion: 1, producer: 'store' });
    expect(menus.find((m) => m.storeId === GANGNAM)).toMatchObject({
      storeName: 'Gangnam Fried Chicken',
      ownerId: 'owner-1',
      region: 'seoul-gangnam',
      open: true,
    });
  });

  it('gets every one of 50 orders placed while it was stopped, once, and the saga goes on', async () => {
    await f.stop();
    placedWhileDown.push(...Array.from({ length: 50 }, () => f.orderPlaced()));
    await f.bus.publish(placedWhileDown);
    const ids = placedWhileDown.map((e) => e.orderId);
    expect(await f.count('SELECT count(*) AS n FROM store_orders WHERE order_id = ANY($1)', [ids])).toBe(0);

    await f.start();
    await eventually(async () =>
      expect(await f.count("SELECT count(*) AS n FROM store_orders WHERE order_id = ANY($1) AND status = 'REQUESTED'", [ids])).toBe(50),
    );
    expect(await f.count('SELECT count(*) AS n FROM inbox WHERE event_id = ANY($1::uuid[])', [placedWhileDown.map((e) => e.eventId)])).toBe(50);

    // The saga continues from one of them: accepted, cooked, ready for a rider.
    const orderId = ids[0]!;
    const owner = f.asOwner('owner-1');
    await f.client.acceptOrder({ storeId: GANGNAM, orderId, estimatedReadyMinutes: 30 }, owner);
    await f.client.startCooking({ storeId: GANGNAM, orderId }, owner);
    await f.client.finishCooking({ storeId: GANGNAM, orderId }, owner);
    await f.bus.waitFor('cookingFinished', { orderId });
  });

  it('after another restart, redelivered orders are skipped and only a changed menu is published again', async () => {
    // A menu change while the service is down: Fried Chicken costs more.
    await f.stop();
    await f.pool.query("UPDATE menu_items SET price_units = 20000 WHERE store_id = $1 AND menu_item_id = 'chk-fried'", [GANGNAM]);
    await f.pool.query('UPDATE stores SET menu_version = menu_version + 1 WHERE store_id = $1', [GANGNAM]);
    const eventsBefore = await f.count("SELECT count(*) AS n FROM outbox WHERE event_type <> 'foodmesh.events.v1.MenuPublished'");
    await f.start();

    // The worst case of redelivery: every OrderPlaced arrives again.
    await f.bus.publish(placedWhileDown);
    await eventually(async () => expect(await consumedCount(f, 'foodmesh.events.v1.OrderPlaced', 'duplicate')).toBe(50));

    const ids = placedWhileDown.map((e) => e.orderId);
    expect(await f.count('SELECT count(*) AS n FROM store_orders WHERE order_id = ANY($1)', [ids])).toBe(50);
    expect(await f.count("SELECT count(*) AS n FROM store_orders WHERE order_id = ANY($1) AND status = 'REQUESTED'", [ids])).toBe(49);
    expect(await f.statusOf(ids[0]!)).toBe('COOKED');
    expect(await f.count("SELECT count(*) AS n FROM outbox WHERE event_type <> 'foodmesh.events.v1.MenuPublished'")).toBe(eventsBefore);

    expect(await menuEventsCommitted()).toBe(4);
    const menus = await f.bus.waitFor('menuPublished', { count: 4 });
    const latest = menus.filter((m) => m.storeId === GANGNAM).at(-1)!;
    expect(latest.menuVersion).toBe(2);
    expect(latest.items.find((i) => i.menuItemId === 'chk-fried')?.price).toEqual({ currencyCode: 'KRW', units: 20000 });
    expect((await f.client.getMenu({ storeId: GANGNAM })).menuVersion).toBe(2);
  });
});
