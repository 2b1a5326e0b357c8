import { z } from 'zod';
import { baseConfigSchema, onOff, parseConfig, privateJwkJson, upstreamAddress } from '@foodmesh/platform';

const port = z.coerce.number().int().min(0).max(65535);

/**
 * The edge's settings. It owns no database and no Kafka client: whose an order
 * is it asks the order service (GetOrderOwner). Users' tokens are
 * verified like everywhere else (platform identity.ts); the edge only adds the
 * demo sign-in, which signs tokens for the demo users where it is switched on.
 */
export const edgeConfigSchema = baseConfigSchema
  .extend({
    SERVICE_NAME: baseConfigSchema.shape.SERVICE_NAME.default('edge'),
    GRPC_PORT: port.default(50050),
    METRICS_PORT: port.default(9460),
    /** The browser's port: gRPC-web + Connect over HTTP/1.1, and the web app's files. */
    HTTP_PORT: port.default(8080),
    /** Where the built web app is; empty serves no files (API only). */
    WEB_ROOT: z.string().optional(),
    /** Origins allowed to call the API cross-origin (CORS), comma-separated; the edge's own origin needs none. */
    WEB_ORIGINS: z.string().default(''),
    /** AuthService.SignIn for the demo users, with no credential: local runs and the dev cluster only. */
    DEMO_SIGN_IN: onOff.default(false),
    /** The private key (JWK, ES256) that signs the demo users' tokens; its public half must be in AUTH_JWKS. */
    DEMO_SIGNING_KEY: privateJwkJson.optional(),
    /** How long a demo sign-in's token is accepted (the load suite sets one that covers its run). */
    EDGE_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
    /** Prometheus's HTTP API, for the operations page (OpsService); without it the page shows no figures. */
    OPS_PROMETHEUS_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The tracing UI's page of one trace, `{traceId}` standing for its id (e.g. Zipkin's `…/zipkin/traces/{traceId}`). */
    OPS_TRACE_URL: z.string().includes('{traceId}', { message: 'must contain {traceId}, where the trace id goes' }).optional(),
    ORDER_ADDR: upstreamAddress,
    STORE_ADDR: upstreamAddress,
    DELIVERY_ADDR: upstreamAddress,
    ORDERVIEW_ADDR: upstreamAddress,
    NOTIFICATION_ADDR: upstreamAddress,
    PAYMENT_ADDR: upstreamAddress,
  })
  .superRefine((c, ctx) => {
    if (!c.DEMO_SIGN_IN) return;
    if (c.FOODMESH_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['DEMO_SIGN_IN'],
        message: 'must be off when FOODMESH_ENV=production: it signs anyone in as any demo user, with no credential',
      });
    }
    const key = c.DEMO_SIGNING_KEY;
    if (!key) ctx.addIssue({ code: 'custom', path: ['DEMO_SIGNING_KEY'], message: 'is required when DEMO_SIGN_IN=on' });
    else if (c.AUTH_JWKS && !c.AUTH_JWKS.keys.some((k) => k.kid === key.kid && k.x === key.x && k.y === key.y)) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEMO_SIGNING_KEY'],
        message: `its public key (kid "${key.kid}") is not in AUTH_JWKS, so every token it signs would be refused`,
      });
    }
  })
  .transform((c) => ({
    ...c,
    WEB_ORIGINS: c.WEB_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  }));
export type EdgeConfig = z.infer<typeof edgeConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): EdgeConfig => parseConfig(edgeConfigSchema, env);
