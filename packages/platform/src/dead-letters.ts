import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { notFound } from './errors';
import { decodeMessage, isPermanentFailure, type ApplyOutcome } from './inbox';
import type { Logger } from './logger';
import type { Page } from './paging';
import type { Pool } from './pg';

/**
 * Dead letters: messages a consumer can never apply as they are (not an event, an unknown type,
 * refused by the domain), parked in `dead_letters` so the partition goes on. Nothing is parked for
 * a transient failure (consumer.ts retries those). Operators list and replay them
 * (`npm run dead-letters`, DeadLetterAdminService); a replay goes through the consumer's inbox, so
 * it applies an event at most once however often it is replayed.
 */
export interface ParkedMessage {
  consumer: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  error: string;
  eventId?: string;
  eventType?: string;
}

export interface DeadLetter {
  id: number;
  consumer: string;
  topic: string;
  partition: number;
  offset: number;
  eventId: string;
  eventType: string;
  key: string;
  error: string;
  parkedAt: Date;
  replays: number;
}

export type ReplayOutcome = ApplyOutcome | 'still-parked' | 'retry-later';
export interface ReplayResult {
  id: number;
  outcome: ReplayOutcome;
  error?: string;
}

/** How a replay applies one event for a consumer: the consumer's own inbox applier. */
export type ConsumerApplier = (env: EventEnvelope) => Promise<ApplyOutcome>;

const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parks a message (once per consumer, topic, partition and offset). */
export async function parkMessage(pool: Pool, m: ParkedMessage): Promise<void> {
  await pool.query(
    `INSERT INTO dead_letters (consumer, topic, kafka_partition, kafka_offset, message_key, payload, headers, error, event_id, event_type)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
    [
      m.consumer,
      m.topic,
      m.partition,
      m.offset,
      m.key,
      m.value,
      JSON.stringify(m.headers),
      m.error,
      m.eventId && EVENT_ID.test(m.eventId) ? m.eventId : null,
      m.eventType ?? null,
    ],
  );
}

interface Row {
  id: number;
  consumer: string;
  topic: string;
  kafka_partition: number;
  kafka_offset: number;
  event_id: string | null;
  event_type: string | null;
  message_key: string | null;
  error: string;
  created_at: Date;
  replays: number;
}

const toDeadLetter = (r: Row): DeadLetter => ({
  id: r.id,
  consumer: r.consumer,
  topic: r.topic,
  partition: r.kafka_partition,
  offset: r.kafka_offset,
  eventId: r.event_id ?? '',
  eventType: r.event_type ?? '',
  key: r.message_key ?? '',
  error: r.error,
  parkedAt: r.created_at,
  replays: r.replays,
});

/** Unresolved dead letters, oldest first (`page.limit + 1` rows, see pageOf), and how many there are. */
export async function listDeadLetters(pool: Pool, page: Page): Promise<{ rows: DeadLetter[]; total: number }> {
  const [{ rows }, count] = await Promise.all([
    pool.query<Row>(
      `SELECT id, consumer, topic, kafka_partition, kafka_offset, event_id, event_type, message_key, error, created_at, replays
       FROM dead_letters WHERE resolved_at IS NULL ORDER BY id LIMIT $1 OFFSET $2`,
      [page.limit + 1, page.offset],
    ),
    countDeadLetters(pool),
  ]);
  return { rows: rows.map(toDeadLetter), total: count };
}

export async function countDeadLetters(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters WHERE resolved_at IS NULL');
  return rows[0]!.n;
}

/**
 * Replays dead letters through their consumers' appliers. A message that applies, was applied
 * before (inbox) or is no longer handled is resolved; one refused again keeps its place with the
 * new reason; a transient failure changes nothing and is reported `retry-later`.
 */
export function deadLetterReplayer(opts: { pool: Pool; appliers: ReadonlyMap<string, ConsumerApplier>; logger: Logger }) {
  const log = opts.logger.child({ component: 'dead-letters' });

  async function replayOne(id: number): Promise<ReplayResult> {
    const { rows } = await opts.pool.query<{ consumer: string; payload: Buffer | null; headers: Record<string, string> }>(
      'SELECT consumer, payload, headers FROM dead_letters WHERE id = $1',
      [id],
    );
    const row = rows[0];
    if (!row) throw notFound(`this service has no dead letter ${id}`, 'DEAD_LETTER_NOT_FOUND');
    const settle = async (result: ReplayResult) => {
      await opts.pool.query(
        `UPDATE dead_letters SET replays = replays + 1, last_replayed_at = now(),
           resolved_at = CASE WHEN $2::text IS NULL THEN now() ELSE NULL END, resolution = $3, error = COALESCE($2, error)
         WHERE id = $1`,
        [id, result.outcome === 'still-parked' ? result.error : null, result.outcome],
      );
      log.info({ id, consumer: row.consumer, outcome: result.outcome, error: result.error }, 'dead letter replayed');
      return result;
    };
    const apply = opts.appliers.get(row.consumer);
    if (!apply) return settle({ id, outcome: 'still-parked', error: `no consumer "${row.consumer}" runs in this service` });
    const decoded = decodeMessage(row.payload, row.headers);
    if ('unusable' in decoded) return settle({ id, outcome: 'still-parked', error: decoded.unusable });
    try {
      return await settle({ id, outcome: await apply(decoded.env) });
    } catch (err) {
      const error = `${decoded.env.type} ${decoded.env.eventId}: ${(err as Error).message}`;
      if (isPermanentFailure(err)) return settle({ id, outcome: 'still-parked', error });
      log.warn({ id, err }, 'a dead letter could not be replayed now');
      return { id, outcome: 'retry-later', error: (err as Error).message };
    }
  }

  return {
    /** Replays the given ids in order. */
    async replay(ids: number[]): Promise<ReplayResult[]> {
      const results: ReplayResult[] = [];
      for (const id of ids) results.push(await replayOne(id));
      return results;
    },
    /** Replays every unresolved dead letter, oldest first. */
    async replayAll(): Promise<ReplayResult[]> {
      const { rows } = await opts.pool.query<{ id: number }>('SELECT id FROM dead_letters WHERE resolved_at IS NULL ORDER BY id');
      return this.replay(rows.map((r) => r.id));
    },
  };
}
export type DeadLetterReplayer = ReturnType<typeof deadLetterReplayer>;
