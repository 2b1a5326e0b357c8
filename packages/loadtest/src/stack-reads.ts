import pg from 'pg';
import type { StackHandle } from '@foodmesh/local-infra';
import { connectKafka, createLogger, outboxRelayLockKey } from '@foodmesh/platform';
import type { BooksInput } from './books';

type Query = <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;

/**
 * Runs `fn` in a read-only session (default_transaction_read_only) inside one REPEATABLE READ
 * READ ONLY transaction: one consistent snapshot of the database, and no write can happen.
 */
export async function readOnly<T>(url: string, fn: (q: Query) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'loadtest-books', options: '-c default_transaction_read_only=on' });
  await client.connect();
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const result = await fn(async (sql, params) => (await client.query(sql, params)).rows);
    await client.query('COMMIT');
    return result;
  } finally {
    await client.end();
  }
}

/** The databases of the stack's services, by service name. */
export type Databases = Record<string, string>;

const need = (dbs: Databases, service: string) => {
  const url = dbs[service];
  if (!url) throw new Error(`the books need the ${service} service's database, which the stack does not name`);
  return url;
};

export async function readBooks(dbs: Databases): Promise<BooksInput> {
  const [orders, views, payments, platform] = await Promise.all([
    readOnly(need(dbs, 'order'), (q) => q<{ order_id: string; status: string; total_units: string }>('SELECT order_id, status, total_units FROM orders')),
    readOnly(need(dbs, 'orderview'), (q) => q<{ order_id: string; status: string | null }>('SELECT order_id, status FROM order_view')),
    readOnly(need(dbs, 'payment'), (q) =>
      q<{ payment_id: string; order_id: string; status: 'APPROVED' | 'DECLINED' | 'REFUNDED'; amount_units: string }>(
        'SELECT payment_id, order_id, status, amount_units FROM payments',
      ),
    ),
    Promise.all(
      Object.entries(dbs).map(async ([service, url]) =>
        readOnly(url, async (q) => ({
          service,
          unpublished: Number((await q<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL'))[0]!.n),
          deadLetters: await q<{ consumer: string; topic: string; kafka_partition: number; kafka_offset: string; error: string }>(
            'SELECT consumer, topic, kafka_partition, kafka_offset, error FROM dead_letters ORDER BY id',
          ),
        })),
      ),
    ),
  ]);
  return {
    orders: orders.map((o) => ({ orderId: o.order_id, status: o.status, totalUnits: Number(o.total_units) })),
    views: views.map((v) => ({ orderId: v.order_id, status: v.status })),
    payments: payments.map((p) => ({ paymentId: p.payment_id, orderId: p.order_id, status: p.status, amountUnits: Number(p.amount_units) })),
    unpublished: Object.fromEntries(platform.map((p) => [p.service, p.unpublished])),
    deadLetters: platform.flatMap((p) =>
      p.deadLetters.map((d) => ({
        service: p.service,
        consumer: d.consumer,
        topic: d.topic,
        partition: d.kafka_partition,
        offset: String(d.kafka_offset),
        error: d.error,
      })),
    ),
  };
}

/** Orders created since `since` (the order database's clock), by status. */
export const runOrders = (orderDb: string, since: Date) =>
  readOnly(orderDb, async (q) =>
    Object.fromEntries(
      (await q<{ status: string; n: string }>('SELECT status, count(*) AS n FROM orders WHERE created_at >= $1 GROUP BY status', [since])).map((r) => [
        r.status,
        Number(r.n),
      ]),
    ),
  );

export const databaseNow = (url: string) => readOnly(url, async (q) => (await q<{ now: Date }>('SELECT now() AS now'))[0]!.now);

/** Sessions holding each service's outbox relay lock (pg_locks keeps a bigint key as classid:objid). */
export const relayLeaders = async (dbs: Databases): Promise<Record<string, number>> =>
  Object.fromEntries(
    await Promise.all(
      Object.entries(dbs).map(async ([service, url]) => {
        const key = BigInt.asUintN(64, outboxRelayLockKey(service));
        const rows = await readOnly(url, (q) =>
          q<{ n: string }>(
            `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 1
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
            [String(key >> 32n), String(key & 0xffffffffn)],
          ),
        );
        return [service, Number(rows[0]!.n)] as const;
      }),
    ),
  );

/** Unpublished outbox rows and consumer-group lag of the stack, to wait until it has drained. */
export async function backlog(dbs: Databases, kafka: StackHandle['kafka']): Promise<{ unpublished: number; consumerLag: number }> {
  const unpublished = (
    await Promise.all(
      Object.values(dbs).map((url) =>
        readOnly(url, async (q) => Number((await q<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL'))[0]!.n)),
      ),
    )
  ).reduce((a, b) => a + b, 0);
  const admin = connectKafka({ ...kafka, clientId: 'loadtest-drain', logger: createLogger({ service: 'loadtest-drain', level: 'error' }) }).kafka.admin();
  await admin.connect();
  try {
    let consumerLag = 0;
    const ends = new Map<string, Map<number, number>>();
    for (const service of Object.keys(dbs)) {
      const groupId = `${kafka.namespace}${service}`;
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
        if (!ends.has(topic)) ends.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)])));
        for (const p of partitions) {
          const end = ends.get(topic)!.get(p.partition) ?? 0;
          const at = Number(p.offset);
          consumerLag += Math.max(0, end - (at < 0 ? 0 : at));
        }
      }
    }
    return { unpublished, consumerLag };
  } finally {
    await admin.disconnect();
  }
}
