import { readFileSync } from 'node:fs';
import { ConfigError, type BaseConfig, type KafkaConfig } from './config';
import { connectKafka, type KafkaConnection, type KafkaSecurity } from './kafka';
import type { Logger } from './logger';

/**
 * The Kafka security settings of a service's config, checked together: a user and password for
 * SASL, a readable CA file, and in production both SASL and TLS (no anonymous or cleartext client).
 */
export function kafkaSecurityOf(config: KafkaConfig & Pick<BaseConfig, 'FOODMESH_ENV'>): KafkaSecurity {
  const problems: string[] = [];
  const scram = config.KAFKA_SASL_MECHANISM === 'scram-sha-512';
  if (scram && (!config.KAFKA_USERNAME || !config.KAFKA_PASSWORD))
    problems.push('KAFKA_USERNAME / KAFKA_PASSWORD: required with KAFKA_SASL_MECHANISM=scram-sha-512');
  if (config.FOODMESH_ENV === 'production') {
    if (!scram) problems.push('KAFKA_SASL_MECHANISM: must be scram-sha-512 where FOODMESH_ENV=production (each service signs in as its own Kafka user)');
    if (!config.KAFKA_TLS) problems.push('KAFKA_TLS: must be on where FOODMESH_ENV=production');
  }
  let ca: string | undefined;
  if (config.KAFKA_TLS_CA_FILE) {
    if (!config.KAFKA_TLS) problems.push('KAFKA_TLS_CA_FILE: set, but KAFKA_TLS is off');
    try {
      ca = readFileSync(config.KAFKA_TLS_CA_FILE, 'utf8');
    } catch (err) {
      problems.push(`KAFKA_TLS_CA_FILE: cannot read ${config.KAFKA_TLS_CA_FILE} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    sasl: scram ? { mechanism: 'scram-sha-512', username: config.KAFKA_USERNAME!, password: config.KAFKA_PASSWORD! } : undefined,
    tls: config.KAFKA_TLS ? { ca } : undefined,
  };
}

/** The one way a service connects to Kafka: its brokers, namespace, session, message size and security from its config. */
export function connectServiceKafka(config: KafkaConfig & Pick<BaseConfig, 'FOODMESH_ENV' | 'SERVICE_NAME'>, logger: Logger): KafkaConnection {
  return connectKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: config.SERVICE_NAME,
    logger,
    namespace: config.KAFKA_NAMESPACE,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    fetchMaxWaitMs: config.KAFKA_FETCH_MAX_WAIT_MS,
    commitIntervalMs: config.KAFKA_COMMIT_INTERVAL_MS,
    maxMessageBytes: config.KAFKA_MAX_MESSAGE_BYTES,
    security: kafkaSecurityOf(config),
  });
}
