import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BaseConfig, DataConfig } from './config';
import { createEventConsumer, topicsOf, type EventConsumer, type EventConsumerOptions } from './consumer';
import { deadLetterAdminService } from './dead-letter-admin';
import { countDeadLetters, type ConsumerApplier } from './dead-letters';
import { topicOf } from './event-catalogue';
import { createGrpcClient, type GrpcClient } from './grpc-client';
import { startGrpcServer, type RunningGrpcServer, type ServiceRegistration } from './grpc-server';
import type { ServiceDef } from './grpc-types';
import { authenticated, serviceIdentity } from './identity';
import { inboxApplier } from './inbox';
import type { KafkaConnection } from './kafka';
import { connectServiceKafka, kafkaSecurityOf } from './kafka-config';
import { createLogger, type Logger } from './logger';
import { loadMeshPolicy, type MeshPolicy } from './mesh-policy';
import { createPlatformMetrics, startMetricsServer, type PlatformMetrics } from './metrics';
import { migrate } from './migrations';
import { startOutboxRelay, pruneOutbox, type OutboxRelay } from './outbox';
import { createPool, type Pool } from './pg';
import { createServiceHealth, type ServiceHealth } from './service-health';
import { initTelemetry, shutdownTelemetry } from './telemetry';

const DEAD_LETTERS_PROTO = 'foodmesh/deadletters/v1/dead_letters.proto';

/** What a service's composition root gets to build its adapters and handlers. */
export interface ServiceRuntime<C extends BaseConfig> {
  config: C;
  logger: Logger;
  metrics: PlatformMetrics;
  policy: MeshPolicy;
  /** Registers a closer; closers run in reverse order after the gRPC server has drained. */
  onShutdown(fn: () => Promise<unknown> | unknown): void;
  /** The service's own database: pool created, platform + service migrations applied. */
  database(migrationsDir?: string): Promise<Pool>;
  /** Kafka, once `topics` exist (services never create topics). */
  kafka(topics?: string[]): Promise<KafkaConnection>;
  /** Starts the outbox relay publishing this service's events. */
  startOutbox(pool: Pool): Promise<OutboxRelay>;
  /**
   * Starts an effectively-once consumer (group = service name unless given) in the background: the
   * service serves its sync API while the consumer joins its group (health name `consumer`).
   * It subscribes to the topics that carry the events `handlers` handle. A service that
   * consumes also serves DeadLetterAdminService (its parked messages, replayed through this
   * consumer's inbox).
   */
  consume(
    opts: Omit<EventConsumerOptions, 'kafka' | 'logger' | 'metrics' | 'pool' | 'consumer' | 'onMembership' | 'topics'> & { pool: Pool; consumer?: string },
  ): void;
  /** Readiness and consumer membership, published as health statuses and metrics (see service-health.ts). */
  health: ServiceHealth;
  /** A client for another service, with deadlines and the mesh policy applied; it proves this workload's identity. */
  client<D extends ServiceDef>(definition: D, upstream: string, address: string): GrpcClient<D>;
  /**
   * The registration behind this service's caller identity (identity.ts). runService does this for
   * what `build` returns; a service that also serves handlers another way (the edge's gRPC-web) uses it there.
   */
  authenticated(registration: ServiceRegistration): ServiceRegistration;
}

export interface RunningService {
  grpcPort: number;
  metricsPort: number;
  /** Every port the service listens on, by name (`grpc`, `metrics`, and e.g. the edge's `http`). */
  ports: Record<string, number>;
  grpc: RunningGrpcServer;
  stop(): Promise<void>;
}

export interface RunServiceOptions<C extends BaseConfig> {
  config: C & Partial<DataConfig>;
  /** Proto files (relative to proto/) of the services served, for reflection. */
  protoFiles: string[];
  build(rt: ServiceRuntime<C>): Promise<ServiceRegistration[]>;
  /** Stop on SIGTERM/SIGINT (true in main.ts; tests stop explicitly). */
  handleSignals?: boolean;
  logger?: Logger;
}

