import type { InTransaction } from './ports';
import { menuPublishedEnvelope } from './store-events';

/**
 * Publishes MenuPublished for every store whose menu changed since it was last
 * published, and records the version in the same transaction. The store rows
 * are locked, so replicas starting together publish each version once, and a
 * restart publishes nothing new.
 */
export async function publishPendingMenus(inTx: InTransaction): Promise<number> {
  return inTx(async (repo) => {
    const pending = await repo.lockUnpublishedMenus();
    for (const menu of pending) {
      await repo.publish([menuPublishedEnvelope(menu)]);
      await repo.markMenuPublished(menu.store.storeId, menu.menuVersion);
    }
    return pending.length;
  });
}
