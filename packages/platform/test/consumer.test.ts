import { context, trace } from '@opentelemetry/api';
import { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { OrderPlaced } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import { eventually, testLogger } from '@foodmesh/testkit';
import { createPool, deadLetterReplayer, getTracer, inboxApplier, newEnvelope, startEventConsumer, toMessage, topicOf } from '../src';
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

  it('retries a transient failure until it applies, pausing only that partition: 20 s of lock timeouts park nothing, apply everything once, keep the member in its group', async () => {
    // Orders over several partitions; all but `o-held` flow while its row stays locked.
    const events = Array.from({ length: 24 }, (_, i) => envelope(`o-${i % 8}`, Math.floor(i / 8) + 1));
    const held = envelope('o-held', 1);
    // The consumer's transactions give up on a lock after 300 ms (lock_timeout), as a busy database would make them.
    const impatient = createPool({ connectionString: `${f.databaseUrl}?options=${encodeURIComponent('-c lock_timeout=300')}`, max: 5 });
    const membership: boolean[] = [];
    const locker = await f.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query("INSERT INTO order_versions VALUES ('o-held', 0)"); // uncommitted: the consumer's update of this row waits
      await f.startRecordingConsumer('m1', { pool: impatient, partitionsConcurrently: 3, onMembership: (joined) => membership.push(joined) });
      await publishRaw([held, ...events].map((e) => ({ key: e.orderId, value: toMessage(e).value })));

      const lockedAt = Date.now();
      // The other partitions go on meanwhile.
      await eventually(async () => expect(await f.count("SELECT count(*) AS n FROM applied WHERE order_id <> 'o-held'")).toBeGreaterThan(0));
      // 20 s of failures: the partition of o-held is paused and tried again and again, with its lag shown.
      await eventually(async () => expect(Date.now() - lockedAt).toBeGreaterThanOrEqual(20_000), { timeoutMs: 30_000, intervalMs: 500 });
      expect((await f.outcomes()).retried).toBeGreaterThan(3);
      expect((await f.metrics.consumerPausedPartitions.get()).values.reduce((n, v) => n + v.value, 0)).toBe(1);
      expect(Math.max(...(await f.metrics.consumerLag.get()).values.map((v) => v.value))).toBeGreaterThan(0);
      expect(await f.count('SELECT count(*) AS n FROM applied WHERE event_id = $1', [held.eventId])).toBe(0);
      await locker.query('ROLLBACK');
    } finally {
      locker.release();
    }

    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(25), { timeoutMs: 15_000 });
    expect(await f.count('SELECT count(DISTINCT event_id) AS n FROM applied')).toBe(25);
    expect(await f.count('SELECT count(*) AS n FROM dead_letters')).toBe(0);
    expect(await f.count('SELECT count(*) AS n FROM out_of_order')).toBe(0);
    expect((await f.outcomes()).parked ?? 0).toBe(0);
    expect((await f.metrics.consumerPausedPartitions.get()).values.reduce((n, v) => n + v.value, 0)).toBe(0);
    // Heartbeats went on while it waited: it joined once and never left its group (the session is 6 s).
    expect(membership).toEqual([true]);
    await impatient.end();
  }, 90_000);

  it('replays a dead letter through the same inbox: applied once, and a second replay is a duplicate', async () => {
    await f.pool.query("INSERT INTO refused VALUES ('o-r')");
    const refused = envelope('o-r', 1);
    await publishRaw([
      { key: 'o-r', value: toMessage(refused).value },
      { key: 'o-x', value: Buffer.from([0xff, 0x00]) },
    ]);
    await f.startRecordingConsumer('m1');
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM dead_letters')).toBe(2));
    // Two keys, two partitions: they were parked in either order.
    const { rows } = await f.pool.query<{ id: number; event_id: string | null; error: string }>('SELECT id, event_id, error FROM dead_letters');
    const parked = rows.find((r) => r.event_id === refused.eventId)!;
    const garbage = rows.find((r) => r.event_id === null)!;
    expect(parked.error).toContain('is refused (test)');

    const replayer = deadLetterReplayer({
      pool: f.pool,
      appliers: new Map([['recorder', inboxApplier({ consumer: 'recorder', handlers: f.handlers('replay'), pool: f.pool })]]),
      logger: testLogger('replay'),
    });
    // Still refused: it stays parked, with the reason of this try.
    expect(await replayer.replay([parked.id])).toEqual([{ id: parked.id, outcome: 'still-parked', error: expect.stringContaining('is refused') }]);

    await f.pool.query("DELETE FROM refused WHERE order_id = 'o-r'");
    expect(new Set(await replayer.replayAll())).toEqual(
      new Set([
        { id: parked.id, outcome: 'applied' },
        { id: garbage.id, outcome: 'still-parked', error: expect.stringMatching(/^undecodable/) },
      ]),
    );
    expect(await replayer.replay([parked.id])).toEqual([{ id: parked.id, outcome: 'duplicate' }]);
    expect(await f.count('SELECT count(*) AS n FROM applied WHERE event_id = $1', [refused.eventId])).toBe(1);
    expect(await f.count('SELECT count(*) AS n FROM dead_letters WHERE resolved_at IS NULL')).toBe(1);
    expect(await f.count('SELECT replays AS n FROM dead_letters WHERE id = $1', [parked.id])).toBe(3);
    await expect(replayer.replay([999_999])).rejects.toThrow('no dead letter 999999');
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

  it('applies the events of a partition fetched together in one transaction, in order, an event twice in the batch once', async () => {
    // One key, so one partition: 30 events of 3 orders waiting before the consumer starts, one of them twice (a relay republishing).
    const events = Array.from({ length: 30 }, (_, i) => envelope(`o-${i % 3}`, Math.floor(i / 3) + 1));
    await publishRaw([...events, events[4]!].map((e) => ({ key: 'one-partition', value: toMessage(e).value })));

    await f.startRecordingConsumer('m1');
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(30));
    expect(await f.count('SELECT count(DISTINCT tx) AS n FROM applied')).toBeLessThan(10);
    expect(await f.count('SELECT count(*) AS n FROM out_of_order')).toBe(0);
    await eventually(async () => expect(await f.outcomes()).toEqual({ applied: 30, duplicate: 1 }));
  });

  it('on a failure in a batch applies its events one by one: only the one the domain refuses is parked, the rest apply in order', async () => {
    await f.pool.query("INSERT INTO refused VALUES ('o-r')");
    const before = Array.from({ length: 6 }, (_, i) => envelope(`o-${i % 2}`, Math.floor(i / 2) + 1));
    const after = Array.from({ length: 6 }, (_, i) => envelope(`o-${i % 2}`, Math.floor(i / 2) + 4));
    const refused = envelope('o-r', 1);
    await publishRaw([...before, refused, ...after].map((e) => ({ key: 'one-partition', value: toMessage(e).value })));

    await f.startRecordingConsumer('m1');
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(12));
    const { rows } = await f.pool.query<{ event_id: string }>('SELECT event_id FROM dead_letters');
    expect(rows).toEqual([{ event_id: refused.eventId }]);
    expect(await f.count('SELECT count(*) AS n FROM out_of_order')).toBe(0);
    expect(await f.outcomes()).toEqual({ applied: 12, parked: 1 });
  });

  it('commits its offsets when it stops: the next member of the group, taking over mid-stream, applies each event once and sees none again', async () => {
    const events = Array.from({ length: 60 }, (_, i) => envelope(`o-${i % 6}`, Math.floor(i / 6) + 1));
    await publishRaw(events.map((e) => ({ key: e.orderId, value: toMessage(e).value })));

    const first = await f.startRecordingConsumer('m1', { slowMs: 15 });
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBeGreaterThanOrEqual(15));
    await first.stop();
    const appliedByFirst = await f.count('SELECT count(*) AS n FROM applied');
    expect(appliedByFirst).toBeLessThan(60);

    await f.startRecordingConsumer('m2');
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(60));
    expect(await f.count("SELECT count(*) AS n FROM applied WHERE member = 'm2'")).toBe(60 - appliedByFirst);
    expect((await f.outcomes()).duplicate ?? 0).toBe(0);
  });

  it('commits its offsets by interval, and at once when the group rebalances: a member joining mid-stream sees nothing again', async () => {
    const events = Array.from({ length: 600 }, (_, i) => envelope(`o-${i % 12}`, Math.floor(i / 12) + 1));
    await publishRaw(events.map((e) => ({ key: e.orderId, value: toMessage(e).value })));

    await f.startRecordingConsumer('m1', { slowMs: 20 });
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBeGreaterThanOrEqual(20));
    await f.startRecordingConsumer('m2', { slowMs: 20 });
    expect(await f.count('SELECT count(*) AS n FROM applied')).toBeLessThan(600);
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(600), { timeoutMs: 40_000 });
    expect(await f.count("SELECT count(*) AS n FROM applied WHERE member = 'm2'")).toBeGreaterThan(0);
    expect((await f.outcomes()).duplicate ?? 0).toBe(0);
    expect(await f.count('SELECT count(*) AS n FROM out_of_order')).toBe(0);

    // Drained: within an interval the group's committed offsets reach the end of every partition.
    const admin = f.kafka.kafka.admin();
    await admin.connect();
    try {
      const topic = f.kafka.topic(topicOf(f.service));
      const ends = await admin.fetchTopicOffsets(topic);
      await eventually(async () => {
        const [committed] = await admin.fetchOffsets({ groupId: `${f.service}-recorder`, topics: [topic] });
        expect(Object.fromEntries(committed!.partitions.map((p) => [p.partition, p.offset]))).toEqual(
          Object.fromEntries(ends.map((p) => [p.partition, p.offset])),
        );
      });
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

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

  it("continues the producer's trace in the consumer through the envelope", async () => {
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
