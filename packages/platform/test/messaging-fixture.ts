import { OrderPlaced } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import { freshDatabase, testKafka, testLogger, uniqueId } from '@foodmesh/testkit';
import {
  appendToOutbox,
  createPlatformMetrics,
  createPool,
  failedPrecondition,
  migrate,
  newEnvelope,
  startEventConsumer,
  topicOf,
  withTransaction,
  type EventConsumer,
  type EventHandlers,
  type KafkaConnection,
  type Pool,
} from '../src';

/**
 * A throwaway "service" for the kit's integration tests: its own database and
 * topic, a table where the consumer records what it applied, and the order
 * in which each order's versions arrived.
 */
export async function messagingFixture(name: string) {
  const service = uniqueId(`${name}-`);
  const logger = testLogger(service);
  const metrics = createPlatformMetrics(service);
  const databaseUrl = await freshDatabase(name);
  await migrate({ databaseUrl, logger });
  const pools: Pool[] = [];
  const newPool = () => {
    const p = createPool({ connectionString: databaseUrl, max: 5 });
    pools.push(p);
    return p;
  };
  const pool = newPool();
  await pool.query(`
    CREATE TABLE applied (event_id uuid PRIMARY KEY, order_id text NOT NULL, version int NOT NULL, member text NOT NULL, tx bigint NOT NULL DEFAULT txid_current());
    CREATE TABLE out_of_order (order_id text NOT NULL, expected int NOT NULL, got int NOT NULL);
    CREATE TABLE order_versions (order_id text PRIMARY KEY, version int NOT NULL);
    CREATE TABLE refused (order_id text PRIMARY KEY);`);
  const kafkas: KafkaConnection[] = [];
  const newKafka = (opts: { maxMessageBytes?: number } = {}) => {
    const k = testKafka({ clientId: service, ...opts });
    kafkas.push(k);
    return k;
  };
  const kafka = newKafka();
  await kafka.ensureTopics([topicOf(service)], 6);
  const consumers: EventConsumer[] = [];

  /** Commits one event for `orderId` at `version` through the outbox. */
  async function commitEvent(orderId: string, version: number): Promise<string> {
    const env = newEnvelope({
      producer: service,
      orderId,
      aggregateVersion: version,
      payload: { $case: 'orderPlaced', value: OrderPlaced.fromPartial({ orderId, customerId: 'c-1', storeId: 's-1' }) },
    });
    await withTransaction(pool, (tx) => appendToOutbox(tx, [env]));
    return env.eventId;
  }

  /**
   * Handlers that record each applied event (as `member`) and flag any version that skips ahead
   * or goes back; an order in `refused` is refused by the "domain" (parked).
   */
  const recordingHandlers = (member: string, slowMs?: number): EventHandlers => ({
    orderPlaced: async (_p, env, tx) => {
      if ((await tx.query('SELECT 1 FROM refused WHERE order_id = $1', [env.orderId])).rowCount) {
        throw failedPrecondition(`order ${env.orderId} is refused (test)`);
      }
      inFlight.now++;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      try {
        if (slowMs) await new Promise((r) => setTimeout(r, slowMs));
        const { rows } = await tx.query<{ version: number }>('SELECT version FROM order_versions WHERE order_id = $1', [env.orderId]);
        const expected = (rows[0]?.version ?? 0) + 1;
        if (env.aggregateVersion !== expected) {
          await tx.query('INSERT INTO out_of_order VALUES ($1, $2, $3)', [env.orderId, expected, env.aggregateVersion]);
        }
        await tx.query('INSERT INTO order_versions VALUES ($1, $2) ON CONFLICT (order_id) DO UPDATE SET version = EXCLUDED.version', [
          env.orderId,
          env.aggregateVersion,
        ]);
        await tx.query('INSERT INTO applied (event_id, order_id, version, member) VALUES ($1, $2, $3, $4)', [
          env.eventId,
          env.orderId,
          env.aggregateVersion,
          member,
        ]);
      } finally {
        inFlight.now--;
      }
    },
  });

  /** A consumer that records each applied event and flags any version that skips ahead or goes back. */
  async function startRecordingConsumer(
    member: string,
    opts: {
      groupId?: string;
      pool?: Pool;
      slowMs?: number;
      partitionsConcurrently?: number;
      eventsPerTransaction?: number;
      onMembership?: (joined: boolean) => void;
    } = {},
  ) {
    const c = await startEventConsumer({
      partitionsConcurrently: opts.partitionsConcurrently,
      eventsPerTransaction: opts.eventsPerTransaction ?? 100,
      onMembership: opts.onMembership,
      consumer: 'recorder',
      groupId: opts.groupId ?? `${service}-recorder`,
      topics: [topicOf(service)],
      kafka: newKafka(),
      pool: opts.pool ?? pool,
      logger,
      metrics,
      handlers: recordingHandlers(member, opts.slowMs),
    });
    consumers.push(c);
    return c;
  }

  /** Handlers of the recording consumers running right now, and the most ever at once. */
  const inFlight = { now: 0, max: 0 };

  const count = async (sql: string, params: unknown[] = []) => Number((await pool.query(sql, params)).rows[0].n);

  /** How many times the consumer saw events with each outcome (applied, duplicate, parked…). */
  async function outcomes(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const v of (await metrics.eventsConsumed.get()).values) out[String(v.labels.outcome)] = (out[String(v.labels.outcome)] ?? 0) + v.value;
    return out;
  }

  async function close() {
    await Promise.allSettled(consumers.map((c) => c.stop()));
    await Promise.allSettled(kafkas.map((k) => k.close()));
    await Promise.allSettled(pools.map((p) => p.end()));
  }

  return {
    service,
    logger,
    metrics,
    databaseUrl,
    pool,
    newPool,
    handlers: recordingHandlers,
    kafka,
    newKafka,
    commitEvent,
    startRecordingConsumer,
    inFlight,
    count,
    outcomes,
    close,
  };
}
export type MessagingFixture = Awaited<ReturnType<typeof messagingFixture>>;
