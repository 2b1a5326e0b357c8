import { stringify } from 'yaml';
import { BREAKER_FAILURE_CODES, type MeshPolicy, type UpstreamPolicy } from './mesh-policy';

/**
 * The cluster rendering of mesh/policy.yaml: per upstream an Istio
 * DestinationRule (connection pool = concurrency cap, outlier detection =
 * circuit breaker) and a VirtualService (timeout; retries only on the routes of
 * idempotent methods; every other method explicitly not retried, overriding
 * Istio's default of 2 retries).
 */

/** gRPC codes in the policy → Envoy retry_on conditions with the same meaning. */
export const RETRY_ON: Record<string, string[]> = {
  // grpc-js reports refused connections and resets as UNAVAILABLE; Envoy names them apart.
  UNAVAILABLE: ['unavailable', 'connect-failure', 'refused-stream'],
  // A try that hits perTryTimeout is a read timeout to Envoy: retried under `reset`.
  DEADLINE_EXCEEDED: ['deadline-exceeded', 'reset'],
  RESOURCE_EXHAUSTED: ['resource-exhausted'],
  INTERNAL: ['internal'],
  CANCELLED: ['cancelled'],
};

const duration = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

const LABELS = { 'app.kubernetes.io/part-of': 'foodmesh', 'app.kubernetes.io/managed-by': 'mesh-render' };

export function destinationRule(upstream: string, p: UpstreamPolicy): K8sObject {
  const host = p.host ?? upstream;
  const b = p.circuitBreaker;
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: host, labels: { ...LABELS, app: host } },
    spec: {
      host,
      trafficPolicy: b
        ? {
            connectionPool: {
              http: { http2MaxRequests: b.maxRequests, http1MaxPendingRequests: b.maxPending },
            },
            outlierDetection: {
              // Envoy counts gRPC UNAVAILABLE/DEADLINE_EXCEEDED/INTERNAL/UNKNOWN as 5xx, like the local breaker.
              consecutive5xxErrors: b.consecutiveErrors,
              interval: duration(b.intervalMs),
              baseEjectionTime: duration(b.baseEjectionMs),
              maxEjectionPercent: b.maxEjectionPercent,
            },
          }
        : {},
    },
  };
}

export function virtualService(upstream: string, p: UpstreamPolicy): K8sObject {
  const host = p.host ?? upstream;
  const route = [{ destination: { host } }];
  const http: Record<string, unknown>[] = [];
  if (p.retries && p.retries.attempts > 1) {
    http.push({
      name: `${host}-idempotent`,
      match: p.retries.methods.map((m) => ({ uri: { exact: `/${p.service}/${m}` } })),
      timeout: duration(p.timeoutMs),
      retries: {
        attempts: p.retries.attempts - 1, // Istio counts retries, the policy counts tries
        perTryTimeout: duration(p.retries.perTryTimeoutMs),
        retryOn: [...new Set(p.retries.retryOn.flatMap((c) => RETRY_ON[c] ?? []))].join(','),
      },
      route,
    });
  }
  http.push({ name: `${host}-default`, timeout: duration(p.timeoutMs), retries: { attempts: 0 }, route });
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: host, labels: { ...LABELS, app: host } },
    spec: { hosts: [host], http },
  };
}

export interface RenderedFile {
  /** Path relative to the repository root. */
  path: string;
  content: string;
}

const HEADER = '# Generated from mesh/policy.yaml by `npm run mesh:render`. Do not edit: change the policy and re-render.\n';

/** Every file `npm run mesh:render` writes, with its exact content. */
export function renderIstioFiles(policy: MeshPolicy): RenderedFile[] {
  return Object.entries(policy.upstreams).flatMap(([upstream, p]) => {
    const host = p.host ?? upstream;
    return [
      { path: `k8s/base/mesh/${host}-destinationrule.yaml`, content: HEADER + stringify(destinationRule(upstream, p), { aliasDuplicateObjects: false }) },
      { path: `k8s/base/mesh/${host}-virtualservice.yaml`, content: HEADER + stringify(virtualService(upstream, p), { aliasDuplicateObjects: false }) },
    ];
  });
}


