import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { adminSecurity, createDatabase, testKafkaCredentials } from '@foodmesh/local-infra';

const adminUrl = process.env.TEST_DATABASE_URL!;
const brokers = process.env.TEST_KAFKA_BROKERS!.split(',');

describe('local infra', () => {
  it('PostgreSQL: createDatabase is idempotent and the database is usable', async () => {
    const url = await createDatabase(adminUrl, 'foodmesh_infra_test');
    expect(await createDatabase(adminUrl, 'foodmesh_infra_test')).toBe(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      expect(rows[0]!.db).toBe('foodmesh_infra_test');
    } finally {
      await client.end();
    }
  });

  it('Kafka: createTopics, idempotent produce, consume in a group, transactional produce', async () => {
    // The admin: the one user allowed to create topics.
    const kafka = new Kafka({ clientId: 'infra-test', brokers, logLevel: logLevel.WARN, sasl: adminSecurity(testKafkaCredentials()).sasl });
    const topic = `infra-test-${Date.now()}`;
    const admin = kafka.admin();
    const producer = kafka.producer({ idempotent: true });
    const consumer = kafka.consumer({ groupId: `infra-test-${Date.now()}` });
    try {
      await admin.connect();
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(true);
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const received: string[] = [];
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            received.push(message.value!.toString());
            if (received.length === 2) resolve();
          },
        });
      });
      await producer.send({ topic, messages: [{ key: 'k', value: 'hello' }] });

      const tx = kafka.producer({ transactionalId: `infra-test-${Date.now()}`, idempotent: true, maxInFlightRequests: 1 });
      await tx.connect();
      const t = await tx.transaction();
      await t.send({ topic, messages: [{ key: 'k', value: 'in-tx' }] });
      await t.commit();
      await tx.disconnect();

      await done;
      expect(received).toEqual(['hello', 'in-tx']);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
