import { baseConfigSchema, dataConfigSchema, parseConfig } from '@foodmesh/platform';

/** The delivery service's settings: the shared ones with its own defaults. */
export const deliveryConfigSchema = baseConfigSchema.extend(dataConfigSchema.shape).extend({
  SERVICE_NAME: baseConfigSchema.shape.SERVICE_NAME.default('delivery'),
  GRPC_PORT: baseConfigSchema.shape.GRPC_PORT.default(50054),
  METRICS_PORT: baseConfigSchema.shape.METRICS_PORT.default(9464),
});
export type DeliveryConfig = ReturnType<typeof loadConfig>;

export const loadConfig = (env: Record<string, string | undefined> = process.env) => parseConfig(deliveryConfigSchema, env);
