/**
 * Pass/fail rules of a scenario, e.g. `rpc.p99: "< 1500ms"`, `rpc.errorRate: "< 1%"`,
 * `sagas.unfinished: "== 0"`. Each metric has a kind, and a threshold must be written in a unit
 * of that kind; values are compared in ms (durations), fractions (ratios) or plain numbers.
 */
export type MetricKind = 'duration' | 'ratio' | 'rate' | 'count';

/** Every metric a threshold may name, with what it measures (also the report's glossary). */
export const METRICS: Record<string, { kind: MetricKind; what: string }> = {
  'rpc.rate': { kind: 'rate', what: 'completed calls per second of the RPC under load' },
  'rpc.p50': { kind: 'duration', what: 'median latency of the RPC under load' },
  'rpc.p95': { kind: 'duration', what: '95th percentile latency' },
  'rpc.p99': { kind: 'duration', what: '99th percentile latency' },
  'rpc.errorRate': { kind: 'ratio', what: 'share of calls that did not end OK' },
  'sagas.completed': { kind: 'count', what: 'orders of the run that reached a final state' },
  'sagas.unfinished': { kind: 'count', what: 'orders of the run not in a final state after the drain' },
  'sagas.p50': { kind: 'duration', what: 'median time from placing an order to its final state' },
  'sagas.p99': { kind: 'duration', what: '99th percentile of that time' },
  'crew.failures': { kind: 'count', what: 'crew actions that failed for a reason other than a lost race' },
  'viewLag.p50': { kind: 'duration', what: 'median event-to-view lag (orderview histogram over the run)' },
  'viewLag.p99': { kind: 'duration', what: '99th percentile event-to-view lag' },
  'payLater.deferred': { kind: 'count', what: 'orders saved AWAITING_PAYMENT (pay-later fallback) in the run' },
  'payLater.paidLater': { kind: 'count', what: 'deferred orders the crew paid later' },
  'breaker.openSamples': { kind: 'count', what: 'metric samples (1/s, per order replica) with the payment breaker open' },
  'replicas.minShare': { kind: 'ratio', what: "smallest share of its service's RPCs any replica served (scale drill)" },
};

const OPS = ['<=', '>=', '==', '<', '>'] as const;
type Op = (typeof OPS)[number];

export interface Threshold {
  metric: string;
  op: Op;
  /** In ms (duration), a fraction (ratio) or a plain number. */
  value: number;
  /** As written. */
  text: string;
}

const UNIT_KINDS: Array<{ re: RegExp; kind: MetricKind; scale: number }> = [
  { re: /^ms$/, kind: 'duration', scale: 1 },
  { re: /^s$/, kind: 'duration', scale: 1000 },
  { re: /^%$/, kind: 'ratio', scale: 0.01 },
  { re: /^\/s$/, kind: 'rate', scale: 1 },
];

const EXAMPLE: Record<MetricKind, string> = { duration: '"< 250ms"', ratio: '"< 1%"', rate: '">= 50/s"', count: '"== 0"' };

/** Parses one threshold; a problem is a sentence naming the metric and what to write instead. */
export function parseThreshold(metric: string, text: unknown): Threshold {
  const known = METRICS[metric];
  if (!known) throw new Error(`unknown metric "${metric}"; known: ${Object.keys(METRICS).join(', ')}`);
  const m = typeof text === 'string' || typeof text === 'number' ? /^\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*(\S*)\s*$/.exec(String(text)) : null;
  if (!m) throw new Error(`${metric}: ${JSON.stringify(text)} does not parse; write an operator (< <= == >= >) and a number, e.g. ${EXAMPLE[known.kind]}`);
  const [, op, number, unit] = m as unknown as [string, Op, string, string];
  if (!unit) {
    if (known.kind === 'duration' || known.kind === 'ratio')
      throw new Error(`${metric}: ${JSON.stringify(text)} needs a unit (${known.kind}), e.g. ${EXAMPLE[known.kind]}`);
    return { metric, op, value: Number(number), text: String(text).trim() };
  }
  const u = UNIT_KINDS.find((k) => k.re.test(unit));
  if (!u) throw new Error(`${metric}: unknown unit "${unit}" in ${JSON.stringify(text)}; use ms, s, % or /s`);
  if (u.kind !== known.kind) throw new Error(`${metric} is a ${known.kind}: "${unit}" does not fit; write e.g. ${EXAMPLE[known.kind]}`);
  return { metric, op, value: Number(number) * u.scale, text: String(text).trim() };
}

export interface ThresholdResult extends Threshold {
  /** The measured value (same scale as `value`); undefined when the run could not measure it. */
  actual: number | undefined;
  passed: boolean;
}

const compare: Record<Op, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
};

/** Each threshold against the measured values; one that was not measured fails. */
export function evaluateThresholds(thresholds: Threshold[], measured: Partial<Record<string, number>>): ThresholdResult[] {
  return thresholds.map((t) => {
    const actual = measured[t.metric];
    return { ...t, actual, passed: actual !== undefined && Number.isFinite(actual) && compare[t.op](actual, t.value) };
  });
}

/** A measured value in the unit a person reads it in. */
export function formatMetric(metric: string, value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'not measured';
  switch (METRICS[metric]?.kind) {
    case 'duration':
      return `${Math.round(value * 10) / 10}ms`;
    case 'ratio':
      return `${Math.round(value * 10_000) / 100}%`;
    case 'rate':
      return `${Math.round(value * 10) / 10}/s`;
    default:
      return String(value);
  }
}
