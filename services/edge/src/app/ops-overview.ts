import { BreakerState, type GetOverviewResponse, type ServiceOverview } from '@foodmesh/proto-gen/foodmesh/edge/v1/ops';
import type { MetricsSource, Sample } from './ports';

/**
 * What the overview asks Prometheus: the project's recording rules
 * (observability/prometheus/rules.yaml), never raw metrics, so the page and any other
 * dashboard agree, and a renamed rule fails a test instead of blanking a panel.
 */
export const OVERVIEW_QUERIES = {
  replicas: 'service:up:count',
  replicasUp: 'service:up:sum',
  requests: 'service_method:grpc_server_handled:rate1m',
  errorRatio: 'service_method:grpc_server_error_ratio:rate1m',
  p99: 'service_method:grpc_server_handling_seconds:p99_1m',
  consumerLag: 'sum by (service) (service_consumer:kafka_consumer_lag:sum)',
  outboxBacklog: 'service:outbox_backlog:sum',
  outboxAge: 'service:outbox_oldest_unpublished_age_seconds:max',
  deadLetters: 'sum by (service) (service_consumer:events_parked:increase1h)',
  viewLag: 'service:orderview_event_to_view_lag_seconds:p99_1m',
  breakers: 'service_upstream:resilience_circuit_breaker_state:max',
} as const;
export type OverviewResults = Record<keyof typeof OVERVIEW_QUERIES, Sample[]>;

/** The gauge's values (resilience.ts): 0 closed, 1 half-open, 2 open. */
const BREAKER: Record<number, BreakerState> = {
  0: BreakerState.BREAKER_STATE_CLOSED,
  1: BreakerState.BREAKER_STATE_HALF_OPEN,
  2: BreakerState.BREAKER_STATE_OPEN,
};

/** A figure, or undefined for a quantile or ratio over no calls (NaN). */
const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : undefined);

/** The overview from the queries' results: one entry per service Prometheus knows, sorted by name. */
export function overviewOf(r: OverviewResults, observedAt: Date): GetOverviewResponse {
  const byService = (samples: Sample[]) => new Map(samples.map((s) => [s.labels.service ?? '', s.value]));
  const byMethod = (samples: Sample[]) => new Map(samples.map((s) => [`${s.labels.service}\u0000${s.labels.method}`, s.value]));
  const [replicasUp, lag, backlog, age, parked, viewLag] = [r.replicasUp, r.consumerLag, r.outboxBacklog, r.outboxAge, r.deadLetters, r.viewLag].map(byService);
  const [errorRatio, p99] = [r.errorRatio, r.p99].map(byMethod);

  const services = r.replicas
    .map((s) => s.labels.service ?? '')
    .filter((name) => name !== '')
    .sort()
    .map((service): ServiceOverview => {
      const methods = r.requests
        .filter((s) => s.labels.service === service && s.value > 0)
        .sort((a, b) => b.value - a.value)
        .map((s) => {
          const key = `${service}\u0000${s.labels.method}`;
          // No error series at all for a method with calls: none of them failed.
          return {
            method: s.labels.method ?? '',
            requestsPerSecond: s.value,
            errorRatio: errorRatio!.has(key) ? finite(errorRatio!.get(key)) : 0,
            p99Seconds: finite(p99!.get(key)),
          };
        });
      return {
        service,
        replicas: r.replicas.find((s) => s.labels.service === service)!.value,
        replicasUp: replicasUp!.get(service) ?? 0,
        methods,
        consumerLag: Math.round(lag!.get(service) ?? 0),
        outboxBacklog: Math.round(backlog!.get(service) ?? 0),
        outboxOldestAgeSeconds: finite(age!.get(service)) ?? 0,
        deadLettersLastHour: Math.round(finite(parked!.get(service)) ?? 0),
        viewLagP99Seconds: finite(viewLag!.get(service)),
      };
    });

  const breakers = r.breakers
    .map((s) => ({ service: s.labels.service ?? '', upstream: s.labels.upstream ?? '', state: BREAKER[s.value] ?? BreakerState.BREAKER_STATE_UNSPECIFIED }))
    .sort((a, b) => `${a.service}/${a.upstream}`.localeCompare(`${b.service}/${b.upstream}`));
  return { services, breakers, observedAt };
}

/** Asks every query at once; the overview of the platform now. */
export function createOpsOverview(metrics: MetricsSource) {
  return async (signal: AbortSignal): Promise<GetOverviewResponse> => {
    const keys = Object.keys(OVERVIEW_QUERIES) as Array<keyof typeof OVERVIEW_QUERIES>;
    const results = await Promise.all(keys.map((k) => metrics.instant(OVERVIEW_QUERIES[k], signal)));
    return overviewOf(Object.fromEntries(keys.map((k, i) => [k, results[i]!])) as OverviewResults, new Date());
  };
}
