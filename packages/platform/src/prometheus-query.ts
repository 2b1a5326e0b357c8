/** One sample of an instant query: its labels and value. */
export interface PromSample {
  labels: Record<string, string>;
  value: number;
}

/** Prometheus answered, but refused the query (a bad expression: the asker's bug). */
export class PrometheusQueryError extends Error {
  override name = 'PrometheusQueryError';
}

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

/**
 * An instant query against Prometheus's HTTP API (`/api/v1/query`). A Prometheus that does not
 * answer rejects with fetch's error (or the signal's); one that refuses the query with PrometheusQueryError.
 */
export async function queryPrometheus(baseUrl: string, expr: string, signal?: AbortSignal): Promise<PromSample[]> {
  const url = new URL('/api/v1/query', baseUrl);
  url.searchParams.set('query', expr);
  const body = (await (await fetch(url, { signal })).json()) as QueryResponse;
  if (body.status !== 'success' || body.data?.resultType !== 'vector')
    throw new PrometheusQueryError(`Prometheus refused ${expr}: ${body.error ?? body.data?.resultType}`);
  return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}
