import { ghzConfig, rotatingHeaders } from './ghz';
import { loadCatalog } from './proto-catalog';

describe('ghz config', () => {
  const rpc = loadCatalog().rpc('foodmesh.edge.v1.CustomerService.PlaceOrder');
  const base = { rpc, host: '127.0.0.1:5', requests: [{ storeId: 's' }], metadata: { authorization: 'Bearer t' }, output: '/tmp/o.json', name: 'x' };

  it('maps a const stage to rps, concurrency and a duration', () => {
    const c = ghzConfig({ ...base, stage: { schedule: 'const', rps: 20, concurrency: 8, connections: 2, duration: 4000, timeout: 10_000 } });
    expect(c).toMatchObject({
      call: 'foodmesh.edge.v1.CustomerService.PlaceOrder',
      insecure: true,
      rps: 20,
      concurrency: 8,
      connections: 2,
      duration: '4000ms',
      'duration-stop': 'wait',
      timeout: '10000ms',
      'load-schedule': 'const',
      format: 'json',
    });
    expect(String(c.proto)).toMatch(/proto\/foodmesh\/edge\/v1\/customer\.proto$/);
    expect(c).not.toHaveProperty('load-start');
    expect(c).not.toHaveProperty('total');
  });

  it('sends an exact number of calls when a stage has a total', () => {
    const c = ghzConfig({ ...base, stage: { schedule: 'const', rps: 6, total: 12, concurrency: 6, connections: 1, timeout: 10_000 } });
    expect(c).toMatchObject({ total: 12 });
    expect(c).not.toHaveProperty('duration');
    expect(c).not.toHaveProperty('max-duration');
  });

  it('maps a step stage to ghz load-start/end/step and step duration', () => {
    const c = ghzConfig({
      ...base,
      stage: { schedule: 'step', start: 70, end: 10, step: -10, stepDuration: 20_000, concurrency: 100, connections: 4, duration: 140_000, timeout: 10_000 },
    });
    expect(c).toMatchObject({
      'load-schedule': 'step',
      'load-start': 70,
      'load-end': 10,
      'load-step': -10,
      'load-step-duration': '20000ms',
      duration: '140000ms',
    });
    expect(c).not.toHaveProperty('rps');
  });

  it('sends one user as is, and rotates several so each sends every request template', () => {
    expect(rotatingHeaders([{ authorization: 'Bearer a' }], 3)).toEqual({ authorization: 'Bearer a' });
    expect(rotatingHeaders([{ authorization: 'Bearer a.b-c' }, { authorization: 'Bearer d' }], 3)).toEqual({
      authorization: '{{ index (list `Bearer a.b-c` `Bearer d`) (mod (div .RequestNumber 3) 2) }}',
    });
  });
});
