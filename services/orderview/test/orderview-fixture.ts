import { toMessage, type RunningService } from '@foodmesh/platform';
import { OrderViewServiceService, type OrderStatusView } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview';
import { OrderViewAdminServiceService } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview_admin';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { eventually, freshDatabase, scrapeMetrics, testClient, testKafka, testIdentity, testLogger, testNamespace, testServiceEnv } from '@foodmesh/testkit';
import { loadConfig } from '../src/config';
import { startOrderViewService } from '../src/service';

/** A real orderview server on port 0 over the test PG + Kafka, and a publisher standing in for the other services. */
export async function orderViewFixture(name: string, extra: Record<string, string> = {}) {
  const namespace = await testNamespace();
  const databaseUrl = await freshDatabase(name);
  const service: RunningService = await startOrderViewService(loadConfig(testServiceEnv({ service: 'orderview', databaseUrl, namespace, extra })), { logger: testLogger('orderview') });
  const kafka = testKafka({ clientId: `${name}-publisher`, namespace });
  const publisher = await kafka.createPublisher();
  // As their real callers: the edge with a customer's token, and an operator.
  const views = testClient(OrderViewServiceService, `127.0.0.1:${service.grpcPort}`, testIdentity.workload('edge'));
  const admin = testClient(OrderViewAdminServiceService, `127.0.0.1:${service.grpcPort}`, testIdentity.workload('ops'));
  const as = (customerId: string) => testIdentity.asUser({ userId: customerId, role: 'customer' });

  return {
    databaseUrl,
    service,
    views,
    admin,
    as,
    /** Publishes envelopes to their producers' topics, in this order. */
    publish: (envs: EventEnvelope[]) => publisher.publish(envs.map(toMessage)),
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
    async expireEverything() {
      const admin = kafka.kafka.admin();
      await admin.connect();
      try {
        for (const topic of ['order.events', 'payment.events', 'store.events', 'delivery.events'].map(kafka.topic)) {
          const partitions = (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }));
          await admin.deleteTopicRecords({ topic, partitions });
        }
      } finally {
        await admin.disconnect();
      }
    },
    async close() {
      views.close();
      admin.close();
      await publisher.close();
      await kafka.close();
      await service.stop();
    },
  };
}
export type OrderViewFixture = Awaited<ReturnType<typeof orderViewFixture>>;
