import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { BreakerState } from '@foodmesh/proto-gen/foodmesh/edge/v1/ops';
import { OVERVIEW_QUERIES, overviewOf, type OverviewResults } from './ops-overview';

const PLACE = '/foodmesh.order.v1.OrderService/PlaceOrder';
const GET = '/foodmesh.order.v1.OrderService/GetOrder';
const CANCEL = '/foodmesh.order.v1.OrderService/CancelOrder';
const s = (labels: Record<string, string>, value: number) => ({ labels, value });
const none = Object.fromEntries(Object.keys(OVERVIEW_QUERIES).map((k) => [k, []])) as unknown as OverviewResults;

describe('the operations overview', () => {
  it('reads only recording rules that observability/prometheus/rules.yaml defines', () => {
    const rules = parse(readFileSync(path.resolve(__dirname, '../../../../observability/prometheus/rules.yaml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ record: string }> }>;
    };
    const recorded = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.record)));
    const used = Object.values(OVERVIEW_QUERIES).flatMap((q) => q.match(/[a-z_]+:[a-z_0-9]+:[a-z_0-9]+/g) ?? []);
    expect(used.length).toBe(Object.keys(OVERVIEW_QUERIES).length);
    expect(used.filter((name) => !recorded.has(name))).toEqual([]);
  });

  it('lists every service Prometheus scrapes, with its busiest methods first and its messaging figures', () => {
    const at = new Date('2026-11-26T10:00:00Z');
    const o = overviewOf(
      {
        ...none,
        replicas: [s({ service: 'order' }, 2), s({ service: 'edge' }, 1)],
        replicasUp: [s({ service: 'order' }, 1), s({ service: 'edge' }, 1)],
        requests: [
          s({ service: 'order', method: GET }, 0.5),
          s({ service: 'order', method: PLACE }, 4),
          s({ service: 'order', method: CANCEL }, 1),
          s({ service: 'order', method: '/x.Y/Idle' }, 0),
        ],
        errorRatio: [s({ service: 'order', method: PLACE }, 0.25), s({ service: 'order', method: GET }, NaN)],
        p99: [s({ service: 'order', method: PLACE }, 0.12)],
        outboxBacklog: [s({ service: 'order' }, 3)],
        outboxAge: [s({ service: 'order' }, 1.5)],
        consumerLag: [s({ service: 'order' }, 7)],
        deadLetters: [s({ service: 'order' }, 1.9999)],
        viewLag: [s({ service: 'order' }, NaN)],
      },
      at,
    );
    expect(o.observedAt).toBe(at);
    expect(o.services.map((x) => x.service)).toEqual(['edge', 'order']);
    expect(o.services[1]).toEqual({
      service: 'order',
      replicas: 2,
      replicasUp: 1,
      methods: [
        { method: PLACE, requestsPerSecond: 4, errorRatio: 0.25, p99Seconds: 0.12 },
        { method: CANCEL, requestsPerSecond: 1, errorRatio: 0, p99Seconds: undefined },
        { method: GET, requestsPerSecond: 0.5, errorRatio: undefined, p99Seconds: undefined },
      ],
      consumerLag: 7,
      outboxBacklog: 3,
      outboxOldestAgeSeconds: 1.5,
      deadLettersLastHour: 2,
      viewLagP99Seconds: undefined,
    });
    expect(o.services[0]).toMatchObject({ service: 'edge', replicas: 1, replicasUp: 1, methods: [], consumerLag: 0, outboxBacklog: 0 });
  });

  it('reports each breaker by caller and upstream', () => {
    const o = overviewOf(
      {
        ...none,
        breakers: [s({ service: 'order', upstream: 'payment' }, 2), s({ service: 'edge', upstream: 'order' }, 0), s({ service: 'edge', upstream: 'store' }, 1)],
      },
      new Date(),
    );
    expect(o.breakers).toEqual([
      { service: 'edge', upstream: 'order', state: BreakerState.BREAKER_STATE_CLOSED },
      { service: 'edge', upstream: 'store', state: BreakerState.BREAKER_STATE_HALF_OPEN },
      { service: 'order', upstream: 'payment', state: BreakerState.BREAKER_STATE_OPEN },
    ]);
  });
});
