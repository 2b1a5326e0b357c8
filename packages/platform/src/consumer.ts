import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { parkMessage } from './dead-letters';
import { topicsCarrying } from './event-catalogue';
import type { EventCase } from './events';
import {
  decodeMessage,
  DEFAULT_EVENTS_PER_TRANSACTION,
  inboxApplier,
  inboxBatchApplier,
  isPermanentFailure,
  type ApplyOutcome,
  type EventHandlers,
} from './inbox';
import type { KafkaConnection } from './kafka';
import type { Logger } from './logger';
import type { PlatformMetrics } from './metrics';
import { byTopic, offsetCommits } from './offset-commits';
import type { Pool, Tx } from './pg';
import { EVENT_TYPE, MESSAGING, messagingSpan, ORDER_ID } from './semconv';
import { extractTraceContext, getTracer } from './telemetry';

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
  /**
   * Partitions handled at once (default 1). Each partition stays one message at a time, in
   * order, and an order's events share a partition (key = order_id), so per-order order holds.
   */
  partitionsConcurrently?: number;
  /**
   * At most this many fetched events of one partition share an inbox transaction (default
   * DEFAULT_EVENTS_PER_TRANSACTION). More saves round trips, but the transaction holds the row locks
   * of all its events until it commits, so a command on one of those orders waits for all of them.
   */
  eventsPerTransaction?: number;
  /** The first and the longest pause of a partition whose event fails transiently (default 250 ms, 5 s). */
  retryBackoffMs?: { initial: number; max: number };
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

type Outcome = ApplyOutcome | 'parked' | 'retried';

function headersOf(m: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  return out;
}

/** A message handled (applied, skipped or parked), or one that failed transiently and must be tried again. */
type Handled = { done: true } | { done: false; error: Error; eventId?: string; type?: string };

