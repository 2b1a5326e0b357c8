import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPool, loadMeshPolicy, type UpstreamPolicy, type GrpcClient, type Pool, type RunningService, type ServiceDef } from '@foodmesh/platform';
import { OrderServiceService, type PlaceOrderRequest } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { PaymentServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { Faults, PaymentAdminServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment_admin';
import { freshDatabase, scrapeMetrics, testClient, testEventBus, testIdentity, testLogger, testNamespace, testServiceEnv, uniqueId } from '@foodmesh/testkit';
import { loadConfig as loadPaymentConfig } from '../../payment/src/config';
import { startPaymentService } from '../../payment/src/service';
import { loadConfig } from '../src/config';
import { startOrderService } from '../src/service';

export const GANGNAM = 'store-gangnam-chicken';

/** mesh/policy.yaml with payment's policy changed, written to a file for MESH_POLICY_PATH. */
export function policyFile(change: (payment: UpstreamPolicy) => UpstreamPolicy): string {
  const policy = loadMeshPolicy();
  const file = path.join(tmpdir(), `${uniqueId('policy-')}.json`);
  // JSON is YAML: the policy loader reads it as it is.
  writeFileSync(file, JSON.stringify({ ...policy, upstreams: { ...policy.upstreams, payment: change(policy.upstreams.payment!) } }));
  return file;
}

/**
 * mesh/policy.yaml without the payment circuit breaker (and optionally a
 * shorter timeout). Tests that inject payment failures use it, so one case's
 * failures cannot open the breaker and make the next case's payment fail
 * fast; the breaker has its own tests (resilience.test.ts).
 */
export function policyWithoutBreaker(opts: { timeoutMs?: number } = {}): string {
  return policyFile(({ circuitBreaker: _breaker, ...payment }) => {
    const timeoutMs = opts.timeoutMs ?? payment.timeoutMs;
    const retries = payment.retries && { ...payment.retries, perTryTimeoutMs: Math.min(payment.retries.perTryTimeoutMs, Math.floor(timeoutMs / 2)) };
    return { ...payment, timeoutMs, ...(retries && { retries }) };
  });
}

/** A client that calls as `workload` (the edge, the order service, ops…), as the real caller would. */
const client = <D extends ServiceDef>(def: D, port: number, workload: string) => testClient(def, `127.0.0.1:${port}`, testIdentity.workload(workload));

/**
 * The real order and payment services on their own databases, in one Kafka
 * namespace of their own; no store or delivery service runs. The test plays
 * the store and delivery by publishing their events on the bus, and talks to
 * the services as the edge would (a customer's token) and to payment as the
 * order service would.
 */
export async function orderStack(opts: { random?: () => number; paymentEnv?: Record<string, string>; orderEnv?: Record<string, string> } = {}) {
  const namespace = await testNamespace();
  const [orderDb, paymentDb] = await Promise.all([freshDatabase('order'), freshDatabase('payment')]);
  const bus = await testEventBus({ namespace, topics: ['order.events', 'payment.events', 'store.events', 'delivery.events'] });

  let payment: RunningService | undefined;
  let paymentPort = 0;
  async function startPayment() {
    const env = testServiceEnv({ service: 'payment', databaseUrl: paymentDb, namespace, extra: { PAYMENT_ADMIN_API: 'on', ...opts.paymentEnv, GRPC_PORT: String(paymentPort) } });
    payment = await startPaymentService(loadPaymentConfig(env), { logger: testLogger('payment'), random: opts.random });
    paymentPort = payment.grpcPort;
  }
  const startOrder = () =>
    startOrderService(
      loadConfig(testServiceEnv({ service: 'order', databaseUrl: orderDb, namespace, extra: { PAYMENT_ADDR: `127.0.0.1:${paymentPort}`, ...opts.orderEnv } })),
      { logger: testLogger('order') },
    );
  const replicas: Array<{ service: RunningService; client: GrpcClient<typeof OrderServiceService> }> = [];
  let order: RunningService;
  try {
    await startPayment();
    order = await startOrder();
  } catch (err) {
    await payment?.stop();
    await bus.close();
    throw err;
  }

  const orders = client(OrderServiceService, order.grpcPort, 'edge');
  const payments = client(PaymentServiceService, paymentPort, 'order');
  const admin = client(PaymentAdminServiceService, paymentPort, 'ops');
  const orderPool: Pool = createPool({ connectionString: orderDb, max: 3 });
  const paymentPool: Pool = createPool({ connectionString: paymentDb, max: 3 });

  const asCustomer = (userId: string) => testIdentity.asUser({ userId, role: 'customer' });

  /** A valid request for two fried chickens and a cola (₩40,000) from the seeded menu. */
  const request = (customerId: string, changes: Partial<PlaceOrderRequest> = {}): PlaceOrderRequest => ({
    customerId,
    storeId: GANGNAM,
    items: [
      { menuItemId: 'chk-fried', quantity: 2 },
      { menuItemId: 'chk-cola', quantity: 1 },
    ],
    deliveryAddress: { region: 'seoul-gangnam', location: { lat: 37.5, lng: 127.03 }, text: 'Teheran-ro 152' },
    idempotencyKey: uniqueId('checkout-'),
    expectedTotal: undefined,
    paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
    ...changes,
  });

  const count = async (pool: Pool, sql: string, params: unknown[] = []) => Number((await pool.query(sql, params)).rows[0].n);

  return {
    namespace,
    bus,
    orders,
    payments,
    admin,
    orderPool,
    paymentPool,
    asCustomer,
    request,
    count,
    setFaults: (f: Partial<Faults>) => admin.setFaults({ faults: Faults.fromPartial(f) }),
    /** The order service's Prometheus metrics, as text. */
    orderMetrics: () => scrapeMetrics(order.metricsPort),
    paymentMetricsPort: () => payment!.metricsPort,
    /** Stops payment entirely (the process is gone, its port refuses connections). */
    async stopPayment() {
      await payment?.stop();
      payment = undefined;
    },
    /** Starts payment again on the same port and database. */
    startPayment,
    /** Another replica of the order service (same database and Kafka namespace); returns a client of it. */
    async addOrderReplica() {
      const service = await startOrder();
      const replica = { service, client: client(OrderServiceService, service.grpcPort, 'order') };
      replicas.push(replica);
      return replica.client;
    },
    async close() {
      for (const c of [orders, payments, admin, ...replicas.map((r) => r.client)]) c.close();
      for (const r of replicas) await r.service.stop();
      await order.stop();
      await payment?.stop();
      await bus.close();
      await Promise.all([orderPool.end(), paymentPool.end()]);
    },
  };
}
export type OrderStack = Awaited<ReturnType<typeof orderStack>>;
export type { GrpcClient };
