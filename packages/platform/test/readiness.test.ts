import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { service as HealthService } from 'grpc-health-check';
import pg from 'pg';
import { PaymentServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { eventually, freshDatabase, metricValue, scrapeMetrics, testBrokers, testLogger, testNamespace, testServiceEnv } from '@foodmesh/testkit';
import { baseConfigSchema, bindService, dataConfigSchema, parseConfig, runService, type RunningService } from '../src';

type HealthClient = grpc.Client & { Check(req: { service: string }, opts: grpc.CallOptions, cb: (err: Error | null, res?: { status: string }) => void): void };

function healthOf(address: string) {
  const Client = grpc.makeGenericClientConstructor(HealthService, 'Health');
  const client = new Client(address, grpc.credentials.createInsecure()) as unknown as HealthClient;
  const check = (service: string) =>
    new Promise<string>((resolve, reject) =>
      client.Check({ service }, { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res!.status))),
    );
  return { check, close: () => client.close() };
}

const notUsed = async (): Promise<never> => {
  throw new Error('not used in this test');
};

/** A service with a database and one consumer, and nothing else: what readiness is about. */
function startConsumingService(opts: { databaseUrl: string; brokers: string; namespace: string }): Promise<RunningService> {
  const env = testServiceEnv({ service: 'kit-ready', databaseUrl: opts.databaseUrl, namespace: opts.namespace, extra: { KAFKA_BROKERS: opts.brokers } });
  const config = parseConfig(baseConfigSchema.extend(dataConfigSchema.shape), env);
  return runService({
    config,
    logger: testLogger('kit-ready'),
    protoFiles: ['foodmesh/payment/v1/payment.proto'],
    build: async (rt) => {
      const pool = await rt.database();
      rt.consume({ pool, handlers: { orderPlaced: async () => undefined } });
      return [bindService(PaymentServiceService, { pay: notUsed, getPayment: notUsed, listPayments: notUsed })];
    },
  });
}

describe('readiness: the sync API serves on its own; the consumer joins beside it', () => {
  it('serves and is ready while its consumer cannot reach Kafka; consumer health and metric say so; it still stops promptly', async () => {
    // A "broker" that hangs up on every connection: kafkajs can never get through.
    const broken = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
    broken.unref(); // closed at the end; never what keeps jest alive if the test fails early
    const port = (broken.address() as net.AddressInfo).port;
    const svc = await startConsumingService({ databaseUrl: await freshDatabase('ready'), brokers: `127.0.0.1:${port}`, namespace: await testNamespace() });
    const health = healthOf(`127.0.0.1:${svc.grpcPort}`);
    try {
      expect(await health.check('')).toBe('SERVING');
      expect(await health.check('foodmesh.payment.v1.PaymentService')).toBe('SERVING');
      expect(await health.check('liveness')).toBe('SERVING');
      expect(await health.check('consumer')).toBe('NOT_SERVING');
      const text = await scrapeMetrics(svc.metricsPort);
      expect(metricValue(text, 'service_ready')).toBe(1);
      expect(text).toContain('kafka_consumer_group_member{consumer="kit-ready"');
      expect(metricValue(text, 'kafka_consumer_group_member', { consumer: 'kit-ready' })).toBe(0);
    } finally {
      health.close();
      const stopping = Date.now();
      await svc.stop();
      // Shutdown does not wait for a consumer that never started.
      expect(Date.now() - stopping).toBeLessThan(10_000);
      broken.close();
    }
  });

  it('reports the consumer SERVING once it is in its group', async () => {
    const svc = await startConsumingService({ databaseUrl: await freshDatabase('ready'), brokers: testBrokers().join(','), namespace: await testNamespace() });
    const health = healthOf(`127.0.0.1:${svc.grpcPort}`);
    try {
      await eventually(async () => expect(await health.check('consumer')).toBe('SERVING'), { timeoutMs: 30_000 });
      expect(metricValue(await scrapeMetrics(svc.metricsPort), 'kafka_consumer_group_member', { consumer: 'kit-ready' })).toBe(1);
    } finally {
      health.close();
      await svc.stop();
    }
  });

  it('is not ready while its database refuses connections, ready again when it answers; liveness stays SERVING', async () => {
    const url = await freshDatabase('ready');
    const dbName = new URL(url).pathname.slice(1);
    const svc = await startConsumingService({ databaseUrl: url, brokers: testBrokers().join(','), namespace: await testNamespace() });
    const health = healthOf(`127.0.0.1:${svc.grpcPort}`);
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    try {
      await admin.connect();
      expect(await health.check('')).toBe('SERVING');
      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [dbName]);
      await eventually(async () => expect(await health.check('')).toBe('NOT_SERVING'), { timeoutMs: 20_000 });
      expect(await health.check('foodmesh.payment.v1.PaymentService')).toBe('NOT_SERVING');
      expect(await health.check('liveness')).toBe('SERVING');
      expect(metricValue(await scrapeMetrics(svc.metricsPort), 'service_ready')).toBe(0);

      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`);
      await eventually(async () => expect(await health.check('')).toBe('SERVING'), { timeoutMs: 20_000 });
    } finally {
      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`).catch(() => undefined);
      await admin.end().catch(() => undefined);
      health.close();
      await svc.stop();
    }
  });
});
