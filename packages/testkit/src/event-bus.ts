import { decodeEnvelope, PRODUCERS, toMessage, topicOf, type EventCase, type PayloadOf } from '@foodmesh/platform';
import { testKafka, uniqueId, eventually } from './index';

type Envelope = ReturnType<typeof decodeEnvelope>;

/**
 * A test's window on Kafka in its namespace (signed in as the admin): publish envelopes as if another
 * service had (e.g. `order.events` while the order service is not running), and
 * record every envelope of the saga (every producer's topic) from the beginning, in arrival order.
 */
export async function testEventBus(opts: { namespace: string }) {
  const conn = testKafka({ clientId: uniqueId('test-bus-'), namespace: opts.namespace });
  const topics = PRODUCERS.map(topicOf);
  await conn.waitForTopics(topics);
  const publisher = await conn.createPublisher();
  const seen: Envelope[] = [];
  const consumer = conn.createConsumer(uniqueId('test-recorder-'));
  await consumer.connect();
  await consumer.subscribe({ topics: topics.map(conn.topic), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value) seen.push(decodeEnvelope(message.value));
    },
  });

  const payloadsOf = <C extends EventCase>(kind: C, orderId?: string): PayloadOf<C>[] =>
    seen.filter((e) => e.payload?.$case === kind && (orderId === undefined || e.orderId === orderId)).map((e) => e.payload!.value as PayloadOf<C>);

  return {
    /** Everything recorded so far. */
    events: seen,
    async publish(envelopes: Envelope[]) {
      await publisher.publish(envelopes.map(toMessage));
    },
    /** The payloads of one kind seen so far, optionally for one order. */
    payloadsOf,
    /** The event kinds seen for one order, in order. */
    kindsFor: (orderId: string) => seen.filter((e) => e.orderId === orderId).map((e) => e.payload?.$case ?? e.type),
    /** Waits until `count` events of `kind` (for `orderId`, if given) have been seen; returns their payloads. */
    async waitFor<C extends EventCase>(kind: C, opts: { orderId?: string; count?: number; timeoutMs?: number } = {}) {
      return eventually(
        () => {
          const got = payloadsOf(kind, opts.orderId);
          if (got.length < (opts.count ?? 1)) throw new Error(`saw ${got.length} ${kind} event(s), waiting for ${opts.count ?? 1}`);
          return got;
        },
        { timeoutMs: opts.timeoutMs },
      );
    },
    /** Deletes every event published so far from every topic, as retention would. */
    async expireEverything() {
      const admin = conn.kafka.admin();
      await admin.connect();
      try {
        for (const topic of topics.map(conn.topic)) {
          const partitions = (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }));
          await admin.deleteTopicRecords({ topic, partitions });
        }
      } finally {
        await admin.disconnect();
      }
    },
    async close() {
      await consumer.disconnect().catch(() => undefined);
      await conn.close();
    },
  };
}
export type TestEventBus = Awaited<ReturnType<typeof testEventBus>>;
