import { stringify } from 'yaml';
import { BREAKER_FAILURE_CODES, connectRetriesOf, type MeshPolicy, type UpstreamPolicy } from './mesh-policy';

/**
 * The cluster rendering of mesh/policy.yaml: per upstream an Istio
 * DestinationRule (connection pool = concurrency cap and retry budget, outlier
 * detection = circuit breaker) and a VirtualService (timeout; retries on the
 * policy's codes only on the routes of idempotent methods; every other method
 * tried again only when the request never reached the server, replacing
 * Istio's default retries).
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
  const budget = p.retries?.maxConcurrent === undefined ? {} : { maxRetries: p.retries.maxConcurrent };
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: host, labels: { ...LABELS, app: host } },
    spec: {
      host,
      trafficPolicy: b
        ? {
            connectionPool: {
              http: { http2MaxRequests: b.maxRequests, http1MaxPendingRequests: b.maxPending, ...budget },
            },
            outlierDetection: {
              // Envoy counts gRPC UNAVAILABLE/DEADLINE_EXCEEDED/INTERNAL/UNKNOWN as 5xx, like the local breaker.
              consecutive5xxErrors: b.consecutiveErrors,
              interval: duration(b.intervalMs),
              baseEjectionTime: duration(b.baseEjectionMs),
              maxEjectionPercent: b.maxEjectionPercent,
            },
          }
        : Object.keys(budget).length
          ? { connectionPool: { http: budget } }
          : {},
    },
  };
}

/** Envoy's conditions for a request that never reached the upstream: safe to send again for any method. */
export const NOT_SENT_RETRY_ON = 'connect-failure,refused-stream';

export function virtualService(upstream: string, p: UpstreamPolicy, connectRetries: number): K8sObject {
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
  const notSent = connectRetries > 0 ? { attempts: connectRetries, retryOn: NOT_SENT_RETRY_ON } : { attempts: 0 };
  http.push({ name: `${host}-default`, timeout: duration(p.timeoutMs), retries: notSent, route });
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
      {
        path: `k8s/base/mesh/${host}-virtualservice.yaml`,
        content: HEADER + stringify(virtualService(upstream, p, connectRetriesOf(policy)), { aliasDuplicateObjects: false }),
      },
    ];
  });
}
