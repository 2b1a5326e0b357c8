import { v7 as uuidv7 } from 'uuid';
import type { Tx } from '@foodmesh/platform';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { NotificationChannel, RecipientKind } from '../domain/notification';
import { rulesFor, type Audience } from '../domain/rules';
import { renderMessage, type Locale } from '@foodmesh/platform/customer-text';
import type { Directory, NewNotification, NotificationStore } from './ports';

/**
 * Event → notifications, inside the consumer's inbox transaction: the rules say
 * who hears what, the directory names the people, and one row per recipient
 * and channel is stored (a second time is a no-op). Sending happens later.
 */
export function createNotifier(deps: {
  notifications: NotificationStore;
  directory: Directory;
  localeOf: (recipientId: string) => Locale;
  channels: NotificationChannel[];
}) {
  async function recipients(tx: Tx, a: Audience): Promise<{ id: string; kind: RecipientKind }[]> {
    switch (a.kind) {
      case 'customer':
        return a.customerId ? [{ id: a.customerId, kind: RecipientKind.RECIPIENT_KIND_CUSTOMER }] : [];
      case 'owner': {
        const owner = await deps.directory.ownerOf(tx, a.storeId);
        return owner ? [{ id: owner, kind: RecipientKind.RECIPIENT_KIND_OWNER }] : [];
      }
      case 'riders':
        return (await deps.directory.ridersIn(tx, a.region)).map((id) => ({ id, kind: RecipientKind.RECIPIENT_KIND_RIDER }));
    }
  }

  return {
    async notify(env: EventEnvelope, tx: Tx): Promise<number> {
      const items: NewNotification[] = [];
      for (const rule of rulesFor(env)) {
        for (const r of await recipients(tx, rule.audience)) {
          const locale = deps.localeOf(r.id);
          const text = renderMessage({ code: rule.template, params: rule.params }, locale);
          for (const channel of deps.channels) {
            items.push({
              notificationId: uuidv7(),
              recipientId: r.id,
              recipientKind: r.kind,
              channel,
              locale,
              ...text,
              orderId: env.orderId,
              eventId: env.eventId,
              eventType: env.type,
            });
          }
        }
      }
      return items.length ? deps.notifications.insert(tx, items) : 0;
    },
  };
}
export type Notifier = ReturnType<typeof createNotifier>;
