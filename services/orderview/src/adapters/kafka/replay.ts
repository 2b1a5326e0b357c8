import { randomUUID } from 'node:crypto';
import { startEventConsumer, topicsOf, type EventHandlers, type KafkaConnection, type Logger, type Pool } from '@foodmesh/platform';
import { deleteGroup, lastOffsets } from './offsets';

/**
 * Replays the topics `handlers` consume from offset zero into `handlers` with a fresh consumer
 * group (`<consumer>-rebuild-<uuid>`) and an inbox of its own, and resolves
 * with the number of messages handled once every partition reached the end it
 * had when the replay started. The group is deleted afterwards.
 */
export function replayer(deps: {
  kafka: KafkaConnection;
  namespace: string;
  pool: Pool;
  logger: Logger;
  consumer: string;
  inbox: string;
  handlers: EventHandlers;
}) {
  return async (signal?: AbortSignal): Promise<number> => {
    const realTopics = topicsOf(deps.handlers).map(deps.kafka.topic);
    const remaining = await lastOffsets(deps.kafka, realTopics);
    const groupId = `${deps.consumer}-rebuild-${randomUUID()}`;
    let handled = 0;
    let caughtUp!: () => void;
    const done = new Promise<void>((resolve, reject) => {
      caughtUp = resolve;
      signal?.addEventListener('abort', () => reject(new Error('rebuild abandoned by the caller')), { once: true });
    });
    if (remaining.size === 0) caughtUp();
    const consumer = await startEventConsumer({
      consumer: deps.inbox,
      groupId,
      handlers: deps.handlers,
      kafka: deps.kafka,
      pool: deps.pool,
      logger: deps.logger.child({ replay: groupId }),
      fromBeginning: true,
      onHandled: ({ topic, partition, offset }) => {
        handled++;
        const key = `${topic}:${partition}`;
        if (offset >= (remaining.get(key) ?? Infinity)) remaining.delete(key);
        if (remaining.size === 0) caughtUp();
      },
    });
    try {
      await done;
      deps.logger.info({ handled }, 'view rebuild caught up');
      return handled;
    } finally {
      await consumer.stop();
      await deleteGroup(deps.kafka, `${deps.namespace}${groupId}`).catch((err: unknown) => deps.logger.warn({ err }, 'could not delete the replay group'));
    }
  };
}
