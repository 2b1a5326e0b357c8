import { newEnvelope } from '@foodmesh/platform';
import { DeliveryServiceService } from '@foodmesh/proto-gen/foodmesh/delivery/v1/delivery';
import { OrderCancelled, OrderCompleted } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import { CookingFinished } from '@foodmesh/proto-gen/foodmesh/events/v1/store_events';
import { serviceFixture, testIdentity, uniqueId } from '@foodmesh/testkit';
import { loadConfig } from '../src/config';
import { startDeliveryService } from '../src/service';

export interface Point {
  lat: number;
  lng: number;
}

/**
 * One delivery service on its own database and Kafka namespace, driven by
 * events the test publishes as the store and order services would
 * (CookingFinished, OrderCompleted, OrderCancelled); every event on
 * `delivery.events` is recorded.
 */
export async function deliveryFixture() {
  const f = await serviceFixture({ service: 'delivery', start: (env, logger) => startDeliveryService(loadConfig(env), { logger }) });
  const { bus } = f;
  // As the edge calls it: its workload identity on every call, and the rider's token where it acts for one.
  const client = f.client(DeliveryServiceService, 'edge');

  const cookingFinished = (o: { region: string; pickupAt: Point; orderId?: string; storeName?: string }) => {
    const orderId = o.orderId ?? uniqueId('order-');
    return newEnvelope({
      orderId,
      aggregateVersion: 4,
      payload: {
        $case: 'cookingFinished',
        value: CookingFinished.fromPartial({
          orderId,
          storeId: 'store-gangnam-chicken',
          storeName: o.storeName ?? 'Gangnam Fried Chicken',
          customerId: 'customer-1',
          pickup: { region: o.region, location: o.pickupAt, text: '서울 강남구 강남대로 396' },
          dropoff: { region: o.region, location: { lat: 37.5, lng: 127.03 }, text: '서울 강남구 테헤란로 152, 12층' },
        }),
      },
    });
  };

  const orderCompleted = (orderId: string, riderId: string, deliveryId: string) =>
    newEnvelope({
      orderId,
      aggregateVersion: 8,
      payload: {
        $case: 'orderCompleted',
        value: OrderCompleted.fromPartial({ orderId, customerId: 'customer-1', storeId: 'store-gangnam-chicken', riderId, deliveryId }),
      },
    });

  const orderCancelled = (orderId: string) =>
    newEnvelope({
      orderId,
      aggregateVersion: 8,
      payload: {
        $case: 'orderCancelled',
        value: OrderCancelled.fromPartial({ orderId, customerId: 'customer-1', storeId: 'store-gangnam-chicken', reason: 'changed my mind', wasPaid: true }),
      },
    });

  /** Publishes CookingFinished and returns the id of the delivery the service made of it. */
  async function cooked(o: Parameters<typeof cookingFinished>[0]): Promise<{ orderId: string; deliveryId: string }> {
    const env = cookingFinished(o);
    await bus.publish([env]);
    const [available] = await bus.waitFor('deliveryAvailable', { orderId: env.orderId });
    return { orderId: env.orderId, deliveryId: available!.deliveryId };
  }

  return {
    namespace: f.namespace,
    bus,
    pool: f.pool,
    service: f.service,
    client,
    asRider: (userId: string) => testIdentity.asUser({ userId, role: 'rider' }),
    cookingFinished,
    orderCompleted,
    orderCancelled,
    cooked,
    count: f.count,
    close: f.close,
  };
}
export type DeliveryFixture = Awaited<ReturnType<typeof deliveryFixture>>;
