import type { EventCase, EventHandlers } from '@foodmesh/platform';
import type { Notifier } from '../../app/notifier';
import type { DirectoryRepo } from '../pg/directory-repo';

/** The events a rule may notify about (see domain/rules.ts). */
const NOTIFIED: EventCase[] = [
  'orderPaymentDeferred', 'orderPaymentAvailable', 'orderPlaced', 'orderPaymentFailed', 'orderCancellationRequested', 'orderCancelled', 'orderCompleted', 'orderRefunded',
  'orderAccepted', 'cookingStarted', 'cookingFinished', 'cancellationRejected',
  'deliveryAvailable', 'deliveryPickedUp',
];

export const CONSUMED_TOPICS = ['order.events', 'store.events', 'delivery.events'];

export function notificationHandlers(notifier: Notifier, directory: DirectoryRepo): EventHandlers {
  const notify = async (_payload: unknown, env: Parameters<Notifier['notify']>[0], tx: Parameters<Notifier['notify']>[1]) => {
    await notifier.notify(env, tx);
  };
  return {
    ...(Object.fromEntries(NOTIFIED.map((c) => [c, notify])) as EventHandlers),
    menuPublished: async (m, _env, tx) => {
      if (m.ownerId) await directory.upsertStore(tx, { storeId: m.storeId, ownerId: m.ownerId, storeName: m.storeName, region: m.region });
    },
  };
}
