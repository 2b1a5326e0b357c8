import { ConfigError } from '@foodmesh/platform';
import { loadConfig } from './config';

/** Identity as in the cluster: the identity provider's key set by URL, workloads by mTLS. */
const identity = {
  AUTH_ISSUER: 'https://auth.example.com/',
  AUTH_AUDIENCE: 'foodmesh',
  AUTH_JWKS_URL: 'https://auth.example.com/jwks.json',
  WORKLOAD_IDENTITY: 'mesh',
};

describe('delivery config', () => {
  it("defaults to the delivery service's name and local ports", () => {
    const c = loadConfig({ ...identity, DATABASE_URL: 'postgres://u@h/db', KAFKA_BROKERS: 'k:9092' });
    expect([c.SERVICE_NAME, c.GRPC_PORT, c.METRICS_PORT]).toEqual(['delivery', 50054, 9464]);
  });

  it('refuses to start without its database and brokers', () => {
    expect(() => loadConfig(identity)).toThrow(ConfigError);
  });
});
