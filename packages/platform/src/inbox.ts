import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { isDomainError } from './errors';
import { decodeEnvelope, type EventCase, type PayloadOf } from './events';
import { withTransaction, type Pool, type Tx } from './pg';

/** A handler per event kind it cares about; runs inside the inbox transaction. */
export type EventHandlers = {
  [C in EventCase]?: (payload: PayloadOf<C>, envelope: EventEnvelope, tx: Tx) => Promise<void>;
};

/** What became of an event: applied now, applied before (the inbox has it), or not an event this consumer handles. */
export type ApplyOutcome = 'applied' | 'duplicate' | 'ignored';

/** A message's bytes as an envelope, or why they can never be one (then the message is parked). */
export type Decoded = { env: EventEnvelope } | { unusable: string; type: string };

export function decodeMessage(value: Buffer | null | undefined, headers: Record<string, string>): Decoded {
  let env: EventEnvelope;
  try {
    if (!value) throw new Error('empty message value');
    env = decodeEnvelope(value);
    if (!env.eventId) throw new Error('envelope has no event_id');
  } catch (err) {
    return { unusable: `undecodable: ${(err as Error).message}`, type: 'undecodable' };
  }
  if (!env.payload) return { unusable: `unknown event type "${env.type || headers['event-type'] || '?'}"`, type: env.type || 'unknown' };
  return { env };
}

/**
 * Whether a handler's failure means the event can never apply as it is (the domain refused it),
 * so it is parked. Anything else (a lock or statement timeout, a serialization failure, a dropped
 * connection, the database down) is transient: the event is tried again until it applies.
 */
export const isPermanentFailure = (err: unknown): boolean => isDomainError(err);

/**
 * Each event its own inbox transaction by default. Several to a transaction saved PostgreSQL CPU
 * (`npm run loadtest -- cpu`, 1 vs 20: 87 → 58 ms per order), but a transaction holds the row locks
 * of all its orders until it commits, and a command on any of them waits: in order-flow on the
 * overloaded machine, order's PayOrder p50 860 ms with 1, 3.2 s with 20 (docs/performance.md).
 * Worth it only where handlers lock nothing commands need (projections), so it is a setting.
 */
export const DEFAULT_EVENTS_PER_TRANSACTION = 1;
/**
 * A projection's batch (orderview's view, notification's queue): its handlers only record, no
 * command waits on their rows, so its events share transactions and a backlog drains in fewer
 * round trips. A single event still goes at once.
 */
export const PROJECTION_EVENTS_PER_TRANSACTION = 50;

type Handler = (payload: unknown, envelope: EventEnvelope, tx: Tx) => Promise<void>;

/** Runs one event's handler (e.g. inside that event's span). */
export type AroundHandler = (env: EventEnvelope, run: () => Promise<void>) => Promise<void>;

/**
 * Applies events effectively once for `consumer`: the inbox row and the handler's state change
 * commit in one transaction, so an event delivered again (a redelivery, a replayed dead letter)
 * is a `duplicate`. The live consumer and dead-letter replays go through the same applier.
 */
export function inboxApplier(opts: { consumer: string; handlers: EventHandlers; pool: Pool }): (env: EventEnvelope) => Promise<ApplyOutcome> {
  const applyAll = inboxBatchApplier(opts);
  return async (env) => (await applyAll([env]))[0]!;
}

/**
 * Applies several events in one transaction, in their order: one multi-row inbox insert (the
 * events it already has are duplicates), each new event's handler, one COMMIT. All or nothing:
 * any failure rolls every one of them back and rejects (the consumer then applies them one by one
 * to find the one that failed).
 */
export function inboxBatchApplier(opts: { consumer: string; handlers: EventHandlers; pool: Pool }) {
  const handlerOf = (env: EventEnvelope) => opts.handlers[env.payload!.$case] as Handler | undefined;
  return async (envs: EventEnvelope[], around: AroundHandler = (_env, run) => run()): Promise<ApplyOutcome[]> => {
    const handled = envs.filter((env) => handlerOf(env));
    if (handled.length === 0) return envs.map(() => 'ignored');
    return withTransaction(opts.pool, async (tx) => {
      const { rows } = await tx.query<{ event_id: string }>(
        'INSERT INTO inbox (consumer, event_id, event_type) SELECT $1, * FROM unnest($2::uuid[], $3::text[]) ON CONFLICT DO NOTHING RETURNING event_id',
        [opts.consumer, handled.map((env) => env.eventId), handled.map((env) => env.type)],
      );
      // An event twice in one batch (a relay republishing) is inserted, so applied, once.
      const fresh = new Set(rows.map((r) => r.event_id));
      const outcomes: ApplyOutcome[] = [];
      for (const env of envs) {
        const handler = handlerOf(env);
        if (!handler) outcomes.push('ignored');
        else if (!fresh.delete(env.eventId.toLowerCase())) outcomes.push('duplicate');
        else {
          await around(env, () => handler(env.payload!.value, env, tx));
          outcomes.push('applied');
        }
      }
      return outcomes;
    });
  };
}
