import { addBuckets, bucketDelta, buckets, histogramQuantile, parsePrometheus, sum } from './prometheus';

const TEXT = `# HELP grpc_server_handled_total RPCs completed
# TYPE grpc_server_handled_total counter
grpc_server_handled_total{method="/a/B",code="OK",service="order"} 10
grpc_server_handled_total{method="/a/C",code="UNAVAILABLE",service="order"} 2
resilience_circuit_breaker_state{upstream="payment",service="order"} 2
lag_bucket{le="0.1",service="orderview"} 5
lag_bucket{le="0.5",service="orderview"} 9
lag_bucket{le="+Inf",service="orderview"} 10
odd{note="a \\"quoted\\" label"} 1
`;

describe('Prometheus text', () => {
  const samples = parsePrometheus(TEXT);

  it('reads samples with their labels', () => {
    expect(sum(samples, 'grpc_server_handled_total')).toBe(12);
    expect(sum(samples, 'grpc_server_handled_total', { code: 'OK' })).toBe(10);
    expect(sum(samples, 'resilience_circuit_breaker_state', { upstream: 'payment' })).toBe(2);
    expect(samples.find((s) => s.name === 'odd')!.labels.note).toBe('a "quoted" label');
  });

  it('interpolates quantiles inside cumulative buckets like histogram_quantile', () => {
    const b = buckets(samples, 'lag');
    expect(b).toEqual([
      [0.1, 5],
      [0.5, 9],
      [Infinity, 10],
    ]);
    expect(histogramQuantile(0.5, b)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.7, b)).toBeCloseTo(0.3);
    expect(histogramQuantile(0.99, b)).toBe(0.5); // above the last finite bound
    expect(histogramQuantile(0.5, [])).toBeNaN();
  });

  it('takes deltas between scrapes, and counts a restarted process from zero', () => {
    expect(
      bucketDelta(
        [
          [0.1, 7],
          [Infinity, 12],
        ],
        [
          [0.1, 5],
          [Infinity, 10],
        ],
      ),
    ).toEqual([
      [0.1, 2],
      [Infinity, 2],
    ]);
    expect(
      bucketDelta(
        [
          [0.1, 1],
          [Infinity, 3],
        ],
        [
          [0.1, 5],
          [Infinity, 10],
        ],
      ),
    ).toEqual([
      [0.1, 1],
      [Infinity, 3],
    ]);
    expect(
      addBuckets(
        [
          [0.1, 1],
          [Infinity, 2],
        ],
        [
          [0.1, 3],
          [Infinity, 4],
        ],
      ),
    ).toEqual([
      [0.1, 4],
      [Infinity, 6],
    ]);
  });
});
