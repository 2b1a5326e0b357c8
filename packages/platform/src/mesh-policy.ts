import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The resilience policy in mesh/policy.yaml: per upstream service its timeout,
 * retries, circuit breaker and fallback. Rendered two ways from this one
 * schema: for local runs (`localSettings`, applied by resilience.ts and the
 * client factory) and for Istio (istio.ts). A test asserts both agree.
 */
export const RETRYABLE_CODES = ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'INTERNAL', 'CANCELLED'] as const;
const grpcCode = z.enum(RETRYABLE_CODES);

const retriesSchema = z.object({
  attempts: z.number().int().min(1).max(5),
  perTryTimeoutMs: z.number().int().positive(),
  backoffMs: z.number().int().positive().default(50),
  retryOn: z.array(grpcCode).min(1),
  /** Methods safe to retry (idempotent). Others are tried again only when the request never reached the server (defaults.connectRetries). */
  methods: z.array(z.string().regex(/^[A-Z]\w*$/, 'a method name such as Pay')).min(1),
  /**
   * The retry budget: at most this many retries to the upstream in flight at once (Istio's
   * maxRetries), so retries cannot multiply an overload. Locally resilience.ts keeps the same
   * budget: a failure that finds it spent is returned, not retried (Envoy's retry overflow).
   */
  maxConcurrent: z.number().int().positive().optional(),
});

const breakerSchema = z.object({
  consecutiveErrors: z.number().int().min(1),
  intervalMs: z.number().int().positive(),
  baseEjectionMs: z.number().int().positive(),
  maxEjectionPercent: z.number().int().min(0).max(100),
  maxRequests: z.number().int().positive(),
  maxPending: z.number().int().min(0),
});

const upstreamSchema = z
  .object({
    service: z.string().regex(/^[a-z][a-z0-9_.]*\.[A-Z]\w*$/, 'must be a fully-qualified gRPC service name'),
    host: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'a Kubernetes Service name')
      .optional(),
    timeoutMs: z.number().int().positive(),
    retries: retriesSchema.optional(),
    circuitBreaker: breakerSchema.optional(),
    fallback: z.string().optional(),
  })
  .refine((u) => !u.retries || u.retries.perTryTimeoutMs <= u.timeoutMs, {
    message: 'retries.perTryTimeoutMs must not exceed timeoutMs',
    path: ['retries', 'perTryTimeoutMs'],
  });

export const meshPolicySchema = z.object({
  defaults: z.object({
    timeoutMs: z.number().int().positive(),
    /**
     * Tries again, for any method, a request that never reached the server (Envoy's
     * connect-failure and refused-stream): nothing can have happened twice. grpc-js does the same
     * on its own locally (its transparent retry). Unset: 2.
     */
    connectRetries: z.number().int().min(0).max(3).optional(),
  }),
  upstreams: z.record(z.string(), upstreamSchema),
});
export type MeshPolicy = z.infer<typeof meshPolicySchema>;

/** How often the mesh tries a request again that never reached the server. */
export const connectRetriesOf = (policy: MeshPolicy) => policy.defaults.connectRetries ?? 2;
export type UpstreamPolicy = z.infer<typeof upstreamSchema>;
export type RetryPolicy = z.infer<typeof retriesSchema>;
export type BreakerPolicy = z.infer<typeof breakerSchema>;

export const DEFAULT_POLICY_PATH = path.resolve(__dirname, '../../../mesh/policy.yaml');

export function loadMeshPolicy(file = DEFAULT_POLICY_PATH): MeshPolicy {
  const result = meshPolicySchema.safeParse(parse(fs.readFileSync(file, 'utf8')));
  if (!result.success) {
    throw new Error(`${file} is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

/** The policy for calls to `upstream`, or the defaults when it has none. */
export function upstreamPolicy(policy: MeshPolicy, upstream: string, service: string): UpstreamPolicy {
  return policy.upstreams[upstream] ?? { service, timeoutMs: policy.defaults.timeoutMs };
}

/** gRPC status codes that count as an upstream failure for the breaker (Envoy's 5xx for gRPC). */
export const BREAKER_FAILURE_CODES = ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL', 'UNKNOWN'] as const;

/** What the client factory applies locally, in one comparable shape. */
export interface LocalSettings {
  timeoutMs: number;
  retries?: { attempts: number; perTryTimeoutMs: number; backoffMs: number; retryOn: string[]; methods: string[]; maxConcurrent?: number };
  breaker?: { consecutiveErrors: number; halfOpenAfterMs: number; maxConcurrent: number; maxQueued: number };
}

/**
 * The local rendering. With `mode: 'mesh'` the sidecar retries and ejects, so the
 * app keeps only its deadline (no retry storms: sidecar × app attempts).
 */
export function localSettings(p: UpstreamPolicy, mode: 'local' | 'mesh'): LocalSettings {
  if (mode === 'mesh') return { timeoutMs: p.timeoutMs };
  return {
    timeoutMs: p.timeoutMs,
    retries: p.retries && { ...p.retries, retryOn: [...p.retries.retryOn] },
    breaker: p.circuitBreaker && {
      consecutiveErrors: p.circuitBreaker.consecutiveErrors,
      halfOpenAfterMs: p.circuitBreaker.baseEjectionMs,
      maxConcurrent: p.circuitBreaker.maxRequests,
      maxQueued: p.circuitBreaker.maxPending,
    },
  };
}

/** A protobuf JSON duration. grpc-js reads the fraction as nanoseconds, so it must have 9 digits. */
export const grpcDuration = (ms: number) => `${Math.floor(ms / 1000)}.${String(Math.round((ms % 1000) * 1e6)).padStart(9, '0')}s`;

/**
 * grpc-js service config for one upstream: the overall timeout per unary call
 * (`unaryMethods`; server streams such as a status watch live as long as the
 * caller wants). Retries are not left to grpc-js: its retryPolicy has no
 * per-try timeout (a slow try would eat the whole deadline) and cannot count
 * tries for the breaker, so resilience.ts retries instead, with the same
 * attempts and codes.
 */
export function toGrpcServiceConfig(p: UpstreamPolicy, unaryMethods: string[]): object {
  return {
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: unaryMethods.length
      ? [{ name: unaryMethods.map((method) => ({ service: p.service, method })), timeout: grpcDuration(p.timeoutMs), waitForReady: false }]
      : [],
  };
}
