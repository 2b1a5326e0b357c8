import { queryPrometheus, type PromSample } from '@foodmesh/platform';
import type { Report } from './report';

/**
 * The recording rules (observability/prometheus/rules.yaml) a scenario run must give data to.
 * Left out: dead letters parked (none, when all goes well).
 */
export const SCENARIO_RULES = [
  'service:up:count',
  'service:up:sum',
  'service_method:grpc_server_handled:rate1m',
  'service_method:grpc_server_errors:rate1m',
  'service_method:grpc_server_error_ratio:rate1m',
  'service_method:grpc_server_handling_seconds:p99_1m',
  'service_consumer:kafka_consumer_lag:sum',
  'service:outbox_backlog:sum',
  'service:outbox_oldest_unpublished_age_seconds:max',
  'service_upstream:resilience_circuit_breaker_state:max',
  'service_upstream:resilience_fallbacks:rate1m',
  'service:orderview_event_to_view_lag_seconds:p99_1m',
] as const;

const labelsOf = (s: PromSample) =>
  Object.entries(s.labels)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
const figure = (v: number) => (Number.isInteger(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v.toPrecision(3));

/** One line per rule: how many series it has and its largest ones. */
export function describeRule(rule: string, samples: PromSample[]): string {
  const top = [...samples].sort((a, b) => (b.value || 0) - (a.value || 0)).slice(0, 2);
  return `${rule}: ${samples.length} series${top.length ? `, e.g. ${top.map((s) => `{${labelsOf(s)}} ${figure(s.value)}`).join('; ')}` : ''}`;
}

/**
 * A step of the scenario: every rule returns data over the stack's metrics. Prometheus scrapes
 * and evaluates every few seconds, so each rule gets `waitMs` to show up.
 */
export async function checkRecordingRules(report: Report, prometheusUrl: string, waitMs = 60_000): Promise<void> {
  report.section(`Metrics: the recording rules over the stack's metrics (Prometheus ${prometheusUrl})`);
  await report.step(`every rule of observability/prometheus/rules.yaml the scenario exercises returns data`, async () => {
    const deadline = Date.now() + waitMs;
    const lines: string[] = [];
    const empty: string[] = [];
    for (const rule of SCENARIO_RULES) {
      let samples = await queryPrometheus(prometheusUrl, rule);
      while (samples.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        samples = await queryPrometheus(prometheusUrl, rule);
      }
      if (samples.length === 0) empty.push(rule);
      lines.push(describeRule(rule, samples));
    }
    if (empty.length) throw new Error(`no data from ${empty.join(', ')}:\n${lines.join('\n')}`);
    return lines;
  });
}
