import { PrometheusQueryError, queryPrometheus, unavailable } from '@foodmesh/platform';
import type { MetricsSource } from '../../app/ports';

/**
 * The overview's figures from Prometheus's HTTP API. Prometheus not answering (in `timeoutMs`) is
 * UNAVAILABLE for the caller; a query it refuses is our bug (a plain error: INTERNAL, logged).
 */
export function prometheusSource(baseUrl: string, timeoutMs = 3000): MetricsSource {
  return {
    async instant(expr, signal) {
      try {
        return await queryPrometheus(baseUrl, expr, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
      } catch (err) {
        if (err instanceof PrometheusQueryError || signal.aborted) throw err;
        throw unavailable(`Prometheus at ${baseUrl} does not answer (${(err as Error).message}); try again in a moment`, 5, 'METRICS_UNAVAILABLE');
      }
    },
  };
}
