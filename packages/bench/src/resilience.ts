#!/usr/bin/env node
/**
 * `npm run bench:resilience`: PlaceOrder latency, measured in one run on this
 * machine, (a) with payment healthy, (b) with payment hanging and the breaker
 * open, and (c) with payment hanging and no breaker (timeouts only). Real
 * order + payment services, PostgreSQL and Kafka, all on loopback. Writes
 * bench/results/resilience-<date>-<host>.json and prints a table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase, createLocalIdentity, provisionKafka, serviceKafkaEnv, startInfra } from '@foodmesh/local-infra';
import { createGrpcClient, createLogger, loadMeshPolicy, type MeshPolicy, type RunningService } from '@foodmesh/platform';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { OrderServiceService, PaymentOutcome } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { Faults, PaymentAdminServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment_admin';
import { loadConfig as loadOrderConfig } from '@foodmesh/order/dist/config';
import { startOrderService } from '@foodmesh/order/dist/service';
import { loadConfig as loadPaymentConfig } from '@foodmesh/payment/dist/config';
import { startPaymentService } from '@foodmesh/payment/dist/service';
import { load, machine, summarize, type LatencySummary } from './stats';

const root = path.resolve(__dirname, '../../..');
const quiet = createLogger({ service: 'bench', level: 'silent' });

function writePolicy(policy: MeshPolicy): string {
  const file = path.join(tmpdir(), `foodmesh-bench-policy-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(policy));
  return file;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const log = (line: string) => console.log(`[bench] ${line}`);
  const infra = await startInfra({ log });
  const running: RunningService[] = [];
  const identity = createLocalIdentity();
  try {
    const db = (name: string) => createDatabase(infra.databaseAdminUrl, name);
    await provisionKafka({ brokers: infra.kafkaBrokers, credentials: infra.kafkaCredentials, namespace: 'bench.' });
    const base = (service: string, dbUrl: string, extra: Record<string, string> = {}) => ({
      SERVICE_NAME: service,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'silent',
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      KAFKA_NAMESPACE: 'bench.',
      DATABASE_URL: dbUrl,
      ...identity.serviceEnv(),
      ...serviceKafkaEnv(infra.kafkaCredentials, service),
      ...extra,
    });

    const payment = await startPaymentService(loadPaymentConfig(base('payment', await db('bench_payment'), { PAYMENT_ADMIN_API: 'on' })), { logger: quiet });
    running.push(payment);
    const admin = createGrpcClient(PaymentAdminServiceService, {
      address: `127.0.0.1:${payment.grpcPort}`,
      upstream: 'admin',
      policy: loadMeshPolicy(),
      resilienceMode: 'mesh',
      caller: 'bench',
      workloadIdentity: identity.workload('ops'),
    });

    const policy = loadMeshPolicy();
    const { circuitBreaker: _b, ...noBreakerPayment } = policy.upstreams.payment!;
    const withBreaker = writePolicy(policy);
    const withoutBreaker = writePolicy({ ...policy, upstreams: { ...policy.upstreams, payment: noBreakerPayment } });
    const orderDb = await db('bench_order');
    const startOrder = async (policyPath: string) => {
      const svc = await startOrderService(
        loadOrderConfig(base('order', orderDb, { PAYMENT_ADDR: `127.0.0.1:${payment.grpcPort}`, MESH_POLICY_PATH: policyPath })),
        { logger: quiet },
      );
      running.push(svc);
      const client = createGrpcClient(OrderServiceService, {
        address: `127.0.0.1:${svc.grpcPort}`,
        upstream: 'order',
        policy: { defaults: { timeoutMs: 30_000 }, upstreams: {} },
        resilienceMode: 'mesh',
        caller: 'bench',
      });
      return { svc, client };
    };
    let seq = 0;
    // Tokens signed ahead, so the measured calls include verifying them, not minting them.
    const customers = Array.from({ length: 50 }, (_, i) => identity.asUser({ userId: `bench-${i}`, role: 'customer' }));
    const place = (client: Awaited<ReturnType<typeof startOrder>>['client']) => async () => {
      const n = seq++ % 50;
      return client.placeOrder(
        {
          customerId: `bench-${n}`,
          storeId: 'store-gangnam-chicken',
          items: [{ menuItemId: 'chk-fried', quantity: 1 }],
          deliveryAddress: { region: 'seoul-gangnam', location: { lat: 37.5, lng: 127.03 }, text: 'bench' },
          idempotencyKey: `bench-${process.pid}-${seq}`,
          expectedTotal: undefined,
          paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
        },
        customers[n],
      );
    };
    const concurrency = 8;
    const results: Record<string, LatencySummary & { outcomes: Record<string, number> }> = {};
    const measure = async (name: string, total: number, call: () => Promise<{ paymentOutcome: PaymentOutcome }>) => {
      const outcomes: Record<string, number> = {};
      const { latencies, wallMs } = await load(total, concurrency, async () => {
        const r = await call();
        const k = PaymentOutcome[r.paymentOutcome]!.replace('PAYMENT_OUTCOME_', '');
        outcomes[k] = (outcomes[k] ?? 0) + 1;
      });
      results[name] = { ...summarize(latencies, wallMs), outcomes };
      log(`${name}: ${JSON.stringify(results[name])}`);
    };

    // (a) healthy, with the repository's policy (breaker armed).
    const a = await startOrder(withBreaker);
    await load(40, concurrency, place(a.client)); // warm-up: JIT, pools, connections
    await measure('healthy', 600, place(a.client));

    // (b) payment hangs (latency far beyond the timeout); the breaker opens on the first failures.
    await admin.setFaults({ faults: Faults.fromPartial({ latencyMs: 60_000 }) });
    await load(concurrency, concurrency, place(a.client)); // these trip the breaker
    await measure('paymentDownBreakerOpen', 400, place(a.client));
    await a.svc.stop();

    // (c) the same hanging payment, no breaker: every order waits for its timeout.
    const c = await startOrder(withoutBreaker);
    await measure('paymentDownNoBreaker', 24, place(c.client));
    await admin.setFaults({ faults: Faults.fromPartial({}) });
    for (const cl of [a.client, c.client, admin]) cl.close();

    const report = {
      benchmark: 'resilience',
      date: new Date().toISOString(),
      machine: machine(),
      load: { concurrency, note: 'PlaceOrder through the real order service; payment, PostgreSQL, Kafka and the load on the same machine' },
      policy: {
        timeoutMs: policy.upstreams.payment!.timeoutMs,
        retries: policy.upstreams.payment!.retries,
        circuitBreaker: policy.upstreams.payment!.circuitBreaker,
      },
      results,
      ratios: {
        noBreakerP50OverBreakerOpenP50: Math.round((results.paymentDownNoBreaker!.p50Ms / results.paymentDownBreakerOpen!.p50Ms) * 10) / 10,
        breakerOpenP50OverHealthyP50: Math.round((results.paymentDownBreakerOpen!.p50Ms / results.healthy!.p50Ms) * 100) / 100,
      },
    };
    const dir = path.join(root, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `resilience-${report.date.slice(0, 10)}-${report.machine.host}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    console.log('');
    console.log('PlaceOrder latency              p50 ms   p99 ms   orders/s   outcomes');
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `  ${name.padEnd(28)} ${String(r.p50Ms).padStart(7)}  ${String(r.p99Ms).padStart(7)}  ${String(r.throughputPerS).padStart(9)}   ${JSON.stringify(r.outcomes)}`,
      );
    }
    console.log(`  ratios: ${JSON.stringify(report.ratios)}`);
    console.log(`wrote ${path.relative(process.cwd(), file)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  } finally {
    for (const s of running.reverse()) await s.stop().catch(() => undefined);
    await infra.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