/**
 * Consumes events effectively once: the inbox row and the handler's state change
 * commit in one transaction, so a redelivered event is skipped. Messages that can
 * never be applied (bad bytes, unknown type, refused by the domain) are parked
 * in `dead_letters` and the partition moves on. Any other failure is transient:
 * the partition is paused (kafkajs keeps fetching the others and heartbeating) and
 * the same message is tried again after a growing pause, until it applies.
 * Messages of one partition (one order) are handled in order; several partitions may
 * be in hand at once. The events of one partition fetched together apply in one
 * transaction (one inbox insert, their handlers, one COMMIT); if it fails they
 * apply one by one, so the one that cannot apply is found and only it is parked or
 * retried. Offsets are committed by interval (offset-commits.ts).
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
  const backoff = opts.retryBackoffMs ?? { initial: 250, max: 5_000 };
  const groupId = opts.groupId ?? opts.consumer;
  const consumer = opts.kafka.createConsumer(groupId);
  const apply = inboxApplier(opts);
  const applyAll = inboxBatchApplier(opts);
  const eventsPerTransaction = opts.eventsPerTransaction ?? DEFAULT_EVENTS_PER_TRANSACTION;
  const commits = offsetCommits(consumer, opts.kafka.commitIntervalMs, log);
  const topics = opts.topics ?? topicsOf(opts.handlers);
  /** Spans name the topic as the code does (`order.events`), without a test run's namespace. */
  const logicalTopic = (topic: string) => topics.find((t) => opts.kafka.topic(t) === topic) ?? topic;

  const count = (type: string, outcome: Outcome) => opts.metrics?.eventsConsumed.inc({ consumer: opts.consumer, type, outcome });

  async function park(topic: string, partition: number, m: KafkaMessage, error: string, event: { eventId?: string; eventType?: string } = {}): Promise<void> {
    log.error({ topic, partition, offset: m.offset, error }, 'parking a message that cannot be applied');
    await parkMessage(opts.pool, {
      consumer: opts.consumer,
      topic,
      partition,
      offset: m.offset,
      key: m.key?.toString() ?? null,
      value: m.value,
      headers: headersOf(m),
      error,
      ...event,
    });
  }

  /** The span of one event's processing: its creation context (outbox.ts) is the parent, so one order's trace runs on through every consumer. */
  function processSpan(topic: string, partition: number, m: KafkaMessage, env: EventEnvelope) {
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
    return { span, active: trace.setSpan(parent, span) };
  }

  /**
   * Applies several messages of one partition in one transaction. False, with nothing applied, when
   * one is unusable or the transaction fails: the caller then handles them one by one.
   */
  async function applyTogether(topic: string, partition: number, messages: KafkaMessage[]): Promise<boolean> {
    const envs: EventEnvelope[] = [];
    for (const m of messages) {
      const decoded = decodeMessage(m.value, headersOf(m));
      if ('unusable' in decoded) return false;
      envs.push(decoded.env);
    }
    const spans = new Map(envs.map((env, i) => [env, processSpan(topic, partition, messages[i]!, env)]));
    try {
      const outcomes = await applyAll(envs, (env, run) => context.with(spans.get(env)!.active, run));
      envs.forEach((env, i) => {
        count(env.type, outcomes[i]!);
        if (outcomes[i] === 'duplicate') log.info({ event_id: env.eventId, type: env.type, order_id: env.orderId }, 'duplicate event skipped');
      });
      log.debug({ topic, partition, count: envs.length, outcomes }, 'events handled in one transaction');
      return true;
    } catch (err) {
      for (const { span } of spans.values())
        span.setStatus({ code: SpanStatusCode.ERROR, message: `rolled back with its batch, applied again on its own: ${(err as Error).message}` });
      log.info({ topic, partition, count: envs.length, err: (err as Error).message }, 'a batch of events failed in one transaction; applying them one by one');
      return false;
    } finally {
      for (const { span } of spans.values()) span.end();
    }
  }

  async function handleMessage(topic: string, partition: number, m: KafkaMessage): Promise<Handled> {
    const decoded = decodeMessage(m.value, headersOf(m));
    if ('unusable' in decoded) {
      try {
        await park(topic, partition, m, decoded.unusable, { eventType: decoded.type });
      } catch (err) {
        return { done: false, error: err as Error, type: decoded.type };
      }
      count(decoded.type, 'parked');
      return { done: true };
    }
    const env = decoded.env;
    const { span, active } = processSpan(topic, partition, m, env);
    try {
      return await context.with(active, async (): Promise<Handled> => {
        try {
          const outcome = await apply(env);
          count(env.type, outcome);
          log.debug({ event_id: env.eventId, type: env.type, outcome }, 'event handled');
          if (outcome === 'duplicate') log.info({ event_id: env.eventId, type: env.type, order_id: env.orderId }, 'duplicate event skipped');
          return { done: true };
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          if (!isPermanentFailure(err)) {
            count(env.type, 'retried');
            return { done: false, error: err as Error, eventId: env.eventId, type: env.type };
          }
          try {
            await park(topic, partition, m, `${env.type} ${env.eventId}: ${(err as Error).message}`, { eventId: env.eventId, eventType: env.type });
          } catch (parkErr) {
            return { done: false, error: parkErr as Error, eventId: env.eventId, type: env.type };
          }
          count(env.type, 'parked');
          return { done: true };
        }
      });
    } finally {
      span.end();
    }
  }

  /**
   * Partitions paused after a transient failure, by "topic:partition": the message that failed,
   * how often, and the timer that resumes the partition.
   */
  const paused = new Map<string, { offset: string; attempts: number; timer?: NodeJS.Timeout }>();
  const setLag = (topic: string, partition: number, highWatermark: string, offset: string) =>
    opts.metrics?.consumerLag.set({ consumer: opts.consumer, topic, partition: String(partition) }, Math.max(0, Number(highWatermark) - Number(offset) - 1));

  /**
   * Pauses the partition instead of waiting inside the batch handler: kafkajs goes on fetching the
   * other partitions and heartbeating (the session is seconds long), and fetches this one again
   * from the failed message once resumed.
   */
  function retryLater(batch: EachBatchPayload['batch'], m: KafkaMessage, failure: Extract<Handled, { done: false }>, pause: () => () => void): void {
    const key = `${batch.topic}:${batch.partition}`;
    const previous = paused.get(key);
    const attempts = previous?.offset === m.offset ? previous.attempts + 1 : 1;
    const delay = Math.min(backoff.max, backoff.initial * 2 ** (attempts - 1));
    const resume = pause();
    const entry: { offset: string; attempts: number; timer?: NodeJS.Timeout } = { offset: m.offset, attempts };
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      resume();
    }, delay);
    paused.set(key, entry);
    opts.metrics?.consumerPausedPartitions.set({ consumer: opts.consumer }, [...paused.values()].filter((p) => p.timer).length);
    log.warn(
      {
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        event_id: failure.eventId,
        type: failure.type,
        attempt: attempts,
        retry_in_ms: delay,
        err: failure.error.message,
      },
      'cannot apply an event now (transient failure): its partition is paused and the event will be tried again',
    );
  }

  let assigned: Record<string, number[]> = {};
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assigned = e.payload.memberAssignment;
    commits.keepOnly(assigned);
    log.info({ assigned, ms: e.payload.duration }, 'joined the consumer group');
  });
  // Before the member rejoins (kafkajs sends its JoinGroup after looking up the coordinator): the
  // next owner of a partition starts where this one is.
  consumer.on(consumer.events.REBALANCING, () => void commits.flush());
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
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: opts.partitionsConcurrently ?? 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale, pause }: EachBatchPayload) => {
        const key = `${batch.topic}:${batch.partition}`;
        const handled = (m: KafkaMessage) => {
          const recovered = paused.get(key);
          if (recovered) {
            paused.delete(key);
            opts.metrics?.consumerPausedPartitions.set({ consumer: opts.consumer }, [...paused.values()].filter((p) => p.timer).length);
            log.info(
              { topic: batch.topic, partition: batch.partition, offset: m.offset, attempts: recovered.attempts + 1 },
              'the event applied after its partition was paused; consuming again',
            );
          }
          resolveOffset(m.offset);
          commits.handled(batch.topic, batch.partition, m.offset);
          opts.onHandled?.({ topic: batch.topic, partition: batch.partition, offset: Number(m.offset) });
          setLag(batch.topic, batch.partition, batch.highWatermark, m.offset);
        };
        const messages = batch.messages;
        // Messages before this index are handled one by one: their transaction together failed.
        let oneByOneUntil = 0;
        for (let i = 0; i < messages.length;) {
          if (!isRunning() || isStale()) break;
          // Before the work, not after: a member whose group is rebalancing stops here (kafkajs may
          // hold batches fetched ahead) instead of applying events of partitions it is about to lose.
          await heartbeat();
          if (i >= oneByOneUntil) {
            // A single message (the quiet case) goes on its own at once: nothing waits for more.
            const group = messages.slice(i, i + eventsPerTransaction);
            if (group.length > 1 && (await applyTogether(batch.topic, batch.partition, group))) {
              group.forEach(handled);
              i += group.length;
              continue;
            }
            oneByOneUntil = i + group.length;
          }
          const m = messages[i]!;
          const outcome = await handleMessage(batch.topic, batch.partition, m);
          if (!outcome.done) {
            setLag(batch.topic, batch.partition, batch.highWatermark, String(Number(m.offset) - 1));
            retryLater(batch, m, outcome, pause);
            break;
          }
          handled(m);
          i++;
        }
        // Stopping: what this batch handled is committed before the member leaves (the consumer's own commit no longer runs).
        if (!isRunning()) await commits.flush((offsets) => commitOffsetsIfNecessary(byTopic(offsets)));
      },
    });
    log.info({ topics }, 'consumer started');
  }
  return {
    start,
    async stop() {
      for (const p of paused.values()) clearTimeout(p.timer);
      paused.clear();
      // What is handled so far; a batch in hand commits the rest itself as it ends.
      await commits.flush();
      commits.stop();
      await consumer.disconnect();
    },
    assignments: () => assigned,
  };
}
