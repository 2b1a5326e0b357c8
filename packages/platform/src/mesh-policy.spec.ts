import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMeshPolicy, toGrpcServiceConfig, upstreamPolicy } from './mesh-policy';

describe('mesh policy', () => {
  const policy = loadMeshPolicy();

  it('loads the repository policy with a payment upstream', () => {
    expect(policy.upstreams.payment?.service).toBe('foodmesh.payment.v1.PaymentService');
  });

  it('renders timeouts and retries into a grpc-js service config', () => {
    const cfg = toGrpcServiceConfig(upstreamPolicy(policy, 'payment', 'x'), { retries: true }) as any;
    const mc = cfg.methodConfig[0];
    expect(mc.name).toEqual([{ service: 'foodmesh.payment.v1.PaymentService' }]);
    expect(mc.timeout).toBe(`${policy.upstreams.payment!.timeoutMs / 1000}s`);
    expect(mc.retryPolicy.maxAttempts).toBe(policy.upstreams.payment!.retries!.attempts);
    expect(mc.retryPolicy.retryableStatusCodes).toEqual(['UNAVAILABLE']);
  });

  it('leaves retries to the sidecar in mesh mode', () => {
    const cfg = toGrpcServiceConfig(upstreamPolicy(policy, 'payment', 'x'), { retries: false }) as any;
    expect(cfg.methodConfig[0].retryPolicy).toBeUndefined();
    expect(cfg.methodConfig[0].timeout).toBeDefined();
  });

  it('falls back to the default timeout for an unlisted upstream', () => {
    expect(upstreamPolicy(policy, 'nobody', 'foodmesh.x.v1.XService').timeoutMs).toBe(policy.defaults.timeoutMs);
  });

  it('rejects a policy that breaks the schema, naming the field', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'policy-')), 'policy.yaml');
    fs.writeFileSync(file, 'defaults: { timeoutMs: 100 }\nupstreams:\n  payment: { service: payment, timeoutMs: -1 }\n');
    expect(() => loadMeshPolicy(file)).toThrow(/upstreams\.payment\.(service|timeoutMs)/);
  });
});