/**
 * The one bootstrap every service uses: config → logger, metrics, tracing →
 * the service's adapters (built by `build`) → gRPC server with health,
 * reflection and graceful shutdown.
 */
export async function runService<C extends BaseConfig>(opts: RunServiceOptions<C>): Promise<RunningService> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, version: config.SERVICE_VERSION });
  await initTelemetry({ settings: config });
  const metrics = createPlatformMetrics(config.SERVICE_NAME);
  const policy = loadMeshPolicy(config.MESH_POLICY_PATH);
  const identity = serviceIdentity(config);
  if (config.KAFKA_BROKERS) kafkaSecurityOf(config as C & DataConfig); // a bad Kafka setting stops the start, not a later call
  const closers: Array<() => Promise<unknown> | unknown> = [];
  const health = createServiceHealth({ logger, metrics });
  let kafkaConn: KafkaConnection | undefined;
  /** Each consumer's inbox applier, for dead-letter replays, and the database of their inboxes. */
  const appliers = new Map<string, ConsumerApplier>();
  let inboxPool: Pool | undefined;
  const ensuredTopics = new Set<string>();

  const need = <K extends keyof DataConfig>(key: K): NonNullable<DataConfig[K]> => {
    const v = config[key];
    if (v === undefined) throw new Error(`${config.SERVICE_NAME} needs ${String(key)} but its config has none`);
    return v as NonNullable<DataConfig[K]>;
  };

  const rt: ServiceRuntime<C> = {
    config,
    logger,
    metrics,
    policy,
    health,
    onShutdown: (fn) => closers.push(fn),
    async database(migrationsDir) {
      const url = need('DATABASE_URL');
      await migrate({ databaseUrl: url, serviceDir: migrationsDir, logger });
      const pool = createPool({ connectionString: url, max: config.DATABASE_POOL_MAX, logger, applicationName: config.SERVICE_NAME });
      closers.push(() => pool.end());
      health.addDependency('database', () => pool.query('SELECT 1'));
      return pool;
    },
    async kafka(topics = []) {
      if (!kafkaConn) {
        need('KAFKA_BROKERS');
        kafkaConn = connectServiceKafka(config as C & DataConfig, logger);
        const conn = kafkaConn;
        closers.push(() => conn.close());
      }
      // The outbox and each consumer ask for their topics; ask the broker only about new ones.
      const wanted = topics.filter((t) => !ensuredTopics.has(t));
      if (wanted.length) {
        await kafkaConn.waitForTopics(wanted);
        for (const t of wanted) ensuredTopics.add(t);
      }
      return kafkaConn;
    },
    async startOutbox(pool) {
      const kafka = await rt.kafka([topicOf(config.SERVICE_NAME)]);
      const publisher = await kafka.createPublisher();
      const relay = startOutboxRelay({ service: config.SERVICE_NAME, pool, publisher, logger, metrics, pollMs: config.OUTBOX_POLL_MS });
      const prune = setInterval(() => void pruneOutbox(pool).catch((err) => logger.warn({ err }, 'outbox prune failed')), 3600_000);
      prune.unref();
      closers.push(async () => {
        clearInterval(prune);
        await relay.stop();
        await publisher.close();
      });
      return relay;
    },
    consume(c) {
      const name = c.consumer ?? config.SERVICE_NAME;
      appliers.set(name, inboxApplier({ consumer: name, handlers: c.handlers, pool: c.pool }));
      inboxPool ??= c.pool;
      const onMembership = health.addConsumer(name);
      const stopping = new AbortController();
      let current: EventConsumer | undefined;
      // Retries what kafkajs does not: reaching the broker and subscribing. Once running, kafkajs
      // rejoins by itself after the failures it can recover from.
      const started = (async () => {
        for (let attempt = 1; !stopping.signal.aborted; attempt++) {
          try {
            const kafka = await rt.kafka(topicsOf(c.handlers));
            if (stopping.signal.aborted) return;
            const consumer = createEventConsumer({
              partitionsConcurrently: config.KAFKA_PARTITIONS_CONCURRENTLY,
              ...c,
              // The setting, when given, wins over the consumer's own choice.
              eventsPerTransaction: config.INBOX_EVENTS_PER_TRANSACTION ?? c.eventsPerTransaction,
              consumer: name,
              kafka,
              logger,
              metrics,
              onMembership,
            });
            current = consumer;
            await consumer.start();
            return;
          } catch (err) {
            await current?.stop().catch(() => undefined);
            current = undefined;
            if (stopping.signal.aborted) return;
            logger.warn({ err, attempt, consumer: name }, 'consumer could not start; retrying');
            await sleep(Math.min(1000 * attempt, 10_000), undefined, { signal: stopping.signal }).catch(() => undefined);
          }
        }
      })();
      closers.push(async () => {
        stopping.abort();
        await current?.stop(); // leaves the group, also while still joining
        await started;
      });
    },
    client(definition, upstream, address) {
      const client = createGrpcClient(definition, {
        address,
        upstream,
        policy,
        resilienceMode: config.RESILIENCE_MODE,
        caller: config.SERVICE_NAME,
        metrics,
        logger,
        workloadIdentity: identity.credential,
      });
      closers.push(() => client.close());
      return client;
    },
    authenticated: (registration) => authenticated(registration, identity.authenticate),
  };

  /** The admin API over this service's dead letters, and the gauge of those unresolved (refreshed every 15 s). */
  const deadLetterAdmin = (pool: Pool) => {
    const refresh = () =>
      void countDeadLetters(pool).then(
        (n) => metrics.deadLetters.set(n),
        (err: unknown) => logger.debug({ err }, 'could not count dead letters'),
      );
    refresh();
    const timer = setInterval(refresh, 15_000);
    timer.unref();
    closers.push(() => clearInterval(timer));
    return deadLetterAdminService({ service: config.SERVICE_NAME, pool, appliers, logger, onChange: refresh });
  };

  const runClosers = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        logger.warn({ err }, 'error while shutting down');
      }
    }
    closers.length = 0;
    // Last, so that the spans of everything else's shutdown leave too.
    await shutdownTelemetry().catch((err: unknown) => logger.warn({ err }, 'could not flush spans'));
  };

  let metricsServer: http.Server & { port: number };
  let grpc: RunningGrpcServer;
  try {
    const built = await opts.build(rt);
    if (inboxPool) built.push(deadLetterAdmin(inboxPool));
    const services = built.map(rt.authenticated);
    metricsServer = await startMetricsServer(metrics.registry, config.METRICS_PORT, config.GRPC_HOST);
    closers.unshift(() => new Promise((r) => metricsServer.close(r)));
    grpc = await startGrpcServer({
      service: config.SERVICE_NAME,
      host: config.GRPC_HOST,
      port: config.GRPC_PORT,
      logger,
      metrics,
      services,
      protoFiles: inboxPool ? [...opts.protoFiles, DEAD_LETTERS_PROTO] : opts.protoFiles,
      reflection: config.GRPC_REFLECTION,
      maxReceiveBytes: config.GRPC_MAX_RECEIVE_BYTES,
      requestLogOkPerSecond: config.REQUEST_LOG_OK_PER_SECOND,
    });
    health.serve(
      grpc.health,
      services.map((s) => s.name),
    );
  } catch (err) {
    await health.stop();
    await runClosers();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down: draining in-flight calls');
      await health.stop();
      await grpc.shutdown(config.SHUTDOWN_GRACE_MS);
      await runClosers();
      logger.info('stopped');
    })());

  if (opts.handleSignals) {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.once(sig, () => {
        void stop().then(
          () => process.exit(0),
          (err) => {
            logger.error({ err }, 'unclean shutdown');
            process.exit(1);
          },
        );
      });
    }
  }
  logger.info({ grpcPort: grpc.port, metricsPort: metricsServer.port }, `${config.SERVICE_NAME} ready`);
  return { grpcPort: grpc.port, metricsPort: metricsServer.port, ports: { grpc: grpc.port, metrics: metricsServer.port }, grpc, stop };
}
