import { context, SpanKind, SpanStatusCode, trace, type Link } from '@opentelemetry/api';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { topicOf } from './event-catalogue';
import { toMessage } from './events';
import { MessagesRejected, type MessagePublisher } from './kafka';
import type { Logger } from './logger';
import type { PlatformMetrics } from './metrics';
import type { PoolClient } from 'pg';
import type { Pool, Tx } from './pg';
import { EVENT_TYPE, MESSAGING, messagingSpan, ORDER_ID } from './semconv';
import { extractTraceContext, getTracer, injectTraceContext } from './telemetry';

const CHANNEL = 'foodmesh_outbox';

/**
 * Writes events into the outbox inside the caller's transaction. They are
 * published only if that transaction commits; NOTIFY is delivered on commit too,
 * waking the relay at once.
 */
export async function appendToOutbox(tx: Tx, envelopes: EventEnvelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  const values: unknown[] = [];
  const rows = envelopes.map((env, i) => {
    const m = toMessage(withCreationContext(env));
    values.push(env.eventId, m.topic, m.key, env.type, m.value, JSON.stringify(m.headers));
    const b = i * 6;
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`;
  });
  // One round trip: the insert and the NOTIFY (sent on commit) in one statement.
  await tx.query(
    `WITH appended AS (INSERT INTO outbox (event_id, topic, message_key, event_type, payload, headers) VALUES ${rows.join(', ')}) SELECT pg_notify('${CHANNEL}', '')`,
    values,
  );
}

/**
 * Each event gets its own `create` span, a child of the command that caused it, and carries that
 * span's context (envelope and Kafka headers): consumers continue the trace from it however much
 * later the relay publishes it (the messaging conventions' "creation context").
 */
function withCreationContext(env: EventEnvelope): EventEnvelope {
  const { name, attributes } = messagingSpan('create', topicOf(env.producer), {
    [MESSAGING.MESSAGE_ID]: env.eventId,
    [MESSAGING.KAFKA_KEY]: env.orderId || env.aggregateId,
    ...(env.orderId ? { [ORDER_ID]: env.orderId } : {}),
    [EVENT_TYPE]: env.type,
  });
  const span = getTracer(env.producer).startSpan(name, { kind: SpanKind.PRODUCER, attributes });
  span.end();
  return { ...env, traceContext: injectTraceContext(trace.setSpan(context.active(), span)) };
}

/** Stable 64-bit advisory lock key per service: one active relay per service (its holder is the leader). */
export function outboxRelayLockKey(service: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const ch of Buffer.from(`outbox-relay:${service}`)) h = BigInt.asIntN(64, (h ^ BigInt(ch)) * 0x100000001b3n);
  return h;
}

/**
 * While the relay is busy (its last wake-up found rows and more commits woke it meanwhile), it waits
 * this long before the next read, so the events of several transactions go in one produce and one
 * UPDATE. A wake-up after a quiet spell reads at once.
 */
const BUSY_LINGER_MS = 5;
/**
 * A publish failure is a warning until publishing has failed this long: a broker restart, a
 * leader election or a starved database connection clears within seconds and the rows simply
 * wait; an error log means someone should look (the oldest-pending gauge says the same).
 */
const FAILING_IS_AN_ERROR_AFTER_MS = 30_000;

export interface OutboxRelayOptions {
  service: string;
  pool: Pool;
  publisher: MessagePublisher;
  logger: Logger;
  metrics?: PlatformMetrics;
  /** Polling fallback for a missed NOTIFY and for a standby trying to become leader; also how often the backlog gauges are refreshed. */
  pollMs?: number;
  batchSize?: number;
  /** Test seam: runs after publishing a batch and before marking it sent. */
  afterPublish?: (eventIds: string[]) => Promise<void>;
}

export interface OutboxRelay {
  /** Whether this replica holds the service's relay lock. */
  isLeader(): boolean;
  /** Publishes everything pending now (leader only); resolves when the outbox is drained. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Publishes committed outbox rows in id order. Replicas of a service compete for
 * a session-level advisory lock; only the holder publishes, and only through the
 * connection holding it, so one order's events are never doubled or reordered by
 * two relays. A crash between publish and mark-sent republishes the batch:
 * consumers' inboxes absorb the duplicate. A row Kafka refuses for good (larger
 * than a message may be, or invalid) is set aside, counted and logged, and the
 * rows after it are published: one bad event never blocks a service's outbox.
 */
export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const pollMs = opts.pollMs ?? 1000;
  const batchSize = opts.batchSize ?? 200;
  const log = opts.logger.child({ component: 'outbox-relay' });
  const key = outboxRelayLockKey(opts.service).toString();
  let leaderClient: PoolClient | undefined;
  let releaseLeader: ((err?: Error) => void) | undefined;
  let stopped = false;
  let running: Promise<number> | undefined;
  let again = false;
  let failingSince: number | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function tryLead(): Promise<void> {
    if (leaderClient || stopped) return;
    const client = await opts.pool.connect();
    // Our own error handler while the client is out of the pool (a checked-out client has
    // none, and an unhandled 'error' event would crash the process); removed on release,
    // which happens exactly once however many errors or stops arrive.
    let released = false;
    const onError = (err: Error) => {
      if (leaderClient === client) {
        log.warn({ err }, 'lost the relay connection; will try to lead again');
        leaderClient = undefined;
      }
      release(err);
    };
    const release = (err?: Error) => {
      if (released) return;
      released = true;
      client.off('error', onError);
      client.removeAllListeners('notification');
      client.release(err);
    };
    client.on('error', onError);
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
      if (!rows[0]?.ok) {
        release();
        return;
      }
      client.on('notification', () => void kick());
      await client.query(`LISTEN ${CHANNEL}`);
      leaderClient = client;
      releaseLeader = release;
      log.info('this replica is the outbox relay leader');
    } catch (err) {
      release(err as Error);
      throw err;
    }
  }

  interface Row {
    id: number;
    event_id: string;
    topic: string;
    message_key: string;
    payload: Buffer;
    headers: Record<string, string>;
  }
  const message = (r: Row) => ({ topic: r.topic, key: r.message_key, value: r.payload, headers: r.headers });

  /** Sets a row Kafka refuses for good aside: it stays in the table, out of the relay's way (outbox_set_aside alerts). */
  async function setAside(client: PoolClient, r: Row, reason: string): Promise<void> {
    await client.query('UPDATE outbox SET set_aside_at = now(), set_aside_reason = $2 WHERE id = $1', [r.id, reason]);
    opts.metrics?.outboxSetAsideTotal.inc({ topic: r.topic, reason: reason.split(' ')[0]! });
    log.error({ event_id: r.event_id, topic: r.topic, bytes: r.payload.length, reason }, 'Kafka refuses this event for good: set aside, later events go on');
  }

  async function markSent(client: PoolClient, rows: Row[]): Promise<void> {
    await client.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
    for (const r of rows) opts.metrics?.eventsPublished.inc({ topic: r.topic });
  }

  /** Publishes rows and marks them sent; rows the broker refuses for good are found one by one and set aside. */
  async function publishChunk(client: PoolClient, chunk: Row[]): Promise<void> {
    try {
      await sendSpan(opts.service, chunk, () => opts.publisher.publish(chunk.map(message)));
    } catch (err) {
      if (!(err instanceof MessagesRejected)) throw err;
      if (chunk.length === 1) return setAside(client, chunk[0]!, err.reason);
      for (const r of chunk) await publishChunk(client, [r]);
      return;
    }
    await opts.afterPublish?.(chunk.map((r) => r.event_id));
    await markSent(client, chunk);
  }

  /**
   * One batch, entirely on the connection that holds the relay's lock: a leader whose session is
   * gone (and whose lock another replica may hold by now) cannot read or mark rows, so it cannot
   * publish beside the new leader.
   */
  async function publishBatch(client: PoolClient): Promise<number> {
    const { rows } = await client.query<Row>(
      'SELECT id, event_id, topic, message_key, payload, headers FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL ORDER BY id LIMIT $1',
      [batchSize],
    );
    for (const chunk of chunksOf(rows, opts.publisher.maxMessageBytes)) {
      if (chunk.tooLarge)
        await setAside(client, chunk.rows[0]!, `MESSAGE_TOO_LARGE: ${chunk.bytes} bytes, above KAFKA_MAX_MESSAGE_BYTES (${opts.publisher.maxMessageBytes})`);
      else await publishChunk(client, chunk.rows);
    }
    if (rows.length) log.debug({ count: rows.length, lastId: rows[rows.length - 1]!.id }, 'published outbox batch');
    return rows.length;
  }

  async function drainOnce(): Promise<number> {
    await tryLead();
    const client = leaderClient;
    if (!client) return 0;
    let total = 0;
    for (;;) {
      const n = await publishBatch(client);
      total += n;
      if (n < batchSize) break;
    }
    return total;
  }

  /** The backlog gauges (the leader's view), on the poll's beat rather than on every wake-up: they also move while publishing fails. */
  async function reportBacklog(): Promise<void> {
    const client = leaderClient;
    if (!client || !opts.metrics) return;
    const { rows } = await client.query<{ n: number; age: number | null; aside: number }>(
      `SELECT count(*) FILTER (WHERE set_aside_at IS NULL)::int AS n,
              EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE set_aside_at IS NULL))::float8 AS age,
              count(*) FILTER (WHERE set_aside_at IS NOT NULL)::int AS aside
       FROM outbox WHERE published_at IS NULL`,
    );
    opts.metrics.outboxBacklog.set(rows[0]?.n ?? 0);
    opts.metrics.outboxOldestAge.set(rows[0]?.age ?? 0);
    opts.metrics.outboxSetAside.set(rows[0]?.aside ?? 0);
  }

  /** Coalesces wake-ups: at most one drain runs, and one more follows if kicked meanwhile. */
  function kick(): Promise<number> {
    if (stopped) return Promise.resolve(0);
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        try {
          const n = await drainOnce();
          total += n;
          if (failingSince !== undefined) {
            log.info({ failed_for_ms: Date.now() - failingSince }, 'outbox publishing again');
            failingSince = undefined;
          }
          if (n > 0 && again) await new Promise((r) => setTimeout(r, BUSY_LINGER_MS));
        } catch (err) {
          failingSince ??= Date.now();
          const failingForMs = Date.now() - failingSince;
          const level = failingForMs >= FAILING_IS_AN_ERROR_AFTER_MS ? 'error' : 'warn';
          log[level]({ err, failing_for_ms: failingForMs }, 'outbox publish failed; rows stay pending and will be retried');
          break;
        }
      } while (again && !stopped);
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  const tick = () => {
    timer = setTimeout(async () => {
      await kick();
      await reportBacklog().catch((err: unknown) => log.warn({ err }, 'could not read the outbox backlog'));
      if (!stopped) tick();
    }, pollMs);
  };
  void kick().then(() => !stopped && tick());

  return {
    isLeader: () => leaderClient !== undefined,
    async drain() {
      let total = await kick();
      total += await kick();
      await reportBacklog();
      return total;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
      if (leaderClient) {
        const c = leaderClient;
        leaderClient = undefined;
        await c.query('UNLISTEN *').catch(() => undefined);
        await c.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
        releaseLeader?.();
      }
    },
  };
}

/** Approximate bytes a message adds to a record batch: key, value, headers and the record's own fields. */
const recordBytes = (r: { message_key: string; payload: Buffer; headers: Record<string, string> }) =>
  Buffer.byteLength(r.message_key) +
  r.payload.length +
  Object.entries(r.headers).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v) + 8, 0) +
  32;
/** A record batch's own header, and room to spare. */
const BATCH_OVERHEAD = 1024;

/**
 * Rows in order, cut into chunks whose record batches fit in `maxBytes` (kafkajs puts one
 * partition's messages into one batch, which the broker refuses whole when it is too large); a
 * row too large on its own is a chunk of its own, marked so.
 */
export function chunksOf<R extends { message_key: string; payload: Buffer; headers: Record<string, string> }>(rows: R[], maxBytes: number) {
  const chunks: Array<{ rows: R[]; bytes: number; tooLarge: boolean }> = [];
  let current: { rows: R[]; bytes: number; tooLarge: boolean } | undefined;
  for (const r of rows) {
    const bytes = recordBytes(r);
    if (bytes + BATCH_OVERHEAD > maxBytes) {
      current = undefined;
      chunks.push({ rows: [r], bytes, tooLarge: true });
      continue;
    }
    if (!current || current.bytes + bytes + BATCH_OVERHEAD > maxBytes) {
      current = { rows: [], bytes: 0, tooLarge: false };
      chunks.push(current);
    }
    current.rows.push(r);
    current.bytes += bytes;
  }
  return chunks;
}

/**
 * The relay's `send` span for one published batch: a trace of its own (the relay is not part of
 * any one command), linked to the creation context of every event in it.
 */
async function sendSpan(service: string, rows: Array<{ topic: string; headers: Record<string, string> }>, send: () => Promise<void>): Promise<void> {
  const topics = [...new Set(rows.map((r) => r.topic))];
  const links: Link[] = rows
    .map((r) => trace.getSpanContext(extractTraceContext(r.headers)))
    .filter((c) => c !== undefined)
    .map((c) => ({ context: c }));
  const { name, attributes } = messagingSpan('send', topics.length === 1 ? topics[0]! : 'outbox', { [MESSAGING.BATCH_COUNT]: rows.length });
  const span = getTracer(service).startSpan(name, { kind: SpanKind.PRODUCER, attributes, links, root: true });
  try {
    await send();
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}

/** Deletes published rows older than `olderThanHours`; run periodically by the runtime. */
export async function pruneOutbox(pool: Pool, olderThanHours = 24): Promise<number> {
  const res = await pool.query(`DELETE FROM outbox WHERE published_at < now() - make_interval(hours => $1)`, [olderThanHours]);
  return res.rowCount ?? 0;
}
