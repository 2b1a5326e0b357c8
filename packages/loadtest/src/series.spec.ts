import type { ProcessSample, Tick } from './sampler';
import { deriveSeries, minReplicaShare } from './series';

const p = (service: string, replica: number, over: Partial<ProcessSample>): ProcessSample => ({
  service,
  replica,
  up: true,
  startedAt: 100,
  rpcs: 0,
  consumed: 0,
  published: 0,
  outboxBacklog: 0,
  consumerLag: 0,
  breakerOpen: false,
  fallbacks: 0,
  cpuSeconds: 0,
  rssBytes: 0,
  ...over,
});

describe('stack series from scrapes', () => {
  const ticks: Tick[] = [
    { t: 0, processes: [p('order', 0, { rpcs: 10 }), p('order', 1, { rpcs: 10, startedAt: 200 })] },
    { t: 1000, processes: [p('order', 0, { rpcs: 40, fallbacks: 2, breakerOpen: true }), p('order', 1, { rpcs: 30, startedAt: 200 })] },
    { t: 2000, processes: [p('order', 0, { rpcs: 70, fallbacks: 5, breakerOpen: true }), { ...p('order', 1, {}), up: false }] },
    // replica 1 restarted: its counters start from zero again
    { t: 3000, processes: [p('order', 0, { rpcs: 80, fallbacks: 5 }), p('order', 1, { rpcs: 15, startedAt: 300 })] },
  ];

  it('turns counters into rates per interval, across a restart', () => {
    const s = deriveSeries(ticks);
    expect(s.seconds).toEqual([1, 2, 3]);
    expect(s.services.order!.rpcRate).toEqual([50, 30, 25]);
    expect(s.fallbacksRate).toEqual([2, 3, 0]);
    expect(s.totals.fallbacks).toBe(5);
    expect(s.breakerOpenReplicas).toEqual([1, 1, 0]);
    expect(s.totals.breakerOpenSamples).toBe(2);
  });

  it("gives each replica's share of its service's work and its time down", () => {
    const s = deriveSeries(ticks);
    expect(s.replicas.order).toEqual([
      expect.objectContaining({ replica: 0, rpcs: 70, unanswered: 0, rpcShare: 0.667 }),
      expect.objectContaining({ replica: 1, rpcs: 35, unanswered: 1, rpcShare: 0.333 }),
    ]);
    expect(minReplicaShare(s)).toBe(0.333);
    expect(minReplicaShare(s, 1000)).toBeUndefined(); // too few calls to judge the balance
  });

  it('reads the event-to-view lag from histogram deltas, per interval and over the run', () => {
    const lag = (le01: number, le1: number, inf: number) => ({
      viewLag: [
        [0.1, le01],
        [1, le1],
        [Infinity, inf],
      ] as Array<[number, number]>,
    });
    const s = deriveSeries([
      { t: 0, processes: [p('orderview', 0, lag(0, 0, 0))] },
      { t: 1000, processes: [p('orderview', 0, lag(90, 100, 100))] },
      { t: 2000, processes: [p('orderview', 0, lag(90, 100, 100))] },
    ]);
    expect(s.viewLagP50Ms[0]).toBeCloseTo(55.6, 1);
    expect(s.viewLagP99Ms[0]).toBeCloseTo(910, 0);
    expect(s.viewLagP50Ms[1]).toBeNull();
    expect(s.totals.viewLagCount).toBe(100);
    expect(s.totals.viewLagP99Ms).toBeCloseTo(910, 0);
  });

  it('tells where the time goes: handling time per method over the run, and CPU per service', () => {
    const h = (n: number) => ({
      handling: {
        '/foodmesh.order.v1.OrderService/PlaceOrder': [
          [0.01, n],
          [0.1, 2 * n],
          [Infinity, 2 * n],
        ] as Array<[number, number]>,
      },
      cpuSeconds: n / 10,
    });
    const s = deriveSeries([
      { t: 0, processes: [p('order', 0, h(0))] },
      { t: 1000, processes: [p('order', 0, h(50))] },
      { t: 2000, processes: [p('order', 0, h(100))] },
    ]);
    expect(s.methods).toEqual([{ service: 'order', method: '/foodmesh.order.v1.OrderService/PlaceOrder', count: 200, p50Ms: 10, p99Ms: 98.2 }]);
    expect(s.cpuCores).toEqual({ order: 5 });
    expect(
      deriveSeries(
        [
          { t: 0, processes: [p('order', 0, h(0))] },
          { t: 1000, processes: [p('order', 0, h(10))] },
          { t: 2000, processes: [p('order', 0, h(100))] },
        ],
        { from: 1000, to: 1900 },
      ).cpuCores,
    ).toEqual({ order: 9 });
  });
});
