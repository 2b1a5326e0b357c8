import { Kafka, logLevel } from 'kafkajs';
import { testBrokers, testLogger, testNamespace } from '@foodmesh/testkit';
import { connectKafka } from '../src';

/**
 * Every service ensures the topics it publishes to and consumes from at start-up,
 * and a stack starts them all at once: the same topics are created by several
 * clients in the same instant.
 */
describe('ensureTopics', () => {
  it('lets six services race for the same topics: all succeed, every partition has a leader', async () => {
    const namespace = testNamespace();
    const names = ['order.events', 'store.events', 'delivery.events'];
    const conns = Array.from({ length: 6 }, (_, i) => connectKafka({ brokers: testBrokers(), clientId: `racer-${i}`, logger: testLogger(`racer-${i}`), namespace }));
    try {
      // Each racer asks for the three topics in its own order, as services list them differently.
      await Promise.all(conns.map((c, i) => c.ensureTopics([...names.slice(i % 3), ...names.slice(0, i % 3)], 4)));

      const admin = new Kafka({ clientId: 'ensure-topics-check', brokers: testBrokers(), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: names.map((n) => `${namespace}${n}`) });
        expect(topics.map((t) => [t.name, t.partitions.length, t.partitions.every((p) => p.leader >= 0)]).sort()).toEqual(
          names.map((n) => [`${namespace}${n}`, 4, true]).sort(),
        );
      } finally {
        await admin.disconnect();
      }
      // Asking again for topics that exist is a no-op, not an error.
      await expect(conns[0]!.ensureTopics(names, 4)).resolves.toBeUndefined();
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  });
});
