import { baseConfigSchema, dataConfigSchema, parseConfig } from '@foodmesh/platform';

/** The store service's settings: the shared ones with its own defaults. */
export const storeConfigSchema = baseConfigSchema.extend(dataConfigSchema.shape).extend({
  SERVICE_NAME: baseConfigSchema.shape.SERVICE_NAME.default('store'),
  GRPC_PORT: baseConfigSchema.shape.GRPC_PORT.default(50053),
  METRICS_PORT: baseConfigSchema.shape.METRICS_PORT.default(9463),
});
export type StoreConfig = ReturnType<typeof loadConfig>;

export const loadConfig = (env: Record<string, string | undefined> = process.env) => parseConfig(storeConfigSchema, env);
