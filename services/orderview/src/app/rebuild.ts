import { failedPrecondition, type Pool, type Tx } from '@foodmesh/platform';
import type { ViewFact } from '../domain/facts';
import { compareFacts, foldView } from '../domain/order-view';
import type { RebuildTables, ViewStore } from './ports';

/** Replays every retained event from offset zero into the rebuild's projection; resolves with the count once caught up. */
export type ReplayFromStart = (signal?: AbortSignal) => Promise<number>;

// One rebuild at a time across replicas: a session-level advisory lock.
const REBUILD_LOCK = 0x0f0de0e1;
const MERGE_PAGE = 500;

export interface RebuildResult {
  eventsReplayed: number;
  orderCount: number;
  /** Orders the replay did not find (their events past the topics' retention), kept as the live view had them. */
  ordersKept: number;
}

/**
 * RebuildView, without ever showing or losing less than the live view: replay every topic from
 * offset zero into a rebuild table (the live view serves and follows events meanwhile), then swap.
 * Before the swap, each live order's facts join the rebuilt ones (both are sets of events, folded
 * by the same pure projection): events the live consumer applied during the replay are kept, and
 * so is an order whose events the topics no longer hold.
 */
export function createRebuild(deps: { pool: Pool; live: ViewStore; rebuilt: ViewStore; tables: RebuildTables; replay: ReplayFromStart }) {
  /** Completes the rebuild table from the live view, under the swap's lock. */
  async function mergeLive(tx: Tx): Promise<number> {
    let kept = 0;
    for (let after = ''; ;) {
      const page = await deps.live.factsAfter(tx, after, MERGE_PAGE);
      for (const { orderId, facts } of page) {
        const rebuilt = await deps.rebuilt.lockFacts(tx, orderId);
        if (rebuilt.length === 0) kept++;
        const known = new Set(rebuilt.map((f) => f.eventId));
        const missing = facts.filter((f: ViewFact) => !known.has(f.eventId));
        if (missing.length === 0) continue;
        const all = [...rebuilt, ...missing].sort(compareFacts);
        await deps.rebuilt.save(tx, foldView(orderId, all), all);
      }
      if (page.length < MERGE_PAGE) return kept;
      after = page[page.length - 1]!.orderId;
    }
  }

  return async (signal?: AbortSignal): Promise<RebuildResult> => {
    const lock = await deps.pool.connect();
    // Held for the whole replay: a dropped connection must not be an unhandled 'error'.
    const ignore = () => undefined;
    lock.on('error', ignore);
    try {
      const { rows } = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [REBUILD_LOCK]);
      if (!rows[0]?.ok) throw failedPrecondition('a rebuild of the view is already running', 'REBUILD_RUNNING');
      try {
        await deps.tables.prepare();
        try {
          const eventsReplayed = await deps.replay(signal);
          const ordersKept = await deps.tables.swap(mergeLive);
          return { eventsReplayed, orderCount: await deps.live.count(), ordersKept };
        } finally {
          await deps.tables.drop();
        }
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1)', [REBUILD_LOCK]);
      }
    } finally {
      lock.off('error', ignore);
      lock.release();
    }
  };
}
