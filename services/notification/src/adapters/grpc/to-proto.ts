import { Notification } from '@foodmesh/proto-gen/foodmesh/notification/v1/notification';
import type { NotificationRecord } from '../../domain/notification';

export const toProto = (n: NotificationRecord): Notification => Notification.fromPartial({ ...n });
