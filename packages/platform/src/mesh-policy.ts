import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The resilience policy in mesh/policy.yaml: per upstream service its timeout,
 * retries and fallback. The client factory turns it into a grpc-js service
 * config; the resilience work renders the same file into Istio resources.
 */
const grpcCode = z.enum(['CANCELLED', 'UNKNOWN', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'ABORTED', 'INTERNAL', 'UNAVAILABLE']);

const retriesSchema = z.object({
  attempts: z.number().int().min(1).max(5),
  initialBackoffMs: z.number().int().positive().default(50),
  maxBackoffMs: z.number().int().positive().default(500),
  retryOn: z.array(grpcCode).min(1),
});

const upstreamSchema = z.object({
  service: z.string().regex(/^[a-z][a-z0-9_.]*\.[A-Z]\w*$/, 'must be a fully-qualified gRPC service name'),
  timeoutMs: z.number().int().positive(),
  retries: retriesSchema.optional(),
  fallback: z.string().optional(),
});

export const meshPolicySchema = z.object({
  defaults: z.object({ timeoutMs: z.number().int().positive() }),
  upstreams: z.record(z.string(), upstreamSchema),
});
export type MeshPolicy = z.infer<typeof meshPolicySchema>;
export type UpstreamPolicy = z.infer<typeof upstreamSchema>;

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

const seconds = (ms: number) => `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;

/**
 * grpc-js service config for one upstream. With `retries: false` (RESILIENCE_MODE=mesh)
 * the sidecar retries, so the app must not (no retry storms).
 */
export function toGrpcServiceConfig(p: UpstreamPolicy, opts: { retries: boolean }): object {
  const methodConfig: Record<string, unknown> = { name: [{ service: p.service }], timeout: seconds(p.timeoutMs) };
  if (opts.retries && p.retries && p.retries.attempts > 1) {
    methodConfig.retryPolicy = {
      maxAttempts: p.retries.attempts,
      initialBackoff: seconds(p.retries.initialBackoffMs),
      maxBackoff: seconds(p.retries.maxBackoffMs),
      backoffMultiplier: 2,
      retryableStatusCodes: p.retries.retryOn,
    };
  }
  return { loadBalancingConfig: [{ round_robin: {} }], methodConfig: [methodConfig] };
}
