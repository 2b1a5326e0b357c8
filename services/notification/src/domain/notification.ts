import { NotificationChannel, NotificationDeliveryStatus, RecipientKind } from '@foodmesh/proto-gen/foodmesh/notification/v1/notification';
import type { Locale } from '@foodmesh/platform/customer-text';

export { NotificationChannel, NotificationDeliveryStatus, RecipientKind };

/** One message to one recipient on one channel about one event. */
export interface NotificationRecord {
  notificationId: string;
  recipientId: string;
  recipientKind: RecipientKind;
  channel: NotificationChannel;
  locale: Locale;
  title: string;
  body: string;
  orderId: string;
  eventId: string;
  eventType: string;
  createdAt: Date;
  deliveryStatus: NotificationDeliveryStatus;
  deliveredAt?: Date;
  attempts: number;
}
