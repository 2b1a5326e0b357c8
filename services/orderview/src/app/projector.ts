import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { Tx } from '@foodmesh/platform';
import { factOf } from '../domain/facts';
import { compareFacts, foldView } from '../domain/order-view';
import type { ViewStore } from './ports';

export interface Projector {
  /** Applies one event to its order's view inside the consumer's inbox transaction. */
  apply(env: EventEnvelope, tx: Tx): Promise<void>;
}

/**
 * Event → view change: lock the order's row, add the event's fact, fold all of
 * them into the view. `observeLag` gets occurred_at → applied, in seconds
 * (live consumption only: a replay's old events would swamp the histogram).
 */
export function createProjector(deps: { views: ViewStore; observeLag?: (seconds: number) => void; now?: () => number }): Projector {
  const now = deps.now ?? Date.now;
  return {
    async apply(env, tx) {
      const fact = factOf(env);
      if (!fact) return;
      const facts = await deps.views.lockFacts(tx, env.orderId);
      if (facts.some((f) => f.eventId === fact.eventId)) return;
      // Kept in canonical order, so the stored row too is independent of arrival order.
      const all = [...facts, fact].sort(compareFacts);
      await deps.views.save(tx, foldView(env.orderId, all), all);
      if (env.occurredAt) deps.observeLag?.(Math.max(0, now() - env.occurredAt.getTime()) / 1000);
    },
  };
}
