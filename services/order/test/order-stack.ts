import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadMeshPolicy, type UpstreamPolicy, type GrpcClient, type Logger, type Pool, type RunningService } from '@foodmesh/platform';
import { OrderServiceService, type PlaceOrderRequest } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { PaymentServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { Faults, PaymentAdminServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment_admin';
import { scrapeMetrics, serviceFixture, testIdentity, testLogger, uniqueId, type ServiceFixture } from '@foodmesh/testkit';
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

/**
 * The real order and payment services on their own databases, in one Kafka
 * namespace of their own; no store or delivery service runs. The test plays
 * the store and delivery by publishing their events on the bus, and talks to
 * the services as the edge would (a customer's token) and to payment as the
 * order service would. Payment restarts on its port, so the order service and
 * the test's clients reach it again.
 */
export async function orderStack(opts: { random?: () => number; paymentEnv?: Record<string, string>; orderEnv?: Record<string, string> } = {}) {
  const payment = await serviceFixture({
    service: 'payment',
    samePort: true,
    extra: { PAYMENT_ADMIN_API: 'on', ...opts.paymentEnv },
    start: (env, logger) => startPaymentService(loadPaymentConfig(env), { logger, random: opts.random }),
  });
  const startOrder = (env: Record<string, string>, logger: Logger) => startOrderService(loadConfig(env), { logger });
  let order: ServiceFixture;
  try {
    order = await serviceFixture({
      service: 'order',
      alongside: payment,
      extra: { PAYMENT_ADDR: `127.0.0.1:${payment.service.grpcPort}`, ...opts.orderEnv },
      start: startOrder,
    });
  } catch (err) {
    await payment.close();
    throw err;
  }
  const replicas: RunningService[] = [];

  const orders = order.client(OrderServiceService, 'edge');
  const payments = payment.client(PaymentServiceService, 'order');
  const admin = payment.client(PaymentAdminServiceService, 'ops');
  const orderPool: Pool = order.pool;
  const paymentPool: Pool = payment.pool;

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
    namespace: order.namespace,
    bus: order.bus,
    orders,
    payments,
    admin,
    orderPool,
    paymentPool,
    asCustomer,
    request,
    count,
    setFaults: (f: Partial<Faults>) => admin.setFaults({ faults: Faults.fromPartial(f) }),
    /** A client of the order service calling as another `workload`. */
    ordersAs: (workload: string) => order.client(OrderServiceService, workload),
    /** The order service's Prometheus metrics, as text. */
    orderMetrics: () => scrapeMetrics(order.service.metricsPort),
    paymentMetricsPort: () => payment.service.metricsPort,
    /** Stops payment entirely (the process is gone, its port refuses connections). */
    stopPayment: () => payment.stop(),
    /** Starts payment again on the same port and database. */
    startPayment: () => payment.start(),
    /** Another replica of the order service (same database and Kafka namespace); returns a client of it. */
    async addOrderReplica() {
      const service = await startOrder(order.env, testLogger('order'));
      replicas.push(service);
      return order.client(OrderServiceService, 'order', service);
    },
    async close() {
      for (const r of replicas) await r.stop();
      await order.close();
      await payment.close();
    },
  };
}
export type OrderStack = Awaited<ReturnType<typeof orderStack>>;
export type { GrpcClient };
