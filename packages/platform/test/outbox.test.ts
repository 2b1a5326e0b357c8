import { eventually } from '@foodmesh/testkit';
import { appendToOutbox, createPool, newEnvelope, startOutboxRelay, withTransaction, type OutboxRelay } from '../src';
import { OrderPlaced } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import { messagingFixture, type MessagingFixture } from './messaging-fixture';

describe('transactional outbox on real PostgreSQL + Kafka', () => {
  let f: MessagingFixture;
  const relays: OutboxRelay[] = [];
  const relay = async (opts: Partial<Parameters<typeof startOutboxRelay>[0]> = {}) => {
    const r = startOutboxRelay({
      service: f.service,
      pool: opts.pool ?? f.pool,
      publisher: await f.newKafka().createPublisher(),
      logger: f.logger,
      metrics: f.metrics,
      pollMs: 200,
      ...opts,
    });
    relays.push(r);
    return r;
  };

  beforeEach(async () => {
    f = await messagingFixture('outbox');
  });
  afterEach(async () => {
    await Promise.allSettled(relays.splice(0).map((r) => r.stop()));
    await f.close();
  });

  it('publishes a committed row exactly once even when the relay dies between publish and mark-sent', async () => {
    const eventId = await f.commitEvent('o-1', 1);
    let crashed = false;
    const dying = await relay({
      afterPublish: async () => {
        crashed = true;
        throw new Error('simulated crash after publish, before mark-sent');
      },
    });
    await eventually(() => crashed);
    await dying.stop();
    expect(await f.count('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')).toBe(1);

    // A fresh relay (the restarted process) publishes the row again: a duplicate on the topic.
    const restarted = await relay();
    await restarted.drain();
    expect(await f.count('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')).toBe(0);

    await f.startRecordingConsumer('m1');
    await eventually(async () => expect((await f.outcomes()).duplicate).toBe(1));
    expect(await f.count('SELECT count(*) AS n FROM applied WHERE event_id = $1', [eventId])).toBe(1);
    expect((await f.outcomes()).applied).toBe(1);
  });

  /** A pool for the relay under test, and a way to kill its connections as a PostgreSQL restart would. */
  const killablePool = () => {
    const name = `relay-${Math.random().toString(36).slice(2, 8)}`;
    const pool = createPool({ connectionString: f.databaseUrl, max: 3, applicationName: name });
    const kill = async () => {
      await f.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
    };
    return { pool, kill };
  };

  it('takes the lead again and keeps publishing after its database connection is killed', async () => {
    const { pool, kill } = killablePool();
    const r = await relay({ pool });
    await eventually(() => r.isLeader());
    await kill();
    await f.commitEvent('o-k', 1);
    await f.startRecordingConsumer('m1', { pool: f.newPool() });
    await eventually(async () => expect(await f.count("SELECT count(*) AS n FROM applied WHERE order_id = 'o-k'")).toBe(1));
    expect(r.isLeader()).toBe(true);
    await r.stop();
    await pool.end();
  });

  it('survives its old connection being killed after it stopped', async () => {
    const { pool, kill } = killablePool();
    const r = await relay({ pool });
    await eventually(() => r.isLeader());
    await r.stop();
    await kill(); // the released leader connection now errors while idle in the pool
    await eventually(async () => expect(await pool.query('SELECT 1 AS one')).toMatchObject({ rows: [{ one: 1 }] }));
    await pool.end();
  });

  it('publishes nothing for a rolled-back transaction', async () => {
    const doomed = newEnvelope({ producer: f.service, orderId: 'o-2', payload: { $case: 'orderPlaced', value: OrderPlaced.fromPartial({ orderId: 'o-2' }) } });
    await expect(
      withTransaction(f.pool, async (tx) => {
        await appendToOutbox(tx, [doomed]);
        throw new Error('business rule failed after the outbox write');
      }),
    ).rejects.toThrow('business rule failed');
    const marker = await f.commitEvent('o-2', 1);

    await relay();
    await f.startRecordingConsumer('m1');
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied WHERE event_id = $1', [marker])).toBe(1));
    expect(await f.count('SELECT count(*) AS n FROM applied WHERE event_id = $1', [doomed.eventId])).toBe(0);
    expect(await f.count('SELECT count(*) AS n FROM outbox')).toBe(1);
  });

  it('runs two relays and two consumers at once: every event published and applied once, in order per order', async () => {
    const orders = Array.from({ length: 20 }, (_, i) => `o-${i}`);
    const c1 = await f.startRecordingConsumer('m1', { pool: f.newPool() });
    const c2 = await f.startRecordingConsumer('m2', { pool: f.newPool() });
    await eventually(() => Object.values(c1.assignments()).flat().length + Object.values(c2.assignments()).flat().length === 6);

    const r1 = await relay({ pool: f.newPool() });
    const r2 = await relay({ pool: f.newPool() });
    // Each order's versions are committed in sequence; orders interleave concurrently.
    await Promise.all(
      orders.map(async (o) => {
        for (let v = 1; v <= 10; v++) await f.commitEvent(o, v);
      }),
    );
    await eventually(() => r1.isLeader() || r2.isLeader());
    expect(r1.isLeader() && r2.isLeader()).toBe(false);

    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(200), { timeoutMs: 30_000 });
    expect(await f.count('SELECT count(*) AS n FROM out_of_order')).toBe(0);
    expect(await f.count('SELECT count(DISTINCT event_id) AS n FROM applied')).toBe(200);
    expect(await f.count("SELECT count(*) AS n FROM applied WHERE member = 'm1'")).toBeGreaterThan(0);
    expect(await f.count("SELECT count(*) AS n FROM applied WHERE member = 'm2'")).toBeGreaterThan(0);
    expect((await f.outcomes()).duplicate ?? 0).toBe(0);

    // The leader goes away: the standby takes over and keeps publishing.
    const [leader, standby] = r1.isLeader() ? [r1, r2] : [r2, r1];
    await leader.stop();
    await f.commitEvent('o-0', 11);
    await eventually(() => standby.isLeader(), { timeoutMs: 5_000 });
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(201));
    expect(await f.count('SELECT count(*) AS n FROM out_of_order')).toBe(0);
  });
});
