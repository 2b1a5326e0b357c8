import { randomBytes } from 'node:crypto';
import { startStack, testKafkaCredentials, type Observability, type RunningStack } from '@foodmesh/local-infra';
import { testIdentity } from './index';

/**
 * Every service of the repository as `npm start` runs it, on the test run's PostgreSQL + Kafka,
 * in a fresh namespace (`<label><random>.`), trusting testIdentity's keys; with `observability`,
 * as `npm start -- --observe` runs it; `env` for every service.
 */
export async function startTestStack(
  label: string,
  opts: { observability?: Observability; env?: Record<string, string> } = {},
): Promise<{ stack: RunningStack; namespace: string }> {
  const namespace = `${label}${randomBytes(3).toString('hex')}.`;
  const stack = await startStack({
    databaseAdminUrl: process.env.TEST_DATABASE_URL!,
    kafkaBrokers: process.env.TEST_KAFKA_BROKERS!.split(','),
    kafkaCredentials: testKafkaCredentials(),
    log: () => undefined,
    logLevel: 'warn',
    ports: 'any',
    namespace,
    identity: testIdentity,
    observability: opts.observability,
    env: opts.env,
  });
  return { stack, namespace };
}
