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
 * Applies events effectively once for `consumer`: the inbox row and the handler's state change
 * commit in one transaction, so an event delivered again (a redelivery, a replayed dead letter)
 * is a `duplicate`. The live consumer and dead-letter replays go through the same applier.
 */
export function inboxApplier(opts: { consumer: string; handlers: EventHandlers; pool: Pool }): (env: EventEnvelope) => Promise<ApplyOutcome> {
  return async (env) => {
    const payload = env.payload!;
    const handler = opts.handlers[payload.$case] as ((p: unknown, e: EventEnvelope, tx: Tx) => Promise<void>) | undefined;
    if (!handler) return 'ignored';
    return withTransaction(opts.pool, async (tx) => {
      const inserted = await tx.query('INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        opts.consumer,
        env.eventId,
        env.type,
      ]);
      if (inserted.rowCount === 0) return 'duplicate';
      await handler(payload.value, env, tx);
      return 'applied';
    });
  };
}
