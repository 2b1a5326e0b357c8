import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { grpcDuration, loadMeshPolicy, localSettings, toGrpcServiceConfig, upstreamPolicy } from './mesh-policy';

describe('mesh policy', () => {
  const policy = loadMeshPolicy();
  const payment = upstreamPolicy(policy, 'payment', 'x');

  it('loads the repository policy with a payment upstream', () => {
    expect(payment.service).toBe('foodmesh.payment.v1.PaymentService');
    expect(payment.retries?.methods).toContain('Pay');
  });

  it('puts the overall timeout into the grpc-js service config, for unary methods only', () => {
    const cfg = toGrpcServiceConfig(payment, ['Pay', 'GetPayment']) as any;
    expect(cfg.methodConfig[0].name).toEqual([
      { service: 'foodmesh.payment.v1.PaymentService', method: 'Pay' },
      { service: 'foodmesh.payment.v1.PaymentService', method: 'GetPayment' },
    ]);
    expect(cfg.methodConfig[0].timeout).toBe(grpcDuration(payment.timeoutMs));
  });

  it.each([
    [2000, '2.000000000s'],
    [500, '0.500000000s'],
    [2500, '2.500000000s'],
    [1, '0.001000000s'],
  ])('writes %i ms as the duration grpc-js reads as the same time (%s)', (ms, text) => {
    expect(grpcDuration(ms)).toBe(text);
  });

  it('applies retries and the breaker locally, and only the deadline in mesh mode', () => {
    const local = localSettings(payment, 'local');
    expect(local.retries?.attempts).toBe(payment.retries!.attempts);
    expect(local.breaker?.consecutiveErrors).toBe(payment.circuitBreaker!.consecutiveErrors);
    expect(localSettings(payment, 'mesh')).toEqual({ timeoutMs: payment.timeoutMs });
  });

  it('falls back to the default timeout for an unlisted upstream', () => {
    expect(upstreamPolicy(policy, 'nobody', 'foodmesh.x.v1.XService').timeoutMs).toBe(policy.defaults.timeoutMs);
  });

  it.each([
    ['payment: { service: payment, timeoutMs: 100 }', /upstreams\.payment\.service/],
    ['payment: { service: a.v1.BService, timeoutMs: -1 }', /upstreams\.payment\.timeoutMs/],
    [
      'payment: { service: a.v1.BService, timeoutMs: 100, retries: { attempts: 2, perTryTimeoutMs: 500, retryOn: [UNAVAILABLE], methods: [Pay] } }',
      /perTryTimeoutMs must not exceed timeoutMs/,
    ],
    ['payment: { service: a.v1.BService, timeoutMs: 100, retries: { attempts: 2, perTryTimeoutMs: 50, retryOn: [NOT_FOUND], methods: [Pay] } }', /retryOn/],
  ])('rejects a policy that breaks the schema: %s', (upstream, message) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'policy-')), 'policy.yaml');
    fs.writeFileSync(file, `defaults: { timeoutMs: 100 }\nupstreams:\n  ${upstream}\n`);
    expect(() => loadMeshPolicy(file)).toThrow(message);
  });
});
