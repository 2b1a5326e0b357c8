import http from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The metrics every service exposes; one registry per service so tests can run several in one process. */
export function createPlatformMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay monitor samples every 100 ms, not prom-client's 10 ms: at 10 ms its timer alone
  // kept an idle service at 0.5% of a core (measured in docs/performance.md); the lag quantiles stay.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  return {
    registry,
    serverHandled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'RPCs completed on the server, by method and status code',
      labelNames: ['method', 'code'],
      registers: [registry],
    }),
    serverLatency: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Server-side RPC latency',
      labelNames: ['method'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    clientHandled: new Counter({
      name: 'grpc_client_handled_total',
      help: 'RPCs made to other services, by upstream method and status code',
      labelNames: ['method', 'code'],
      registers: [registry],
    }),
    clientLatency: new Histogram({
      name: 'grpc_client_handling_seconds',
      help: 'Client-side RPC latency, including retries',
      labelNames: ['method'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    eventsPublished: new Counter({
      name: 'outbox_events_published_total',
      help: 'Events the outbox relay published to Kafka',
      labelNames: ['topic'],
      registers: [registry],
    }),
    outboxBacklog: new Gauge({
      name: 'outbox_backlog',
      help: 'Outbox rows not yet published',
      registers: [registry],
    }),
    outboxOldestAge: new Gauge({
      name: 'outbox_oldest_unpublished_age_seconds',
      help: 'Age of the oldest outbox row not yet published',
      registers: [registry],
    }),
    eventsConsumed: new Counter({
      name: 'events_consumed_total',
      help: 'Events handled by consumers, by type and outcome (applied, duplicate, ignored, parked; retried: a transient failure, tried again later)',
      labelNames: ['consumer', 'type', 'outcome'],
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'resilience_circuit_breaker_state',
      help: 'Client-side circuit breaker per upstream: 0 closed, 1 half-open, 2 open',
      labelNames: ['upstream'],
      registers: [registry],
    }),
    resilienceRetries: new Counter({
      name: 'resilience_retries_total',
      help: 'Calls retried by the client, by upstream, method and the code that caused the retry',
      labelNames: ['upstream', 'method', 'code'],
      registers: [registry],
    }),
    resilienceRejections: new Counter({
      name: 'resilience_rejections_total',
      help: 'Calls failed fast without reaching the upstream (circuit_open, overloaded), and retries not made because the retry budget was spent (retry_budget)',
      labelNames: ['upstream', 'reason'],
      registers: [registry],
    }),
    fallbacks: new Counter({
      name: 'resilience_fallbacks_total',
      help: 'Times a service answered with its fallback instead of the upstream result',
      labelNames: ['upstream', 'fallback'],
      registers: [registry],
    }),
    consumerPausedPartitions: new Gauge({
      name: 'kafka_consumer_paused_partitions',
      help: 'Partitions a consumer has paused because their next event failed transiently; it is tried again until it applies',
      labelNames: ['consumer'],
      registers: [registry],
    }),
    deadLetters: new Gauge({
      name: 'dead_letters_unresolved',
      help: "Messages parked by this service's consumers and not yet resolved by a replay (npm run dead-letters)",
      registers: [registry],
    }),
    outboxSetAside: new Gauge({
      name: 'outbox_set_aside',
      help: 'Outbox rows Kafka refused for good (too large, invalid), set aside so later events still publish; alert on any',
      registers: [registry],
    }),
    outboxSetAsideTotal: new Counter({
      name: 'outbox_set_aside_total',
      help: 'Outbox rows set aside because Kafka refused them for good, by topic and reason',
      labelNames: ['topic', 'reason'],
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: 'kafka_consumer_lag',
      help: 'Messages between the consumer position and the partition end',
      labelNames: ['consumer', 'topic', 'partition'],
      registers: [registry],
    }),
  };
}
export type PlatformMetrics = ReturnType<typeof createPlatformMetrics>;

/** Serves `GET /metrics` in the Prometheus text format. */
export async function startMetricsServer(registry: Registry, port: number, host = '0.0.0.0'): Promise<http.Server & { port: number }> {
  const server = http.createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.setHeader('Content-Type', registry.contentType);
      res.end(await registry.metrics());
    } else {
      res.statusCode = 404;
      res.end('not found; try /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return Object.assign(server, { port: typeof address === 'object' && address ? address.port : port });
}
