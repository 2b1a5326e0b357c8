import { z } from 'zod';
import { DEFAULT_COMMIT_INTERVAL_MS, DEFAULT_FETCH_MAX_WAIT_MS } from './kafka';
import { DEFAULT_REQUEST_LOG_OK_PER_SECOND } from './logger';
import { upstreamTarget } from './upstream-address';
import { telemetryConfigSchema } from './telemetry-config';

/**
 * Configuration is parsed and validated once, at start-up, from the environment.
 * Nothing else in a service reads `process.env`. A bad value stops the process
 * with one message naming every offending variable.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(0).max(65535);

/** Another service's address: `host:port`, or its replicas as `ip:port,ip:port` (see upstream-address.ts). */
export const upstreamAddress = z.string().superRefine((value, ctx) => {
  const parsed = upstreamTarget(value);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
});
/** A switch: `on` or `off`. */
export const onOff = z.enum(['on', 'off']).transform((v) => v === 'on');

/** A variable holding JSON, parsed and then checked against `schema`. */
export const jsonOf = <S extends z.ZodType>(schema: S) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const jwk = z.looseObject({ kty: z.string(), kid: z.string().min(1) });
/** A JSON Web Key Set (public keys), e.g. `{"keys":[{"kty":"EC","kid":"…",…}]}`. */
export const keySetJson = jsonOf(z.object({ keys: z.array(jwk).min(1) }));
/** A private EC signing key as a JWK (see signing-keys.ts). */
export const privateJwkJson = jsonOf(jwk.extend({ kty: z.literal('EC'), d: z.string().min(1) }));

/** Settings every service shares. Services extend this with their own. */
export const baseConfigSchema = z
  .object({
    SERVICE_NAME: z.string().min(1),
    SERVICE_VERSION: z.string().default('dev'),
    GRPC_HOST: z.string().default('0.0.0.0'),
    GRPC_PORT: port.default(50051),
    METRICS_PORT: port.default(9464),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Successful calls logged per method and second ('rpc' lines; every failure is logged): a sample under load. */
    REQUEST_LOG_OK_PER_SECOND: z.coerce.number().int().min(0).default(DEFAULT_REQUEST_LOG_OK_PER_SECOND),
    /** How long SIGTERM waits for in-flight calls before forcing the server down. */
    SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
    /** `local`: the client factory applies retries itself; `mesh`: the sidecar does. */
    RESILIENCE_MODE: z.enum(['local', 'mesh']).default('local'),
    MESH_POLICY_PATH: z.string().optional(),
    /** The largest request message the gRPC server (and the edge's gRPC-web/Connect routes) accepts. */
    GRPC_MAX_RECEIVE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(64 * 1024),
    /** `production` refuses what only belongs in local and dev runs (demo sign-in, the fault knob). */
    FOODMESH_ENV: z.enum(['development', 'production']).default('development'),
    /** gRPC server reflection (grpcurl list/describe): on locally and in dev, off in production. */
    GRPC_REFLECTION: onOff.default(false),
    // Users' tokens (identity.ts): who issues them, for whom, and where the issuer's public keys are.
    AUTH_ISSUER: z.string().min(1),
    AUTH_AUDIENCE: z.string().min(1),
    /** The identity provider's JWKS URL (production). Exactly one of AUTH_JWKS_URL and AUTH_JWKS. */
    AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The key set inline, as JSON (local runs, tests, the dev cluster). */
    AUTH_JWKS: keySetJson.optional(),
    /** How calling workloads are known: `mesh` (Istio mTLS; only behind a sidecar) or `token` (local workload tokens). */
    WORKLOAD_IDENTITY: z.enum(['mesh', 'token']),
    /** `token`: the public key set of workload tokens. */
    WORKLOAD_JWKS: keySetJson.optional(),
    /** `token`: this workload's private key, to sign its own calls (a service that calls none needs none). */
    WORKLOAD_SIGNING_KEY: privateJwkJson.optional(),
  })
  .extend(telemetryConfigSchema.shape);
