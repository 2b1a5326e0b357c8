import { ConfigError, generateSigningKey, keySetOf } from '@foodmesh/platform';
import { loadConfig } from './config';

const demoKey = generateSigningKey('demo');
const env = {
  ORDER_ADDR: 'order:50051',
  STORE_ADDR: 'store:50051',
  DELIVERY_ADDR: 'delivery:50051',
  ORDERVIEW_ADDR: 'orderview:50051',
  NOTIFICATION_ADDR: 'notification:50051',
  PAYMENT_ADDR: 'payment:50051',
  AUTH_ISSUER: 'foodmesh-local',
  AUTH_AUDIENCE: 'foodmesh',
  AUTH_JWKS: JSON.stringify(keySetOf(demoKey)),
  WORKLOAD_IDENTITY: 'mesh',
};
const demo = { DEMO_SIGN_IN: 'on', DEMO_SIGNING_KEY: JSON.stringify(demoKey) };
const problemsOf = (e: Record<string, string>) => {
  try {
    loadConfig(e);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

describe('edge config', () => {
  it('has demo sign-in off unless switched on, with its signing key', () => {
    expect(loadConfig(env).DEMO_SIGN_IN).toBe(false);
    const on = loadConfig({ ...env, ...demo });
    expect([on.DEMO_SIGN_IN, on.DEMO_SIGNING_KEY?.kid]).toEqual([true, 'demo']);
    expect(problemsOf({ ...env, DEMO_SIGN_IN: 'on' })).toEqual(['DEMO_SIGNING_KEY: is required when DEMO_SIGN_IN=on']);
  });

  it('refuses to start with demo sign-in in production', () => {
    expect(problemsOf({ ...env, ...demo, FOODMESH_ENV: 'production' })).toEqual([
      'DEMO_SIGN_IN: must be off when FOODMESH_ENV=production: it signs anyone in as any demo user, with no credential',
    ]);
    expect(loadConfig({ ...env, FOODMESH_ENV: 'production' }).FOODMESH_ENV).toBe('production');
  });

  it('refuses a demo key whose tokens its own key set would refuse', () => {
    expect(problemsOf({ ...env, ...demo, AUTH_JWKS: JSON.stringify(keySetOf(generateSigningKey('demo'))) })).toEqual([
      'DEMO_SIGNING_KEY: its public key (kid "demo") is not in AUTH_JWKS, so every token it signs would be refused',
    ]);
    // A rotation: the old key still published beside the new one.
    expect(problemsOf({ ...env, ...demo, AUTH_JWKS: JSON.stringify(keySetOf(generateSigningKey('old'), demoKey)) })).toEqual([]);
  });

  it('refuses a placeholder secret', () => {
    const placeholder = JSON.stringify({ ...demoKey, d: 'change-me-edge-demo-key' });
    expect(problemsOf({ ...env, DEMO_SIGN_IN: 'on', DEMO_SIGNING_KEY: placeholder })).toEqual([
      'DEMO_SIGNING_KEY: holds a placeholder ("change-me…"); set the real secret',
    ]);
  });

  it('reads the web settings', () => {
    const c = loadConfig({ ...env, HTTP_PORT: '9090', WEB_ORIGINS: 'http://localhost:5173, https://app.example' });
    expect(c.HTTP_PORT).toBe(9090);
    expect(c.WEB_ORIGINS).toEqual(['http://localhost:5173', 'https://app.example']);
  });

  it('reads where the operations page finds Prometheus and the tracing UI', () => {
    const c = loadConfig({
      ...env,
      OPS_PROMETHEUS_URL: 'http://prometheus-operated.monitoring:9090',
      OPS_TRACE_URL: 'http://localhost:16686/jaeger/trace/{traceId}',
    });
    expect([c.OPS_PROMETHEUS_URL, c.OPS_TRACE_URL]).toEqual(['http://prometheus-operated.monitoring:9090', 'http://localhost:16686/jaeger/trace/{traceId}']);
    expect(problemsOf({ ...env, OPS_PROMETHEUS_URL: 'prometheus:9090', OPS_TRACE_URL: 'http://jaeger/trace/' })).toEqual([
      'OPS_PROMETHEUS_URL: Invalid URL',
      'OPS_TRACE_URL: must contain {traceId}, where the trace id goes',
    ]);
  });
});
