import { loadCatalog } from './proto-catalog';
import { listScenarios, loadScenario, parseScenario, ScenarioError } from './scenario';

const catalog = loadCatalog();
const FILE = '/tmp/bad.yaml';
const base = `
description: test
call: foodmesh.edge.v1.CustomerService.PlaceOrder
as: [customer-1]
requests:
  - { storeId: store-gangnam-chicken, idempotencyKey: "{{newUUID}}" }
load: { schedule: const, rps: 5, duration: 4s }
`;
const problemsOf = (text: string): string => {
  try {
    parseScenario(text, FILE, catalog);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('expected the scenario to be refused');
};

describe('scenario files', () => {
  it.each(listScenarios())('loadtest/scenarios/%s.yaml is valid', (name) => {
    const s = loadScenario(name, catalog);
    expect(s.name).toBe(name);
    expect(s.load.length).toBeGreaterThan(0);
  });

  it('resolves the RPC, durations, stages and thresholds', () => {
    const s = parseScenario(`${base}thresholds: { rpc.p99: "< 1.5s" }\ncrew: { cancelShare: 0.1 }\n`, FILE, catalog);
    expect(s.rpc.protoFile).toBe('foodmesh/edge/v1/customer.proto');
    expect(s.target).toBe('edge');
    expect(s.load).toEqual([{ schedule: 'const', rps: 5, duration: 4000, concurrency: 50, connections: 1, timeout: 10_000 }]);
    expect(s.thresholds).toEqual([{ metric: 'rpc.p99', op: '<', value: 1500, text: '< 1.5s' }]);
    expect(s.crew).toMatchObject({ cancelShare: 0.1, rejectShare: 0, thinkMs: { owner: 200, payLater: 2000 }, drainTimeout: 60_000 });
  });

  it('names the file and each unknown field', () => {
    const msg = problemsOf(`${base}lod: {}\ncrew: { thinkMS: {} }\n`);
    expect(msg).toContain('/tmp/bad.yaml');
    expect(msg).toContain('lod: unknown field');
    expect(msg).toContain('crew.thinkMS: unknown field');
  });

  it('refuses an RPC that does not exist, and request fields its message lacks', () => {
    expect(problemsOf(base.replace('PlaceOrder', 'PlaceOrders'))).toContain('call: foodmesh.edge.v1.CustomerService has no RPC PlaceOrders');
    expect(problemsOf(base.replace('storeId:', 'store:'))).toContain('requests[0].store: PlaceOrderRequest has no field "store"');
    expect(
      problemsOf(
        base
          .replace('CustomerService.PlaceOrder', 'CustomerService.WatchOrderStatus')
          .replace(/storeId: store-gangnam-chicken, idempotencyKey: "\{\{newUUID\}\}"/, 'orderId: x'),
      ),
    ).toContain('is a server stream');
  });

  it('refuses thresholds that cannot parse, naming the metric', () => {
    const msg = problemsOf(`${base}thresholds: { rpc.p99: "fast", rpc.p100: "< 1s", rpc.errorRate: "< 1ms" }\n`);
    expect(msg).toContain('thresholds.rpc.p99: "fast" does not parse');
    expect(msg).toContain('thresholds.unknown metric "rpc.p100"');
    expect(msg).toContain('thresholds.rpc.errorRate is a ratio: "ms" does not fit');
  });

  it('checks the load shape and the drill against the stack', () => {
    expect(problemsOf(base.replace('duration: 4s', 'duration: 4 seconds'))).toContain(
      'load[0].duration: "4 seconds" is not a duration; write e.g. 500ms, 30s or 2m',
    );
    expect(problemsOf(base.replace('duration: 4s', 'total: 10, duration: 4s'))).toContain('load[0].duration: give either duration or total');
    expect(problemsOf(base.replace('{ schedule: const, rps: 5, duration: 4s }', '{ schedule: step, start: 5, end: 50, duration: 4s }'))).toMatch(
      /load\[0\]\.step: is required for schedule step[\s\S]*load\[0\]\.stepDuration: is required for schedule step/,
    );
    expect(problemsOf(`${base}drill: { kill: [order], at: 1s, restartAfter: 1s }\n`)).toContain(
      'drill.kill: order has 1 replica(s) (stack.replicas), so there is no replica 1 to kill',
    );
    expect(problemsOf(`${base}stack: { replicas: { order: 2 } }\ndrill: { kill: [order], at: 3s, restartAfter: 2s }\n`)).toContain(
      'drill: at + restartAfter must fall within the load',
    );
  });

  it('says which scenarios exist when a name is wrong', () => {
    expect(() => loadScenario('order-flw', catalog)).toThrow(/no such scenario file; scenarios: .*order-flow/);
  });
});
