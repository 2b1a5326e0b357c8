import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { isDomainError } from './errors';
import { topicsCarrying } from './event-catalogue';
import { decodeEnvelope, type EventCase, type PayloadOf } from './events';
import type { KafkaConnection } from './kafka';
import type { Logger } from './logger';
import type { PlatformMetrics } from './metrics';
import { withTransaction, type Pool, type Tx } from './pg';
import { EVENT_TYPE, MESSAGING, messagingSpan, ORDER_ID } from './semconv';
import { extractTraceContext, getTracer } from './telemetry';

/** A handler per event kind it cares about; runs inside the inbox transaction. */
export type EventHandlers = {
  [C in EventCase]?: (payload: PayloadOf<C>, envelope: EventEnvelope, tx: Tx) => Promise<void>;
};

export interface EventConsumerOptions {
  /** Inbox name and, by default, consumer group, e.g. `store` (one group per consuming service). */
  consumer: string;
  /** A different consumer group, e.g. to replay a topic from offset zero into the same inbox. */
  groupId?: string;
  /**
   * The events handled; the consumer subscribes to the topics that carry them
   * (event-catalogue.ts), so a handler can never miss its topic.
   */
  handlers: EventHandlers;
  /** Logical topic names (the connection adds its namespace); only for producers outside the catalogue (platform tests). */
  topics?: string[];
  kafka: KafkaConnection;
  pool: Pool;
  logger: Logger;
  metrics?: PlatformMetrics;
  fromBeginning?: boolean;
  /** Attempts for a failing handler before the message is parked (transient errors retry). */
  maxAttempts?: number;
  /**
   * Partitions handled at once (default 1). Each partition stays one message at a time, in
   * order, and an order's events share a partition (key = order_id), so per-order order holds.
   */
  partitionsConcurrently?: number;
  /** Called after each message is handled (applied, skipped or parked), e.g. to follow a replay's progress. */
  onHandled?: (m: { topic: string; partition: number; offset: number }) => void;
  /** Told whether this member is in its group: true on joining, false while rebalancing, crashed or stopped. */
  onMembership?: (joined: boolean) => void;
}

export interface EventConsumer {
  stop(): Promise<void>;
  /** Partitions currently assigned to this member, per topic. */
  assignments(): Record<string, number[]>;
}

/** The topics that carry the events `handlers` handle. */
export const topicsOf = (handlers: EventHandlers): string[] => topicsCarrying(Object.keys(handlers));

/** The same handler for each of `cases` (a projection of every event about an order, say). */
export function handleEach(cases: readonly EventCase[], handler: (payload: unknown, envelope: EventEnvelope, tx: Tx) => Promise<void>): EventHandlers {
  return Object.fromEntries(cases.map((c) => [c, handler])) as EventHandlers;
}

/** Reports whether a kafkajs consumer is a member of its group: true on joining; false while rebalancing, crashed or stopped. */
export function followMembership(consumer: Consumer, report: (joined: boolean) => void): void {
  consumer.on(consumer.events.GROUP_JOIN, () => report(true));
  for (const left of [consumer.events.REBALANCING, consumer.events.CRASH, consumer.events.STOP]) consumer.on(left, () => report(false));
}

type Outcome = 'applied' | 'duplicate' | 'ignored' | 'parked';

function headersOf(m: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  return out;
}

/**
 * Consumes events effectively once: the inbox row and the handler's state change
 * commit in one transaction, so a redelivered event is skipped. Messages that can
 * never be applied (bad bytes, unknown type, rejected by the domain) are parked
 * in `dead_letters` and the partition moves on. Messages of one partition (one
 * order) are handled one at a time, in order; several partitions may be in hand at once.
 */
export async function startEventConsumer(opts: EventConsumerOptions): Promise<EventConsumer> {
  const consumer = createEventConsumer(opts);
  await consumer.start();
  return consumer;
}

/**
 * The consumer of `startEventConsumer`, not yet started: `start()` connects, subscribes and
 * resolves once kafkajs runs it (joined, or rejoining after a failure it retries by itself);
 * `stop()` may come at any time, also while it starts, and leaves the group.
 */
