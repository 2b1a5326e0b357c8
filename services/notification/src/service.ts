import path from 'node:path';
import { PROJECTION_EVENTS_PER_TRANSACTION, runService, startNotifyHub, type Logger, type RunningService } from '@foodmesh/platform';
import { startDispatcher } from './app/dispatcher';
import { createNotificationQueries } from './app/notification-queries';
import { createNotifier } from './app/notifier';
import { notificationService } from './adapters/grpc/notification-handlers';
import { webhookSender } from './adapters/http/webhook';
import { notificationHandlers } from './adapters/kafka/notification-handlers';
import { directoryRepo } from './adapters/pg/directory-repo';
import { createNotificationsRepo, CREATED_CHANNEL, DISPATCH_CHANNEL } from './adapters/pg/notifications-repo';
import type { NotificationConfig } from './config';
import { NotificationChannel } from './domain/notification';
import { localeResolver } from './domain/locale';

/** The same folder from src/ (tests) and dist/ (built). */
const MIGRATIONS_DIR = path.resolve(__dirname, '../migrations');

export interface NotificationServiceOptions {
  handleSignals?: boolean;
  logger?: Logger;
}

export function startNotificationService(config: NotificationConfig, opts: NotificationServiceOptions = {}): Promise<RunningService> {
  return runService({
    config,
    logger: opts.logger,
    handleSignals: opts.handleSignals,
    protoFiles: ['foodmesh/notification/v1/notification.proto'],
    build: async (rt) => {
      const pool = await rt.database(MIGRATIONS_DIR);
      const notifications = createNotificationsRepo(pool);
      const webhookOn = config.NOTIFICATION_WEBHOOK_URL !== '';
      if (!webhookOn) rt.logger.info('NOTIFICATION_WEBHOOK_URL is empty: the KakaoTalk webhook channel is off');

      // One LISTEN connection: in-app watchers of this process, and wake-ups for the dispatcher.
      const hub = await startNotifyHub({
        connectionString: config.DATABASE_URL,
        channels: [CREATED_CHANNEL, DISPATCH_CHANNEL],
        logger: rt.logger,
        applicationName: `${config.SERVICE_NAME}-listen`,
      });
      rt.onShutdown(() => hub.close());

      if (webhookOn) {
        const dispatcher = startDispatcher({
          notifications,
          send: webhookSender(config.NOTIFICATION_WEBHOOK_URL, config.NOTIFICATION_WEBHOOK_TIMEOUT_MS),
          policy: {
            maxAttempts: config.NOTIFICATION_WEBHOOK_MAX_ATTEMPTS,
            baseMs: config.NOTIFICATION_WEBHOOK_BACKOFF_MS,
            maxMs: config.NOTIFICATION_WEBHOOK_BACKOFF_MAX_MS,
          },
          concurrency: config.NOTIFICATION_WEBHOOK_CONCURRENCY,
          leaseMs: config.NOTIFICATION_WEBHOOK_TIMEOUT_MS + 5_000,
          pollMs: config.NOTIFICATION_DISPATCH_POLL_MS,
          logger: rt.logger,
        });
        const unsubscribe = hub.subscribe(DISPATCH_CHANNEL, () => dispatcher.kick());
        rt.onShutdown(async () => {
          unsubscribe();
          await dispatcher.stop();
        });
      }

      const notifier = createNotifier({
        notifications,
        directory: directoryRepo,
        localeOf: localeResolver(config.NOTIFICATION_DEFAULT_LOCALE, config.NOTIFICATION_RECIPIENT_LOCALES),
        channels: [NotificationChannel.NOTIFICATION_CHANNEL_IN_APP, ...(webhookOn ? [NotificationChannel.NOTIFICATION_CHANNEL_KAKAO_WEBHOOK] : [])],
      });
      rt.consume({ pool, handlers: notificationHandlers(notifier, directoryRepo), eventsPerTransaction: PROJECTION_EVENTS_PER_TRANSACTION });

      const queries = createNotificationQueries({
        reads: notifications,
        changes: { subscribe: (recipientId, fn) => hub.subscribe(CREATED_CHANNEL, () => fn(), recipientId) },
      });
      return [notificationService(queries)];
    },
  });
}
