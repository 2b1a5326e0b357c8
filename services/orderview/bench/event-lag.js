// @ts-check
/**
 * Event-to-view lag of the order view: publishes the events of N sagas at a
 * fixed rate (each event's occurred_at = the moment it is published) and
 * times how long until each one is visible in the view (committed), by
 * LISTENing to the view's change notifications. Also reads the service's own
 * `orderview_event_to_view_lag_seconds` histogram. Writes JSON to
 * bench/results/ (git-ignored).
 *
 *   npm run build && node services/orderview/bench/event-lag.js
 *
 * BENCH_EVENTS_PER_SECOND (default 200), BENCH_SAGAS (default 300: 9 events
 * each). Without DATABASE_URL + KAFKA_BROKERS + ORDERVIEW_METRICS_URL (and
 * KAFKA_USERNAME / KAFKA_PASSWORD of a user that may write every saga topic) it
 * starts its own PostgreSQL and Kafka (local-infra) and an orderview process.
 */
const { spawn } = require('node:child_process');
const net = require('node:net');
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const pg = require('pg');
const { connectKafka, createLogger, toMessage } = require('@foodmesh/platform');
const { orderSaga } = require('@foodmesh/testkit');
const { adminSecurity, createDatabase, provisionKafka, serviceKafkaEnv, startInfra } = require('@foodmesh/local-infra');

const RATE = Number(process.env.BENCH_EVENTS_PER_SECOND ?? 200);
const SAGAS = Number(process.env.BENCH_SAGAS ?? 300);
const WAVE = 10; // sagas in flight together; their events interleave as concurrent orders' would
const logger = createLogger({ service: 'bench', level: 'warn' });
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', () => r(undefined)));
  const { port } = /** @type {net.AddressInfo} */ (srv.address());
  await new Promise((r) => srv.close(r));
  return port;
}

/** A running stack's broker: a user allowed to write every topic (KAFKA_USERNAME / KAFKA_PASSWORD, e.g. the admin). */
function externalSecurity() {
  const { KAFKA_USERNAME: username, KAFKA_PASSWORD: password } = process.env;
  return username && password ? { sasl: { mechanism: /** @type {const} */ ('scram-sha-512'), username, password } } : {};
}