export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** How a service reaches Kafka (kafka-config.ts checks the security settings together). */
export const kafkaConfigSchema = z.object({
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    ),
  /** Prefix for every topic and consumer group: lets environments or test runs share a cluster. */
  KAFKA_NAMESPACE: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
  /**
   * Partitions a consumer works on at once (each still one message at a time, in order).
   * 1 made a busy service's view lag p99 seconds long; see docs/architecture.md.
   */
  KAFKA_PARTITIONS_CONCURRENTLY: z.coerce.number().int().positive().default(3),
  /**
   * How long the group coordinator waits for a silent member (e.g. one killed) before moving its
   * partitions: also how long a restarted service's consumer may wait to join. Brokers refuse less
   * than their `group.min.session.timeout.ms` (6 s by default).
   */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(6_000),
  /** How long an idle consumer's fetch waits at the broker (see kafka.ts): idle cost against stop time; well under the session timeout. */
  KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(10).max(30_000).default(DEFAULT_FETCH_MAX_WAIT_MS),
  /**
   * At most this many fetched events of one partition share an inbox transaction (consumer.ts): fewer
   * round trips, but its row locks are held until all of them are applied. 1: each its own. Unset:
   * the consumer's own choice (1 for saga steps, PROJECTION_EVENTS_PER_TRANSACTION for projections).
   */
  INBOX_EVENTS_PER_TRANSACTION: z.coerce.number().int().min(1).max(500).optional(),
  /** How often a consumer commits the offsets it handled (see kafka.ts): a crash re-delivers at most this long's events, which the inbox drops. */
  KAFKA_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(DEFAULT_COMMIT_INTERVAL_MS),
  /** `scram-sha-512`: the service signs in as its own Kafka user (KAFKA_USERNAME, KAFKA_PASSWORD); required in production. */
  KAFKA_SASL_MECHANISM: z.enum(['none', 'scram-sha-512']).default('none'),
  KAFKA_USERNAME: z.string().min(1).optional(),
  KAFKA_PASSWORD: z.string().min(1).optional(),
  /** TLS to the brokers (required in production), trusting KAFKA_TLS_CA_FILE (e.g. Strimzi's cluster CA) or the system's CAs. */
  KAFKA_TLS: onOff.default(false),
  KAFKA_TLS_CA_FILE: z.string().min(1).optional(),
  /**
   * The largest message the brokers and topics accept (their `message.max.bytes` / `max.message.bytes`,
   * set to the same on purpose): the outbox publishes in batches that fit and sets aside an event above it.
   */
  KAFKA_MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(1024 * 1024),
});
export type KafkaConfig = z.infer<typeof kafkaConfigSchema>;

/** Settings of a service that owns a database and talks over Kafka. */
export const dataConfigSchema = z
  .object({
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    DATABASE_POOL_MAX: z.coerce.number().int().positive().default(10),
    /**
     * The relay's fallback poll (NOTIFY wakes it at once): a missed NOTIFY, and a standby replica
     * trying for the lead. Each poll is two queries, in every replica, with nothing to do.
     */
    OUTBOX_POLL_MS: z.coerce.number().int().positive().default(5000),
  })
  .extend(kafkaConfigSchema.shape);
export type DataConfig = z.infer<typeof dataConfigSchema>;

/** The placeholder secrets manifests once shipped (`change-me-…`): never a real value. */
export const PLACEHOLDER = /change-me/i;

export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  const placeholders = Object.entries(result.data as Record<string, unknown>)
    .filter(([key]) => PLACEHOLDER.test(env[key] ?? ''))
    .map(([key]) => `${key}: holds a placeholder ("change-me…"); set the real secret`);
  if (placeholders.length) throw new ConfigError(placeholders);
  return result.data;
}
