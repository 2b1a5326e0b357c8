// Relative imports in this package carry no `.js`: jest loads globalSetup with plain Node require
// (+ the ts transform), where jest's moduleNameMapper that strips `.js` does not apply.
import { startInfra } from './index';

/** Handle shared with jest-global-teardown (same process). */
export const INFRA_KEY = '__foodmeshInfra';

/** jest globalSetup (integration project): a fresh PostgreSQL + Kafka per test run, unless DATABASE_URL / KAFKA_BROKERS are set. */
export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  const infra = await startInfra({ log: (line) => process.stderr.write(`[local-infra] ${line}\n`) });
  (globalThis as Record<string, unknown>)[INFRA_KEY] = infra;
  // Workers are forked after globalSetup, so they inherit these.
  process.env.TEST_DATABASE_URL = infra.databaseAdminUrl;
  process.env.TEST_KAFKA_BROKERS = infra.kafkaBrokers.join(',');
  // The broker's admin and service users (SASL/SCRAM), for testkit; unset for a broker without authentication.
  if (infra.kafkaCredentials) process.env.TEST_KAFKA_CREDENTIALS = JSON.stringify(infra.kafkaCredentials);
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1'; // kafkajs 2.x's one-time notice, noise in every test
  process.stderr.write(
    `[local-infra] PostgreSQL ${infra.databaseAdminUrl}, Kafka ${process.env.TEST_KAFKA_BROKERS} ` + `(${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
}