/** Own PostgreSQL + Kafka + an orderview child process, unless told where a running one is. */
async function environment() {
  if (process.env.DATABASE_URL && process.env.KAFKA_BROKERS && process.env.ORDERVIEW_METRICS_URL) {
    return {
      databaseUrl: process.env.DATABASE_URL,
      brokers: process.env.KAFKA_BROKERS.split(','),
      security: externalSecurity(),
      namespace: process.env.KAFKA_NAMESPACE ?? '',
      metricsUrl: process.env.ORDERVIEW_METRICS_URL,
      stop: async () => {},
    };
  }
  const infra = await startInfra({ log: (l) => process.stderr.write(`[infra] ${l}\n`) });
  const databaseUrl = await createDatabase(infra.databaseAdminUrl, `bench_orderview_${Date.now()}`);
  const metricsPort = await freePort();
  const namespace = `bench${Date.now()}.`;
  await provisionKafka({ brokers: infra.kafkaBrokers, credentials: infra.kafkaCredentials, namespace });
  const child = spawn(process.execPath, [path.resolve(__dirname, '../dist/main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      KAFKA_NAMESPACE: namespace,
      ...serviceKafkaEnv(infra.kafkaCredentials, 'orderview'),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`orderview exited (${code})`)));
    child.stdout.on('data', (d) => String(d).includes('orderview ready') && resolve(undefined));
  });
  child.stdout.resume();
  return {
    databaseUrl,
    brokers: infra.kafkaBrokers,
    security: adminSecurity(infra.kafkaCredentials),
    namespace,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await infra.stop();
    },
  };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main() {
  const env = await environment();
  const kafka = connectKafka({ brokers: env.brokers, clientId: 'bench', logger, namespace: env.namespace, security: env.security });
  await kafka.ensureTopics(['order.events', 'payment.events', 'store.events', 'delivery.events'], 6);
  const publisher = await kafka.createPublisher();
  const listener = new pg.Client({ connectionString: env.databaseUrl });
  const reader = new pg.Pool({ connectionString: env.databaseUrl, max: 4 });
  await listener.connect();
  await listener.query('LISTEN orderview_changed');

  /** event id → publish time; event id → visible time */
  const publishedAt = new Map();
  const visibleAt = new Map();
  let timing = false;
  listener.on('notification', (n) => {
    const seenAt = Date.now();
    void reader.query('SELECT timeline FROM order_view WHERE order_id = $1', [n.payload]).then(({ rows }) => {
      for (const t of rows[0]?.timeline ?? []) if (timing && publishedAt.has(t.eventId) && !visibleAt.has(t.eventId)) visibleAt.set(t.eventId, seenAt);
    });
  });
  const publishOne = async (e) => {
    e.occurredAt = new Date();
    publishedAt.set(e.eventId, e.occurredAt.getTime());
    await publisher.publish([toMessage(e)]);
  };

  // Warm-up: the consumer group's first join takes seconds; time nothing until one saga went through.
  const warm = orderSaga();
  for (const e of warm.happyPath()) await publishOne(e);
  for (let i = 0; ; i++) {
    const { rows } = await reader.query('SELECT version FROM order_view WHERE order_id = $1', [warm.orderId]);
    if (rows[0]?.version === 9) break;
    if (i > 600) throw new Error('orderview never applied the warm-up saga');
    await sleep(100);
  }
  publishedAt.clear();
  timing = true;

  const schedule = [];
  for (let w = 0; w < SAGAS; w += WAVE) {
    const wave = Array.from({ length: Math.min(WAVE, SAGAS - w) }, () => orderSaga().happyPath());
    for (let k = 0; k < 9; k++) for (const s of wave) schedule.push(s[k]);
  }
  const t0 = Date.now();
  for (let i = 0; i < schedule.length; i++) {
    await sleep(t0 + (i * 1000) / RATE - Date.now());
    await publishOne(schedule[i]);
  }
  const publishSeconds = (Date.now() - t0) / 1000;
  for (let i = 0; visibleAt.size < schedule.length && i < 600; i++) await sleep(100);

  const lags = schedule
    .map((e) => visibleAt.get(e.eventId) - publishedAt.get(e.eventId))
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  const metrics = await (await fetch(env.metricsUrl)).text();
  const buckets = metrics
    .split('\n')
    .filter((l) => l.startsWith('orderview_event_to_view_lag_seconds_bucket'))
    .map((l) => {
      const m = /le="([^"]+)"\S* (\S+)$/.exec(l);
      return { le: m?.[1], count: Number(m?.[2]) };
    });
  const result = {
    measured: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    setup: 'orderview (1 process) + PostgreSQL + single-node Kafka + this publisher, all on this machine',
    sagas: SAGAS,
    events: schedule.length,
    targetEventsPerSecond: RATE,
    achievedEventsPerSecond: Math.round(schedule.length / publishSeconds),
    ordersPerSecond: Math.round((SAGAS / publishSeconds) * 10) / 10,
    applied: lags.length,
    eventToVisibleMs: { p50: pct(lags, 50), p90: pct(lags, 90), p99: pct(lags, 99), max: lags[lags.length - 1] },
    serviceHistogram: { name: 'orderview_event_to_view_lag_seconds (incl. warm-up saga)', buckets },
  };
  const dir = path.resolve(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `event-lag-${result.measured.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify({ ...result, serviceHistogram: undefined }, null, 2));
  console.log(`written to ${path.relative(process.cwd(), file)}`);

  await listener.end();
  await reader.end();
  await publisher.close();
  await kafka.close();
  await env.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
