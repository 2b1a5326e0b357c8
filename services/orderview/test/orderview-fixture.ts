import { OrderViewServiceService, type OrderStatusView } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview';
import { OrderViewAdminServiceService } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview_admin';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { eventually, scrapeMetrics, serviceFixture, testIdentity } from '@foodmesh/testkit';
import { loadConfig } from '../src/config';
import { startOrderViewService } from '../src/service';

/** A real orderview server on port 0 over the test PG + Kafka, and a publisher standing in for the other services. */
export async function orderViewFixture(extra: Record<string, string> = {}) {
  const f = await serviceFixture({ service: 'orderview', start: (env, logger) => startOrderViewService(loadConfig(env), { logger }), extra });
  const { service } = f;
  // As their real callers: the edge with a customer's token, and an operator.
  const views = f.client(OrderViewServiceService, 'edge');
  const admin = f.client(OrderViewAdminServiceService, 'ops');
  const as = (customerId: string) => testIdentity.asUser({ userId: customerId, role: 'customer' });

  return {
    databaseUrl: f.databaseUrl,
    service,
    views,
    admin,
    as,
    /** Publishes envelopes to their producers' topics, in this order. */
    publish: (envs: EventEnvelope[]) => f.bus.publish(envs),
    get: async (orderId: string, customerId = 'customer-1') => (await views.getOrderStatus({ orderId }, as(customerId))).view!,
    /** Waits until the order's view satisfies `ok`. */
    waitFor: (orderId: string, ok: (v: OrderStatusView) => boolean, customerId = 'customer-1') =>
      eventually(async () => {
        const v = (await views.getOrderStatus({ orderId }, as(customerId))).view!;
        if (!ok(v)) throw new Error(`view of ${orderId} not there yet: status ${v.status}, version ${v.version}`);
        return v;
      }),
    metrics: () => scrapeMetrics(service.metricsPort),
    /** Deletes every event published so far from every topic, as retention would (the view keeps them). */
    expireEverything: f.bus.expireEverything,
    close: f.close,
  };
}
export type OrderViewFixture = Awaited<ReturnType<typeof orderViewFixture>>;
