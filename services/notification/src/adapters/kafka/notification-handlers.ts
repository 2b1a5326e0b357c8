import { handleEach, type EventHandlers } from '@foodmesh/platform';
import type { Notifier } from '../../app/notifier';
import { NOTIFIED_EVENTS } from '../../domain/rules';
import type { DirectoryRepo } from '../pg/directory-repo';

export function notificationHandlers(notifier: Notifier, directory: DirectoryRepo): EventHandlers {
  return {
    ...handleEach(NOTIFIED_EVENTS, async (_payload, env, tx) => {
      await notifier.notify(env, tx);
    }),
    menuPublished: async (m, _env, tx) => {
      if (m.ownerId) await directory.upsertStore(tx, { storeId: m.storeId, ownerId: m.ownerId, storeName: m.storeName, region: m.region });
    },
  };
}
