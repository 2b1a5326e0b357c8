import { z } from 'zod';
import { baseConfigSchema, dataConfigSchema, parseConfig } from '@foodmesh/platform';

const ms = (d: number) => z.coerce.number().int().positive().default(d);

export const notificationConfigSchema = baseConfigSchema.extend(dataConfigSchema.shape).extend({
  SERVICE_NAME: z.string().min(1).default('notification'),
  GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(50056),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9466),
  /** The KakaoTalk-style webhook (HTTP POST, JSON). Empty: the channel is off and no webhook notifications are created. */
  NOTIFICATION_WEBHOOK_URL: z.union([z.literal(''), z.url()]).default(''),
  NOTIFICATION_WEBHOOK_TIMEOUT_MS: ms(5000),
  /** Tries in all before a webhook notification is FAILED. */
  NOTIFICATION_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(6),
  /** First retry delay; it doubles per attempt up to the max. */
  NOTIFICATION_WEBHOOK_BACKOFF_MS: ms(500),
  NOTIFICATION_WEBHOOK_BACKOFF_MAX_MS: ms(60_000),
  /** Sends in flight at once. */
  NOTIFICATION_WEBHOOK_CONCURRENCY: z.coerce.number().int().positive().default(8),
  /** How often the dispatcher looks for due work besides being woken (it also wakes when the next retry is due). */
  NOTIFICATION_DISPATCH_POLL_MS: ms(5000),
  NOTIFICATION_DEFAULT_LOCALE: z.enum(['ko', 'en']).default('ko'),
  /** Per-recipient language, "user=locale,…"; the demo's customer-2 reads English. */
  NOTIFICATION_RECIPIENT_LOCALES: z.string().default('customer-2=en'),
});
export type NotificationConfig = z.infer<typeof notificationConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): NotificationConfig => parseConfig(notificationConfigSchema, env);
