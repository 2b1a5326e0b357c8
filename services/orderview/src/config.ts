import { z } from 'zod';
import { baseConfigSchema, dataConfigSchema, parseConfig } from '@foodmesh/platform';

export const orderViewConfigSchema = baseConfigSchema.extend(dataConfigSchema.shape).extend({
  SERVICE_NAME: z.string().min(1).default('orderview'),
  GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(50055),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  /**
   * How long WatchOrderStatus waits for the first event of an order the view
   * does not know yet (right after PlaceOrder it may not), before NOT_FOUND.
   */
  ORDERVIEW_WATCH_UNKNOWN_WAIT_MS: z.coerce.number().int().min(0).default(10_000),
});
export type OrderViewConfig = z.infer<typeof orderViewConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): OrderViewConfig => parseConfig(orderViewConfigSchema, env);
