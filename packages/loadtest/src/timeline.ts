import { percentile } from '@foodmesh/bench/stats';
import type { GhzReport } from './ghz';

/** The RPC under load over the whole run (every ghz stage together). */
export interface RpcSummary {
  count: number;
  ok: number;
  /** status name → count, for calls that did not end OK. */
  errors: Record<string, number>;
  errorRate: number;
  /** OK calls per second of load. */
  rate: number;
  /** Latency of OK calls, ms. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Per second of the load: OK and failed calls and the latency percentiles of OK calls. */
export interface RpcTimeline {
  seconds: number[];
  okPerSecond: number[];
  errorsPerSecond: number[];
  p50Ms: Array<number | null>;
  p95Ms: Array<number | null>;
  p99Ms: Array<number | null>;
}

const round = (n: number) => Math.round(n * 10) / 10;
const isOk = (d: { status: string }) => d.status === 'OK';

/** Over every ghz run; the rate is OK calls per second of their wall time. */
export function summarizeRpc(reports: GhzReport[]): RpcSummary {
  const details = reports.flatMap((r) => r.details ?? []);
  const wallMs = reports.reduce((ms, r) => ms + r.total / 1e6, 0);
  const okLatencies = details
    .filter(isOk)
    .map((d) => d.latency / 1e6)
    .sort((a, b) => a - b);
  const errors: Record<string, number> = {};
  for (const d of details) if (!isOk(d)) errors[d.status] = (errors[d.status] ?? 0) + 1;
  return {
    count: details.length,
    ok: okLatencies.length,
    errors,
    errorRate: details.length ? (details.length - okLatencies.length) / details.length : 0,
    rate: wallMs > 0 ? round(okLatencies.length / (wallMs / 1000)) : 0,
    p50Ms: round(percentile(okLatencies, 50)),
    p95Ms: round(percentile(okLatencies, 95)),
    p99Ms: round(percentile(okLatencies, 99)),
    maxMs: round(okLatencies.at(-1) ?? NaN),
  };
}

/** Buckets the calls by the second they finished in, counted from `startMs` (epoch). */
export function rpcTimeline(reports: GhzReport[], startMs: number): RpcTimeline {
  const buckets: Array<{ ok: number[]; errors: number }> = [];
  for (const d of reports.flatMap((r) => r.details ?? [])) {
    const second = Math.max(0, Math.floor((Date.parse(d.timestamp) - startMs) / 1000));
    while (buckets.length <= second) buckets.push({ ok: [], errors: 0 });
    if (isOk(d)) buckets[second]!.ok.push(d.latency / 1e6);
    else buckets[second]!.errors++;
  }
  const q = (p: number) =>
    buckets.map((b) =>
      b.ok.length
        ? round(
            percentile(
              b.ok.sort((x, y) => x - y),
              p,
            ),
          )
        : null,
    );
  return {
    seconds: buckets.map((_, i) => i + 1),
    okPerSecond: buckets.map((b) => b.ok.length),
    errorsPerSecond: buckets.map((b) => b.errors),
    p50Ms: q(50),
    p95Ms: q(95),
    p99Ms: q(99),
  };
}
