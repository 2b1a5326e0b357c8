import net from 'node:net';
import { ConfigResourceTypes } from 'kafkajs';
import { eventually } from '@foodmesh/testkit';
import { appendToOutbox, createPool, newEnvelope, startOutboxRelay, topicOf, withTransaction, type OutboxRelay } from '../src';
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

  /** Commits an OrderPlaced for `orderId` whose store name is `bytes` long. */
  async function commitLarge(orderId: string, bytes: number): Promise<string> {
    const env = newEnvelope({
      producer: f.service,
      orderId,
      aggregateVersion: 2,
      payload: { $case: 'orderPlaced', value: OrderPlaced.fromPartial({ orderId, storeName: 'x'.repeat(bytes) }) },
    });
    await withTransaction(f.pool, (tx) => appendToOutbox(tx, [env]));
    return env.eventId;
  }

  it('sets aside a row Kafka refuses for good (too large for its topic) and publishes the events after it', async () => {
    const admin = f.kafka.kafka.admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: f.kafka.topic(topicOf(f.service)), configEntries: [{ name: 'max.message.bytes', value: '20000' }] }],
    });
    await admin.disconnect();

    await f.commitEvent('o-1', 1);
    const refused = await commitLarge('o-1', 50_000);
    for (const o of ['o-2', 'o-3', 'o-4']) await f.commitEvent(o, 1);
    await relay();
    await f.startRecordingConsumer('m1');

    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(4));
    const { rows } = await f.pool.query<{ event_id: string; set_aside_reason: string }>(
      'SELECT event_id, set_aside_reason FROM outbox WHERE set_aside_at IS NOT NULL',
    );
    expect(rows).toEqual([{ event_id: refused, set_aside_reason: 'MESSAGE_TOO_LARGE' }]);
    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL')).toBe(0));
    await eventually(async () => expect((await f.metrics.outboxSetAside.get()).values[0]?.value).toBe(1));
    expect((await f.metrics.outboxBacklog.get()).values[0]?.value).toBe(0);
    expect((await f.metrics.outboxSetAsideTotal.get()).values).toEqual([
      expect.objectContaining({ value: 1, labels: { topic: topicOf(f.service), reason: 'MESSAGE_TOO_LARGE' } }),
    ]);
  });

  it('publishes in batches that fit, and sets aside without sending an event larger than KAFKA_MAX_MESSAGE_BYTES', async () => {
    // 40 events of ~3 KB each: 120 KB in all, far above the 16 KiB allowed per batch.
    for (let i = 0; i < 40; i++) await commitLarge(`o-${i % 4}`, 3000);
    const tooLarge = await commitLarge('o-9', 20_000);
    await f.commitEvent('o-9', 3);
    await relay({ publisher: await f.newKafka({ maxMessageBytes: 16 * 1024 }).createPublisher() });
    await f.startRecordingConsumer('m1');

    await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(41));
    const { rows } = await f.pool.query<{ event_id: string; set_aside_reason: string }>(
      'SELECT event_id, set_aside_reason FROM outbox WHERE set_aside_at IS NOT NULL',
    );
    expect(rows).toEqual([
      { event_id: tooLarge, set_aside_reason: expect.stringMatching(/^MESSAGE_TOO_LARGE: \d+ bytes, above KAFKA_MAX_MESSAGE_BYTES \(16384\)$/) },
    ]);
  });

  it('is fenced by its lock: a leader whose lock connection went silent (the server dropped it) publishes nothing beside the new leader', async () => {
    const proxy = await freezableProxy(new URL(f.databaseUrl));
    const viaProxy = new URL(f.databaseUrl);
    viaProxy.port = String(proxy.port);
    const oldPool = createPool({ connectionString: viaProxy.toString(), max: 3 });
    try {
      const old = await relay({ pool: oldPool });
      await eventually(() => old.isLeader());
      // The leader's lock connection goes silent both ways (a half-dead network), and the server drops its end.
      const { rows } = await f.pool.query<{ pid: number; client_port: number }>(
        "SELECT a.pid, a.client_port FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted",
      );
      expect(rows).toHaveLength(1);
      proxy.freeze(rows[0]!.client_port);
      await f.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      const successor = await relay({ pool: f.newPool() });
      await eventually(() => successor.isLeader());
      expect(old.isLeader()).toBe(true); // it does not know

      await f.startRecordingConsumer('m1');
      for (let i = 0; i < 10; i++) await f.commitEvent(`o-${i}`, 1);
      await eventually(async () => expect(await f.count('SELECT count(*) AS n FROM applied')).toBe(10));
      // The old leader polls every 200 ms: had it published through its other (working) connections, its copies would arrive now.
      await new Promise((r) => setTimeout(r, 2000));
      expect((await f.outcomes()).duplicate ?? 0).toBe(0);
      expect((await f.outcomes()).applied).toBe(10);
    } finally {
      proxy.close(); // its silent connection now fails, and the old relay can stop
      await Promise.allSettled(relays.splice(0).map((r) => r.stop()));
      await oldPool.end();
    }
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

/** A TCP proxy to PostgreSQL whose connections can go silent, as across a network that dropped them without a word. */
async function freezableProxy(target: URL) {
  const pairs: Array<{ client: net.Socket; upstream: net.Socket; frozen: boolean }> = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    const pair = { client, upstream, frozen: false };
    pairs.push(pair);
    client.on('data', (d) => !pair.frozen && upstream.write(d));
    upstream.on('data', (d) => !pair.frozen && client.write(d));
    const end = () => {
      if (pair.frozen) return;
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** Silences the connection whose upstream side uses `localPort` (PostgreSQL's client_port). */
    freeze(localPort: number) {
      const pair = pairs.find((p) => p.upstream.localPort === localPort);
      if (!pair) throw new Error(`no proxied connection from port ${localPort}`);
      pair.frozen = true;
    },
    close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      server.close();
    },
  };
}
