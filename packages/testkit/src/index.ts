import { randomBytes } from 'node:crypto';
import { adminSecurity, createDatabase, createLocalIdentity, provisionKafka, serviceKafkaEnv, testKafkaCredentials } from '@foodmesh/local-infra';
import {
  connectKafka,
  createGrpcClient,
  createLogger,
  type GrpcClient,
  type KafkaConnection,
  type Logger,
  type ServiceDef,
  type WorkloadCredential,
} from '@foodmesh/platform';

/** A short random suffix so tests sharing one server and broker never collide. */
export const uniqueId = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run integration tests through jest's integration project (npm test)`);
  return v;
}

/** A fresh, empty database on the test server; returns its URL. */
export async function freshDatabase(prefix: string): Promise<string> {
  return createDatabase(required('TEST_DATABASE_URL'), uniqueId(`t_${prefix.replace(/[^a-z0-9_]/g, '_')}_`));
}

export const testBrokers = (): string[] => required('TEST_KAFKA_BROKERS').split(',');

export { testKafkaCredentials };

/**
 * A Kafka connection signed in as the admin (who may do anything): for a test that publishes as
 * any producer, or the platform kit's own tests. A service under test signs in as its own user
 * (testServiceEnv).
 */
export function testKafka(opts: { clientId?: string; namespace?: string; maxMessageBytes?: number } = {}): KafkaConnection {
  return connectKafka({
    brokers: testBrokers(),
    clientId: opts.clientId ?? uniqueId('test-'),
    logger: testLogger(opts.clientId ?? 'test-kafka'),
    namespace: opts.namespace,
    maxMessageBytes: opts.maxMessageBytes,
    security: adminSecurity(testKafkaCredentials()),
  });
}

/** Quiet by default; TEST_LOG_LEVEL=info shows the services' logs. */
export const testLogger = (service: string): Logger => createLogger({ service, level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Polls `check` until it stops throwing (or returns true), or fails with its last error. */
export async function eventually<T>(check: () => Promise<T> | T, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let lastErr: unknown;
  for (;;) {
    try {
      const r = await check();
      if (r !== false) return r;
      lastErr = new Error('condition still false');
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw lastErr;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

/**
 * A Kafka namespace of its own, so concurrent test files never share topics or groups, with the
 * saga topics created and each service user's ACLs granted in it, as the stack does.
 */
export async function testNamespace(): Promise<string> {
  const namespace = `${uniqueId('t')}.`;
  await provisionKafka({ brokers: testBrokers(), credentials: testKafkaCredentials(), namespace });
  return namespace;
}

/**
 * The keys every service a test starts trusts (one set per test process): act
 * as a user (`asUser`) or a workload (`asWorkload('ops')`) in calls.
 */
export const testIdentity = createLocalIdentity();

/**
 * Environment for starting a real service in a test: loopback, ports chosen by
 * the OS, the test server's database and broker (signed in as the service's own
 * Kafka user), the given Kafka namespace (share one namespace between the
 * services of one test so they see each other) and testIdentity's keys.
 */
export function testServiceEnv(opts: { service: string; databaseUrl?: string; namespace: string; extra?: Record<string, string> }): Record<string, string> {
  return {
    SERVICE_NAME: opts.service,
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SHUTDOWN_GRACE_MS: '2000',
    OUTBOX_POLL_MS: '200',
    KAFKA_BROKERS: testBrokers().join(','),
    KAFKA_NAMESPACE: opts.namespace,
    ...serviceKafkaEnv(testKafkaCredentials(), opts.service),
    ...testIdentity.serviceEnv(),
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.extra,
  };
}
export { testEventBus, type TestEventBus } from './event-bus';
export { orderSaga, type OrderSaga, type SagaOptions } from './saga-events';
export { serviceFixture, type ServiceFixture } from './service-fixture';
export { startTestStack } from './test-stack';

/**
 * A test's client of a service under test. Its deadline (30 s) is there to end a hung call, not
 * to time the service (a test with the production 3 s deadline failed when the machine was
 * busy; latency is for the benchmarks). No client-side retries or breaker: each call shows
 * exactly what the service answered.
 */
export function testClient<D extends ServiceDef>(definition: D, address: string, workloadIdentity?: WorkloadCredential): GrpcClient<D> {
  return createGrpcClient(definition, { address, upstream: 'test', policy: TEST_POLICY, resilienceMode: 'mesh', caller: 'test', workloadIdentity });
}
const TEST_POLICY = { defaults: { timeoutMs: 30_000 }, upstreams: {} };

/** The gRPC error a call fails with; fails the test if the call succeeds. */
export async function rpcError(call: Promise<unknown>): Promise<{ code: number; details: string }> {
  const outcome = await call.then(
    () => undefined,
    (err: { code: number; details: string }) => err,
  );
  if (!outcome) throw new Error('expected the call to fail, but it succeeded');
  return outcome;
}

/** A service's Prometheus metrics, as text. */
export async function scrapeMetrics(metricsPort: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
}

/** The value of one sample of a Prometheus text exposition, summed over the lines whose labels match. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

/** A repeatable pseudo-random source (mulberry32): injected failures come out the same every run. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `tasks` with at most `limit` in flight; results in the tasks' order. */
export async function bounded<T>(limit: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}
