import { context, trace } from '@opentelemetry/api';
import { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { OrderPlaced } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import { eventually } from '@foodmesh/testkit';
import { getTracer, newEnvelope, startEventConsumer, toMessage, topicOf } from '../src';
import { messagingFixture, type MessagingFixture } from './messaging-fixture';

describe('effectively-once consumer on real Kafka + PostgreSQL', () => {
  let f: MessagingFixture;
  beforeEach(async () => {
    f = await messagingFixture('consumer');
  });
  afterEach(() => f.close());

  const envelope = (orderId: string, version: number) =>
    newEnvelope({ producer: f.service, orderId, aggregateVersion: version, payload: { $case: 'orderPlaced', value: OrderPlaced.fromPartial({ orderId }) } });

  async function publishRaw(messages: Array<{ key: string; value: Buffer; headers?: Record<string, string> }>) {
    const publisher = await f.kafka.createPublisher();
    await publisher.publish(messages.map((m) => ({ topic: topicOf(f.service), headers: {}, ...m })));
    await publisher.close();
  }

  it('parks bad bytes and unknown event types, then goes on with the same partition', async () => {
    const unknown = EventEnvelope.fromPartial({ eventId: '0190f5a4-0000-7000-8000-000000000001', type: 'foodmesh.events.v1.FromTheFuture', orderId: 'o-9' });
    const good = envelope('o-9', 1);
    await publishRaw([
      { key: 'o-9', value: Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02]) },
      { key: 'o-9', value: Buffer.from(EventEnvelope.encode(unknown).finish()) },
      { key: 'o-9', value: toMessage(good).value },
    ]);
    await f.startRecordingConsumer('m1');

    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied WHERE event_id = $1', [good.eventId])).toBe(1));
    const { rows } = await f.pool.query<{ error: string }>('SELECT error FROM dead_letters ORDER BY kafka_offset');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.error).toMatch(/^undecodable/);
    expect(rows[1]!.error).toContain('unknown event type "foodmesh.events.v1.FromTheFuture"');
  });

  it('applies each event once when a consumer restarts mid-batch and its offsets are lost', async () => {
    const events = Array.from({ length: 60 }, (_, i) => envelope(`o-${i % 6}`, Math.floor(i / 6) + 1));
    await publishRaw(events.map((e) => ({ key: e.orderId, value: toMessage(e).value })));

    const first = await f.startRecordingConsumer('m1', { slowMs: 15 });
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBeGreaterThanOrEqual(15));
    await first.stop(); // mid-batch: some events applied, the rest not
    const appliedBeforeRestart = await f.count('SELECT count(*) AS n FROM applied');
    expect(appliedBeforeRestart).toBeLessThan(60);

    // The worst restart: the committed offsets are gone, so everything is redelivered.
    await f.startRecordingConsumer('m2', { groupId: `${f.service}-replay` });
    await eventually(async () => expect((await f.outcomes()).duplicate).toBe(appliedBeforeRestart));
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(60));
    expect((await f.outcomes()).applied).toBe(60);
    expect(await f.count("SELECT count(*) AS n FROM applied WHERE member = 'm2'")).toBe(60 - appliedBeforeRestart);
    expect(await f.count('SELECT count(*) AS n FROM out_of_order')).toBe(0);
  });

  it('works on several partitions at once when asked, each partition still one event at a time, in order', async () => {
    // 12 orders over the topic's 6 partitions, 4 versions each, all waiting before the consumer starts.
    const events = Array.from({ length: 48 }, (_, i) => envelope(`o-${i % 12}`, Math.floor(i / 12) + 1));
    await publishRaw(events.map((e) => ({ key: e.orderId, value: toMessage(e).value })));

    await f.startRecordingConsumer('m1', { slowMs: 20, partitionsConcurrently: 3 });
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(48));
    expect(f.inFlight.max).toBeGreaterThan(1);
    expect(f.inFlight.max).toBeLessThanOrEqual(3);
    expect(await f.count('SELECT count(*) AS n FROM out_of_order')).toBe(0);
  });

  it('works on one partition at a time by default', async () => {
    const events = Array.from({ length: 24 }, (_, i) => envelope(`o-${i % 12}`, Math.floor(i / 12) + 1));
    await publishRaw(events.map((e) => ({ key: e.orderId, value: toMessage(e).value })));

    await f.startRecordingConsumer('m1', { slowMs: 5 });
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(24));
    expect(f.inFlight.max).toBe(1);
  });

  it('continues the producer\'s trace in the consumer through the envelope', async () => {
    const tracer = getTracer('producer-test');
    const span = tracer.startSpan('place order');
    const env = context.with(trace.setSpan(context.active(), span), () => envelope('o-t', 1));
    span.end();
    expect(env.traceContext.traceparent).toContain(span.spanContext().traceId);

    let seenTraceId = '';
    await startEventConsumer({
      consumer: 'tracer',
      groupId: `${f.service}-tracer`,
      topics: [topicOf(f.service)],
      kafka: f.newKafka(),
      pool: f.pool,
      logger: f.logger,
      handlers: {
        orderPlaced: async () => {
          seenTraceId = trace.getActiveSpan()?.spanContext().traceId ?? '';
        },
      },
    }).then((c) => afterEachStop.push(c));
    await publishRaw([{ key: 'o-t', value: toMessage(env).value }]);
    await eventually(() => seenTraceId !== '');
    expect(seenTraceId).toBe(span.spanContext().traceId);
  });
  const afterEachStop: Array<{ stop(): Promise<void> }> = [];
  afterEach(() => Promise.all(afterEachStop.splice(0).map((c) => c.stop())));
});
