import { newEnvelope, type GrpcClient, type RunningService } from '@foodmesh/platform';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { OrderCancellationRequested, OrderPlaced } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import { StoreServiceService } from '@foodmesh/proto-gen/foodmesh/store/v1/store';
import { eventually, serviceFixture, testIdentity, uniqueId } from '@foodmesh/testkit';
import { loadConfig } from '../src/config';
import { startStoreService } from '../src/service';

export const GANGNAM = 'store-gangnam-chicken';

/**
 * One store service on its own database and Kafka namespace, driven the way the
 * saga drives it: OrderPlaced and OrderCancellationRequested published on
 * `order.events` by the test (the order service is not involved), and every
 * event on `store.events` recorded.
 */
export async function storeFixture() {
  const f = await serviceFixture({ service: 'store', start: (env, logger) => startStoreService(loadConfig(env), { logger }), started: false });
  const { bus, pool } = f;
  let client: GrpcClient<typeof StoreServiceService> | undefined;

  async function start() {
    await f.start();
    client = f.client(StoreServiceService, 'edge'); // as the edge calls it
  }

  async function stop() {
    await f.stop();
    client = undefined;
  }

  const orderPlaced = (o: { orderId?: string; storeId?: string; customerId?: string } = {}) => {
    const orderId = o.orderId ?? uniqueId('order-');
    return newEnvelope({
      orderId,
      aggregateVersion: 2,
      payload: {
        $case: 'orderPlaced',
        value: OrderPlaced.fromPartial({
          orderId,
          customerId: o.customerId ?? 'customer-1',
          storeId: o.storeId ?? GANGNAM,
          storeName: 'Gangnam Fried Chicken',
          items: [{ menuItemId: 'chk-fried', name: 'Fried Chicken', quantity: 2, unitPrice: { currencyCode: 'KRW', units: 19000 } }],
          total: { currencyCode: 'KRW', units: 38000 },
          deliveryAddress: { region: 'seoul-gangnam', location: { lat: 37.5, lng: 127.03 }, text: '서울 강남구 테헤란로 152, 12층' },
          paymentId: uniqueId('pay-'),
          placedAt: new Date(),
        }),
      },
    });
  };

  const cancellationRequested = (orderId: string, previousStatus = OrderStatus.ORDER_STATUS_ACCEPTED) =>
    newEnvelope({
      orderId,
      aggregateVersion: 3,
      payload: {
        $case: 'orderCancellationRequested',
        value: OrderCancellationRequested.fromPartial({
          orderId,
          customerId: 'customer-1',
          storeId: GANGNAM,
          reason: 'changed my mind',
          requestedBy: 'customer-1',
          previousStatus,
        }),
      },
    });

  const statusOf = async (orderId: string): Promise<string | undefined> =>
    (await pool.query<{ status: string }>('SELECT status FROM store_orders WHERE order_id = $1', [orderId])).rows[0]?.status;

  /** Publishes OrderPlaced for `count` new orders and waits until the store has them all. */
  async function placeOrders(count: number): Promise<string[]> {
    const envs = Array.from({ length: count }, () => orderPlaced());
    await bus.publish(envs);
    const ids = envs.map((e) => e.orderId);
    await eventually(async () => {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM store_orders WHERE order_id = ANY($1)', [ids]);
      expect(rows[0]!.n).toBe(count);
    });
    return ids;
  }

  /** The event types the store committed for an order, in commit order (the outbox is the source of truth). */
  const committedEvents = async (orderId: string): Promise<string[]> =>
    (await pool.query<{ event_type: string }>('SELECT event_type FROM outbox WHERE message_key = $1 ORDER BY id', [orderId])).rows.map((r) =>
      r.event_type.replace('foodmesh.events.v1.', ''),
    );

  return {
    namespace: f.namespace,
    databaseUrl: f.databaseUrl,
    bus,
    pool,
    start,
    stop,
    get client() {
      if (!client) throw new Error('the store service is not running');
      return client;
    },
    get service(): RunningService | undefined {
      return f.running ? f.service : undefined;
    },
    asOwner: (userId: string) => testIdentity.asUser({ userId, role: 'owner' }),
    orderPlaced,
    cancellationRequested,
    statusOf,
    placeOrders,
    committedEvents,
    count: f.count,
    close: f.close,
  };
}
export type StoreFixture = Awaited<ReturnType<typeof storeFixture>>;