export function createEventConsumer(opts: EventConsumerOptions): EventConsumer & { start(): Promise<void> } {
  const log = opts.logger.child({ component: 'consumer', consumer: opts.consumer });
  const tracer = getTracer(opts.consumer);
  const maxAttempts = opts.maxAttempts ?? 5;
  const groupId = opts.groupId ?? opts.consumer;
  const consumer = opts.kafka.createConsumer(groupId);
  const topics = opts.topics ?? topicsOf(opts.handlers);
  /** Spans name the topic as the code does (`order.events`), without a test run's namespace. */
  const logicalTopic = (topic: string) => topics.find((t) => opts.kafka.topic(t) === topic) ?? topic;

  const count = (type: string, outcome: Outcome) => opts.metrics?.eventsConsumed.inc({ consumer: opts.consumer, type, outcome });

  async function park(topic: string, partition: number, m: KafkaMessage, error: string): Promise<void> {
    log.error({ topic, partition, offset: m.offset, error }, 'parking a message that cannot be applied');
    await opts.pool.query(
      `INSERT INTO dead_letters (consumer, topic, kafka_partition, kafka_offset, message_key, payload, headers, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [opts.consumer, topic, partition, m.offset, m.key?.toString() ?? null, m.value, JSON.stringify(headersOf(m)), error],
    );
  }

  async function apply(env: EventEnvelope): Promise<Outcome> {
    const payload = env.payload!;
    const handler = opts.handlers[payload.$case] as ((p: unknown, e: EventEnvelope, tx: Tx) => Promise<void>) | undefined;
    if (!handler) return 'ignored';
    return withTransaction(opts.pool, async (tx) => {
      const inserted = await tx.query('INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        opts.consumer,
        env.eventId,
        env.type,
      ]);
      if (inserted.rowCount === 0) return 'duplicate';
      await handler(payload.value, env, tx);
      return 'applied';
    });
  }

  async function handleMessage(topic: string, partition: number, m: KafkaMessage, heartbeat: () => Promise<void>): Promise<void> {
    let env: EventEnvelope;
    try {
      if (!m.value) throw new Error('empty message value');
      env = decodeEnvelope(m.value);
      if (!env.eventId) throw new Error('envelope has no event_id');
    } catch (err) {
      await park(topic, partition, m, `undecodable: ${(err as Error).message}`);
      count('undecodable', 'parked');
      return;
    }
    if (!env.payload) {
      await park(topic, partition, m, `unknown event type "${env.type || headersOf(m)['event-type'] || '?'}"`);
      count(env.type || 'unknown', 'parked');
      return;
    }
    // The event's creation context (outbox.ts) is the parent: one order's trace runs on through every consumer.
    const parent = extractTraceContext(env.traceContext);
    const { name, attributes } = messagingSpan('process', logicalTopic(topic), {
      [MESSAGING.MESSAGE_ID]: env.eventId,
      [MESSAGING.CONSUMER_GROUP]: groupId,
      [MESSAGING.PARTITION]: String(partition),
      [MESSAGING.KAFKA_OFFSET]: Number(m.offset),
      ...(m.key ? { [MESSAGING.KAFKA_KEY]: m.key.toString() } : {}),
      ...(env.orderId ? { [ORDER_ID]: env.orderId } : {}),
      [EVENT_TYPE]: env.type,
    });
    const span = tracer.startSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent);
    await context.with(trace.setSpan(parent, span), async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const outcome = await apply(env);
          count(env.type, outcome);
          log.debug({ event_id: env.eventId, type: env.type, outcome }, 'event handled');
          if (outcome === 'duplicate') log.info({ event_id: env.eventId, type: env.type, order_id: env.orderId }, 'duplicate event skipped');
          break;
        } catch (err) {
          if (isDomainError(err) || attempt >= maxAttempts) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
            await park(topic, partition, m, `${env.type} ${env.eventId}: ${(err as Error).message}`);
            count(env.type, 'parked');
            break;
          }
          log.warn({ err, attempt, event_id: env.eventId }, 'handler failed; retrying');
          await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
          // The session is short (seconds): a member that waits out retries must still be heard from.
          await heartbeat();
        }
      }
    });
    span.end();
  }

  let assigned: Record<string, number[]> = {};
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assigned = e.payload.memberAssignment;
    log.info({ assigned, ms: e.payload.duration }, 'joined the consumer group');
  });
  if (opts.onMembership) followMembership(consumer, opts.onMembership);
  consumer.on(consumer.events.CRASH, (e) => {
    // kafkajs restarts the consumer after retriable failures; anything else stops consumption.
    const level = e.payload.restart ? 'warn' : 'fatal';
    log[level]({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
  });
  async function start(): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topics: topics.map(opts.kafka.topic), fromBeginning: opts.fromBeginning ?? true });
    await consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: opts.partitionsConcurrently ?? 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) => {
        for (const m of batch.messages) {
          if (!isRunning() || isStale()) break;
          await handleMessage(batch.topic, batch.partition, m, heartbeat);
          resolveOffset(m.offset);
          opts.onHandled?.({ topic: batch.topic, partition: batch.partition, offset: Number(m.offset) });
          await heartbeat();
          const lag = Number(batch.highWatermark) - Number(m.offset) - 1;
          opts.metrics?.consumerLag.set({ consumer: opts.consumer, topic: batch.topic, partition: String(batch.partition) }, Math.max(0, lag));
        }
        await commitOffsetsIfNecessary();
      },
    });
    log.info({ topics }, 'consumer started');
  }
  return { start, stop: () => consumer.disconnect(), assignments: () => assigned };
}
