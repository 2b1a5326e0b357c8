import { unavailable } from '@foodmesh/platform';
import type { MetricsSource, Sample } from '../../app/ops-overview';

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

/**
 * Instant queries against Prometheus's HTTP API (`/api/v1/query`). Prometheus not answering is
 * UNAVAILABLE for the caller; a query it refuses is our bug (a plain error: INTERNAL, logged).
 */
export function prometheusSource(baseUrl: string, timeoutMs = 3000): MetricsSource {
  return {
    async instant(expr, signal) {
      const url = new URL('/api/v1/query', baseUrl);
      url.searchParams.set('query', expr);
      let body: QueryResponse;
      try {
        const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
        body = (await res.json()) as QueryResponse;
      } catch (err) {
        if (signal.aborted) throw err;
        throw unavailable(`Prometheus at ${baseUrl} does not answer (${(err as Error).message}); try again in a moment`, 5, 'METRICS_UNAVAILABLE');
      }
      if (body.status !== 'success' || body.data?.resultType !== 'vector') throw new Error(`Prometheus refused ${expr}: ${body.error ?? body.data?.resultType}`);
      return body.data.result.map((r): Sample => ({ labels: r.metric, value: Number(r.value[1]) }));
    },
  };
}
