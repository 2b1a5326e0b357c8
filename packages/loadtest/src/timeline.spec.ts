import type { GhzReport } from './ghz';
import { rpcTimeline, summarizeRpc } from './timeline';

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
const report = (details: GhzReport['details'], wallMs = 2000): GhzReport => ({
  date: at(0),
  count: details.length,
  total: wallMs * 1e6,
  rps: 0,
  statusCodeDistribution: {},
  errorDistribution: null,
  details,
});

describe('the RPC over the run, from ghz details', () => {
  const r = report([
    { timestamp: at(100), latency: 10e6, error: '', status: 'OK' },
    { timestamp: at(900), latency: 30e6, error: '', status: 'OK' },
    { timestamp: at(1500), latency: 20e6, error: '', status: 'OK' },
    { timestamp: at(1600), latency: 5e6, error: 'rpc error', status: 'Unavailable' },
  ]);

  it("summarizes OK latency, the OK rate over the runs' wall time and errors by status, across stages", () => {
    const s = summarizeRpc([r, report([{ timestamp: at(2500), latency: 40e6, error: '', status: 'OK' }])]);
    expect(s).toEqual({ count: 5, ok: 4, errors: { Unavailable: 1 }, errorRate: 0.2, rate: 1, p50Ms: 20, p95Ms: 40, p99Ms: 40, maxMs: 40 });
  });

  it('buckets calls by the second they finished in', () => {
    const t = rpcTimeline([r], Date.UTC(2026, 0, 1));
    expect(t).toEqual({ seconds: [1, 2], okPerSecond: [2, 1], errorsPerSecond: [0, 1], p50Ms: [10, 20], p95Ms: [30, 20], p99Ms: [30, 20] });
  });
});
