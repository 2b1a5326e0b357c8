import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { decodeEnvelope, followMembership, topicOf, type KafkaConnection, type Logger } from '@foodmesh/platform';
import type { OwnershipIndex } from '../../app/ownership';

/**
 * The edge serves without Kafka (the index is an optimisation of its error
 * codes), so its Kafka client's errors are warnings: a broker that is slow to
 * accept a connection at start-up is retried, not an error of the edge.
 */
export function kafkaLogger(logger: Logger): Logger {
  return new Proxy(logger, {
    get(target, prop, receiver) {
      if (prop === 'error' || prop === 'fatal') return target.warn.bind(target);
      if (prop === 'child') return (bindings: Record<string, unknown>) => kafkaLogger(target.child(bindings) as Logger);
      return Reflect.get(target, prop, receiver);
    },
  });
}

/**
 * Feeds the ownership index from `order.events`, from the beginning, in a
 * consumer group of this process alone (every replica needs every order). No
 * offsets matter: the index is rebuilt at each start; the group is deleted at
 * shutdown. It starts in the background and retries: the edge serves without
 * Kafka (the index then only knows the orders placed through this replica),
 * and it never creates the order service's topic, it waits for it.
 */
export function startOwnershipConsumer(opts: { kafka: KafkaConnection; index: OwnershipIndex; logger: Logger; onMembership(joined: boolean): void }) {
  const topic = opts.kafka.topic(topicOf('order'));
  const groupId = `edge-ownership-${hostname()}-${randomUUID().slice(0, 8)}`;
  const consumer = opts.kafka.createConsumer(groupId);
  followMembership(consumer, opts.onMembership);
  const stopped = new AbortController();
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

  const started = (async () => {
    for (let attempt = 1; !stopped.signal.aborted; attempt++) {
      const admin = opts.kafka.kafka.admin();
      try {
        await admin.connect();
        const exists = (await admin.listTopics()).includes(topic);
        await admin.disconnect();
        if (!exists) {
          await pause(1000);
          continue;
        }
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachMessage: async ({ message }) => {
            if (!message.value) return;
            try {
              const env = decodeEnvelope(message.value);
              const v = env.payload?.value as { customerId?: string; storeId?: string } | undefined;
              if (v?.customerId && v.storeId) opts.index.record(env.orderId, { customerId: v.customerId, storeId: v.storeId });
            } catch (err) {
              opts.logger.warn({ err }, 'ownership index: skipped an undecodable order event');
            }
          },
        });
        opts.logger.info({ topic }, 'ownership index: following order events');
        return true;
      } catch (err) {
        await admin.disconnect().catch(() => undefined);
        if (stopped.signal.aborted) break;
        opts.logger.warn({ err, attempt }, 'ownership index: cannot follow order events yet; retrying');
        await pause(Math.min(1000 * attempt, 10_000));
      }
    }
    return false;
  })();

  return {
    async stop() {
      stopped.abort();
      const running = await started;
      await consumer.disconnect();
      if (!running) return;
      const admin = opts.kafka.kafka.admin();
      try {
        await admin.connect();
        await admin.deleteGroups([`${opts.kafka.topic('')}${groupId}`]);
      } catch (err) {
        opts.logger.debug({ err }, 'ownership index: could not delete its consumer group');
      } finally {
        await admin.disconnect();
      }
    },
  };
}
