import { z } from 'zod';
import { baseConfigSchema, dataConfigSchema, parseConfig } from '@foodmesh/platform';

const port = z.coerce.number().int().min(0).max(65535);
const address = z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port');

/** Only for local runs and tests: a production edge refuses to start without EDGE_JWT_SECRET. */
export const DEV_JWT_SECRET = 'foodmesh-dev-only-secret-do-not-use-in-production';

/**
 * The edge's settings. It owns no database; it reads `order.events` from Kafka
 * only to learn who owns each order (see app/ownership.ts).
 */
export const edgeConfigSchema = baseConfigSchema
  .extend({
    SERVICE_NAME: baseConfigSchema.shape.SERVICE_NAME.default('edge'),
    GRPC_PORT: port.default(50050),
    METRICS_PORT: port.default(9460),
    NODE_ENV: z.string().default('development'),
    /** The browser's port: gRPC-web + Connect over HTTP/1.1, and the web app's files. */
    HTTP_PORT: port.default(8080),
    /** Where the built web app is; empty serves no files (API only). */
    WEB_ROOT: z.string().optional(),
    /** Origins allowed to call the API cross-origin (CORS), comma-separated; the edge's own origin needs none. */
    WEB_ORIGINS: z.string().default(''),
    /** HMAC key of the bearer tokens (HS256); at least 32 characters. Required when NODE_ENV=production. */
    EDGE_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** How long a token is accepted after sign-in. */
    EDGE_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(12 * 3600),
    /** Bounds the ownership index (order → customer, store); the oldest entries go first. */
    EDGE_OWNERSHIP_MAX_ORDERS: z.coerce.number().int().positive().default(1_000_000),
    ORDER_ADDR: address,
    STORE_ADDR: address,
    DELIVERY_ADDR: address,
    ORDERVIEW_ADDR: address,
    NOTIFICATION_ADDR: address,
    PAYMENT_ADDR: address,
  })
  .extend(dataConfigSchema.pick({ KAFKA_BROKERS: true, KAFKA_NAMESPACE: true, KAFKA_TOPIC_PARTITIONS: true, KAFKA_SESSION_TIMEOUT_MS: true }).shape)
  .superRefine((c, ctx) => {
    if (c.NODE_ENV === 'production' && !c.EDGE_JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['EDGE_JWT_SECRET'], message: 'is required when NODE_ENV=production (the dev default is public)' });
    }
  })
  .transform((c) => ({
    ...c,
    EDGE_JWT_SECRET: c.EDGE_JWT_SECRET ?? DEV_JWT_SECRET,
    WEB_ORIGINS: c.WEB_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
  }));
export type EdgeConfig = z.infer<typeof edgeConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): EdgeConfig => parseConfig(edgeConfigSchema, env);
