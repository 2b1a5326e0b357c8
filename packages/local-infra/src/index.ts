import { startKafka, type KafkaCredentials, type KafkaHandle } from './kafka';
import { startPostgres, type PostgresHandle } from './postgres';
import type { Log } from './util';

export { startPostgres, createDatabase, databaseUrl, type PostgresOptions, type PostgresHandle } from './postgres';
export { startKafka, ensureKafkaJars, kafkaVersion, type KafkaCredentials, type KafkaOptions, type KafkaHandle } from './kafka';
export { adminSecurity, provisionKafka, serviceKafkaEnv } from './kafka-provision';
export { foodmeshDir, isAlive, repoRoot, type Log } from './util';

/** The test run's Kafka users, as the jest global setup left them (undefined for a broker without authentication). */
export function testKafkaCredentials(): KafkaCredentials | undefined {
  const v = process.env.TEST_KAFKA_CREDENTIALS;
  return v ? (JSON.parse(v) as KafkaCredentials) : undefined;
}

export interface InfraOptions {
  /** Keep data across runs under /var/tmp/foodmesh/<hash>/ (npm start); default: fresh temp dirs removed on stop. */
  persistent?: boolean;
  /** Progress lines (slow first run: jar resolution, initdb). */
  log?: Log;
}

export interface Infra {
  databaseAdminUrl: string;
  kafkaBrokers: string[];
  /** The broker's admin and service users (undefined for external brokers without authentication). */
  kafkaCredentials?: KafkaCredentials;
  postgres: PostgresHandle;
  kafka: KafkaHandle;
  stop(): Promise<void>;
}

/** Starts PostgreSQL and Kafka in parallel; if one fails the other is stopped again. */
export async function startInfra(opts: InfraOptions = {}): Promise<Infra> {
  const [pg, kafka] = await Promise.allSettled([startPostgres(opts), startKafka(opts)]);
  if (pg.status === 'rejected' || kafka.status === 'rejected') {
    await Promise.all([pg, kafka].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw pg.status === 'rejected' ? pg.reason : (kafka as PromiseRejectedResult).reason;
  }
  return {
    databaseAdminUrl: pg.value.url,
    kafkaBrokers: kafka.value.brokers,
    kafkaCredentials: kafka.value.credentials,
    postgres: pg.value,
    kafka: kafka.value,
    stop: async () => {
      await Promise.all([pg.value.stop(), kafka.value.stop()]);
    },
  };
}
export { observabilityFile, startObservability, RULES_FILE, type MetricsTarget, type Observability, type ObservabilityOptions } from './observability';
export { ensurePrometheus, ensureZipkinJar, observabilityVersions, promtoolBinary } from './observability-tools';
export {
  discoverServices,
  localIdentityFile,
  startStack,
  startOrder,
  type ServiceSpec,
  type RunningStack,
  type RestartTimes,
  type StackService,
  type Replica,
} from './stack';
export { attachOrStartStack, stackHandle, type StackHandle, type ServiceEndpoints } from './attach';
export {
  createLocalIdentity,
  generateLocalKeys,
  persistentLocalIdentity,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  type LocalIdentity,
  type LocalKeys,
} from './local-identity';
