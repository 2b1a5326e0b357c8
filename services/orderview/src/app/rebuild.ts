import { failedPrecondition, type Pool } from '@foodmesh/platform';
import type { ViewStore } from './ports';

/** Replays every retained event from offset zero into the projection; resolves with the count once caught up. */
export type ReplayFromStart = (signal?: AbortSignal) => Promise<number>;

// One rebuild at a time across replicas: a session-level advisory lock.
const REBUILD_LOCK = 0x0f0de0e1;

/**
 * RebuildView: empty the view and this consumer's inbox in one transaction,
 * then replay all topics from offset zero through the same projection. The
 * live consumer keeps running meanwhile; both go through the inbox, so each
 * event is applied once, and the fold makes the result independent of the
 * order in which the two deliver.
 */
export function createRebuild(deps: { pool: Pool; views: ViewStore; consumer: string; replay: ReplayFromStart }) {
  return async (signal?: AbortSignal): Promise<{ eventsReplayed: number; orderCount: number }> => {
    const lock = await deps.pool.connect();
    // Held for the whole replay: a dropped connection must not be an unhandled 'error'.
    const ignore = () => undefined;
    lock.on('error', ignore);
    try {
      const { rows } = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [REBUILD_LOCK]);
      if (!rows[0]?.ok) throw failedPrecondition('a rebuild of the view is already running', 'REBUILD_RUNNING');
      try {
        await deps.views.reset(deps.consumer);
        const eventsReplayed = await deps.replay(signal);
        return { eventsReplayed, orderCount: await deps.views.count() };
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1)', [REBUILD_LOCK]);
      }
    } finally {
      lock.off('error', ignore);
      lock.release();
    }
  };
}
